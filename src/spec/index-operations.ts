import type { OpenAPIV3 } from 'openapi-types'
import { FAIL_FAST, UnderstudyError, toPointer, type Reporter } from '../errors.js'
import type { LoadedSpec } from './load-spec.js'
import { childPointer, resolveLocalRef, type Located } from './resolve-ref.js'

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const
export type HttpMethod = typeof HTTP_METHODS[number]

/** The reserved prefix of the control surface; no API path may live under it. */
export const CONTROL_PREFIX = '/__mock'

export interface IndexedOperation {
  spec: LoadedSpec
  operationId: string
  method: HttpMethod
  /** As mounted, in OpenAPI template form: `/api/v1/posts/{postId}/cancel`. */
  path: string
  /** As Fastify wants it: `/api/v1/posts/:postId/cancel`. */
  url: string
  /** [Fastify parameter name, the spec's] where the spec's is not a plain word (`{item-id}`). */
  paramAliases: ReadonlyArray<readonly [string, string]>
  /** The operation object's place in the document, for messages. */
  pointer: string
  parameters: Array<Located<OpenAPIV3.ParameterObject>>
  requestBody: Located<OpenAPIV3.RequestBodyObject> | undefined
  responses: Array<{ statusKey: string, response: Located<OpenAPIV3.ResponseObject> }>
  security: OpenAPIV3.SecurityRequirementObject[]
  securitySchemes: Record<string, OpenAPIV3.SecuritySchemeObject>
}

/**
 * Turns every operation of every spec into a plain record. A repeated operationId, a route
 * taken twice and a path under /__mock go to the reporter (by default: thrown), and the
 * operation is left out (the first one of an id or route stays).
 */
export function buildOperationIndex (specs: readonly LoadedSpec[], reporter: Reporter = FAIL_FAST): IndexedOperation[] {
  const operations: IndexedOperation[] = []
  const ids = new Map<string, IndexedOperation>()
  const routes = new Map<string, IndexedOperation>()
  for (const spec of specs) {
    for (const operation of indexSpec(spec)) {
      const problem = findIndexProblem(operation, ids, routes)
      if (problem !== undefined) {
        reporter.problem(problem)
        continue
      }
      ids.set(operation.operationId, operation)
      routes.set(`${operation.method} ${routeShape(operation.path)}`, operation)
      operations.push(operation)
    }
  }
  return operations
}

function findIndexProblem (
  operation: IndexedOperation,
  ids: ReadonlyMap<string, IndexedOperation>,
  routes: ReadonlyMap<string, IndexedOperation>
): UnderstudyError | undefined {
  const location = { file: operation.spec.file, pointer: operation.pointer }
  const sameId = ids.get(operation.operationId)
  if (sameId !== undefined) {
    return new UnderstudyError('UNDERSTUDY_OPERATION_ID_DUPLICATE', `'${operation.operationId}' is also ${describe(sameId)}`, location)
  }
  const sameRoute = routes.get(`${operation.method} ${routeShape(operation.path)}`)
  if (sameRoute !== undefined) {
    return new UnderstudyError('UNDERSTUDY_ROUTE_COLLISION', `${operation.method.toUpperCase()} ${operation.path} is also ${describe(sameRoute)}`, location)
  }
  if (operation.path === CONTROL_PREFIX || operation.path.startsWith(CONTROL_PREFIX + '/')) {
    return new UnderstudyError('UNDERSTUDY_RESERVED_PATH', operation.path, location)
  }
  return undefined
}

/** spec name → its operationIds: what the fixtures folder may name. */
export function operationsBySpec (operations: readonly IndexedOperation[]): Map<string, Set<string>> {
  const bySpec = new Map<string, Set<string>>()
  for (const { spec, operationId } of operations) {
    const ids = bySpec.get(spec.name) ?? new Set<string>()
    bySpec.set(spec.name, ids.add(operationId))
  }
  return bySpec
}

function describe (operation: IndexedOperation): string {
  return `${operation.operationId} in ${operation.spec.file}#${operation.pointer}`
}

/** One spec's operations, in document order, whatever the other specs hold. */
export function indexSpec (spec: LoadedSpec): IndexedOperation[] {
  const document = spec.document as OpenAPIV3.Document
  const basePath = serverBasePath(document.servers)
  const securitySchemes: Record<string, OpenAPIV3.SecuritySchemeObject> = {}
  for (const [name, scheme] of Object.entries(document.components?.securitySchemes ?? {})) {
    securitySchemes[name] = resolveLocalRef<OpenAPIV3.SecuritySchemeObject>(document, scheme, '').value
  }
  const operations: IndexedOperation[] = []
  for (const [template, rawItem] of Object.entries(document.paths ?? {})) {
    const item = resolveLocalRef<OpenAPIV3.PathItemObject>(document, rawItem, toPointer(['paths', template]))
    const shared = locateAll<OpenAPIV3.ParameterObject>(document, item.value.parameters, childPointer(item.pointer, 'parameters'))
    for (const method of HTTP_METHODS) {
      const raw = item.value[method]
      if (raw === undefined) continue
      const pointer = childPointer(item.pointer, method)
      const own = locateAll<OpenAPIV3.ParameterObject>(document, raw.parameters, childPointer(pointer, 'parameters'))
      const path = basePath + template
      operations.push({
        spec,
        operationId: raw.operationId ?? fallbackOperationId(method, path),
        method,
        path,
        ...toFastifyUrl(path),
        pointer,
        parameters: mergeParameters(shared, own),
        requestBody: raw.requestBody === undefined
          ? undefined
          : resolveLocalRef<OpenAPIV3.RequestBodyObject>(document, raw.requestBody, childPointer(pointer, 'requestBody')),
        responses: Object.entries(raw.responses ?? {}).map(([statusKey, response]) => ({
          statusKey,
          response: resolveLocalRef<OpenAPIV3.ResponseObject>(document, response, childPointer(pointer, 'responses', statusKey))
        })),
        security: raw.security ?? document.security ?? [],
        securitySchemes
      })
    }
  }
  return operations
}

function locateAll<T> (document: unknown, list: unknown[] | undefined, pointer: string): Array<Located<T>> {
  return (list ?? []).map((entry, index) => resolveLocalRef<T>(document, entry, childPointer(pointer, index)))
}

/** Operation-level parameters override path-level ones with the same name and location. */
function mergeParameters (shared: Array<Located<OpenAPIV3.ParameterObject>>, own: Array<Located<OpenAPIV3.ParameterObject>>): Array<Located<OpenAPIV3.ParameterObject>> {
  const key = (p: Located<OpenAPIV3.ParameterObject>): string => `${p.value.in}:${p.value.name}`
  const overridden = new Set(own.map(key))
  return [...shared.filter((p) => !overridden.has(key(p))), ...own]
}

/** The path part of the first server URL (variables at their defaults): `http://h:8080/studio` → `/studio`. */
export function serverBasePath (servers: OpenAPIV3.ServerObject[] | undefined): string {
  const server = servers?.[0]
  if (server === undefined) return ''
  const url = server.url.replace(/\{([^}]+)\}/g, (_, name: string) => server.variables?.[name]?.default ?? '')
  const pathname = new URL(url, 'http://understudy.invalid').pathname
  return pathname.replace(/\/+$/, '')
}

/** Parameter names do not make two routes different: /a/{x} and /a/{y} are one route. */
export function routeShape (path: string): string {
  return path.replace(/\{[^}]+\}/g, '{}')
}

/**
 * Fastify wants `path/:param` instead of OpenAPI's `path/{param}`. Its parameter names end
 * at any non-word character, so `{item-id}` becomes `:p0` with an alias back, and a literal
 * `:` (as in `/v1/{name}:cancel`) is escaped as `::`.
 */
export function toFastifyUrl (path: string): { url: string, paramAliases: Array<[string, string]> } {
  const paramAliases: Array<[string, string]> = []
  let index = 0
  const parts = path.split(/(\{[^}]+\})/)
  const url = parts.map((part, at) => {
    if (!part.startsWith('{')) return part.replace(/:/g, '::')
    const name = part.slice(1, -1)
    let param = name
    if (!/^[A-Za-z_]\w*$/.test(name)) {
      param = `p${index++}`
      paramAliases.push([param, name])
    }
    // find-my-way would read `:name::cancel` as one parameter name; a pattern ends it.
    return parts[at + 1]?.startsWith(':') === true ? `:${param}([^/:]+)` : `:${param}`
  }).join('')
  return { url, paramAliases }
}

function fallbackOperationId (method: string, path: string): string {
  return method + path.replace(/[{}]/g, '').split(/[^A-Za-z0-9]+/).filter(Boolean).map((word) => word[0]?.toUpperCase() + word.slice(1)).join('')
}
