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
  /**
   * What tells this operation apart from others on the same method and path, from a
   * path key with a fragment or query (AWS: `/#Action=ListUsers`, `/tags/{ARN}#tagKeys`):
   * the query parameters or headers it names (with a value, or '' for any) that the
   * operation declares. Others are ignored: two operations they do not tell apart collide.
   */
  discriminator: ReadonlyArray<readonly [string, string]>
  /** The operation object's place in the document, for messages. */
  pointer: string
  parameters: Array<Located<OpenAPIV3.ParameterObject>>
  requestBody: Located<OpenAPIV3.RequestBodyObject> | undefined
  responses: Array<{ statusKey: string, response: Located<OpenAPIV3.ResponseObject> }>
  security: OpenAPIV3.SecurityRequirementObject[]
  securitySchemes: Record<string, OpenAPIV3.SecuritySchemeObject>
}

/**
 * Turns every operation of every spec into a plain record. The mock works around what
 * real documents get wrong, each `tolerate`d (serve warns, check reports): a repeated
 * operationId is served under `<id>_2` (`_3`, …); two operations on one route (`/a/{x}`
 * beside `/a/{y}`) are both served when their path parameters' schemas differ (a request
 * goes to the first it matches), else the first stays; paths under /__mock are left out.
 */
export function buildOperationIndex (specs: readonly LoadedSpec[], reporter: Reporter = FAIL_FAST): IndexedOperation[] {
  const operations: IndexedOperation[] = []
  const ids = new Map<string, IndexedOperation>()
  const routes = new Map<string, IndexedOperation[]>()
  for (const spec of specs) {
    for (const operation of indexSpec(spec, reporter)) {
      const location = { file: operation.spec.file, pointer: operation.pointer }
      const route = routeKey(operation)
      // Operations on one route that take bodies of different media types are told apart by Content-Type.
      const sameRoute = routes.get(route)?.filter((other) => !takeDisjointBodies(operation, other)) ?? []
      if (sameRoute.length > 0) {
        // `/Contacts/{ContactID}` (a uuid) beside `/Contacts/{ContactNumber}` (any string): a request goes to the first whose path parameters it matches.
        const alike = sameRoute.find((other) => samePathSchemas(operation, other))
        const outcome = alike === undefined ? 'a request goes to the first whose path parameters it matches' : 'only that one is served'
        reporter.tolerate(new UnderstudyError('UNDERSTUDY_ROUTE_COLLISION', `${operation.method.toUpperCase()} ${operation.path} is also ${describe(alike ?? sameRoute[0]!)}; ${outcome}`, location))
        if (alike !== undefined) continue
      }
      if (operation.path === CONTROL_PREFIX || operation.path.startsWith(CONTROL_PREFIX + '/')) {
        reporter.tolerate(new UnderstudyError('UNDERSTUDY_RESERVED_PATH', `${operation.path} is not served`, location))
        continue
      }
      const sameId = ids.get(operation.operationId)
      if (sameId !== undefined) {
        const served = freeId(operation.operationId, ids)
        reporter.tolerate(new UnderstudyError('UNDERSTUDY_OPERATION_ID_DUPLICATE', `'${operation.operationId}' is also ${describe(sameId)}; this one is served as '${served}'`, location))
        operation.operationId = served
      }
      ids.set(operation.operationId, operation)
      routes.set(route, [...(routes.get(route) ?? []), operation])
      operations.push(operation)
    }
  }
  return operations
}

/** The media types of an operation's request body (none without one). */
export function requestBodyTypes (operation: IndexedOperation): string[] {
  return Object.keys(objectOr(operation.requestBody?.value.content))
}

function takeDisjointBodies (a: IndexedOperation, b: IndexedOperation): boolean {
  const types = requestBodyTypes(a)
  const others = requestBodyTypes(b)
  return types.length > 0 && others.length > 0 && !types.some((type) => others.includes(type))
}

/** Position by position, the path parameters' schemas are one and the same: nothing tells the two apart. */
function samePathSchemas (a: IndexedOperation, b: IndexedOperation): boolean {
  const schemas = (operation: IndexedOperation): string[] => pathTemplateNames(operation.path).map((name) => {
    const parameter = operation.parameters.find(({ value }) => value.in === 'path' && value.name === name)
    try {
      return JSON.stringify(parameter?.value.schema ?? {})
    } catch {
      return '' // a cyclic schema: compared as any other
    }
  })
  return schemas(a).join('\n') === schemas(b).join('\n')
}

function pathTemplateNames (path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!)
}

function freeId (id: string, ids: ReadonlyMap<string, unknown>): string {
  let n = 2
  while (ids.has(`${id}_${n}`)) n++
  return `${id}_${n}`
}

/** Where a spec's operations are mounted: its first server's path (`/studio`), else `/`. */
export function mountOf (document: { servers?: unknown }): string {
  return serverBasePath(Array.isArray(document.servers) ? document.servers : undefined) || '/'
}

/** Parameter names do not make two routes different; a discriminator does. */
function routeKey (operation: IndexedOperation): string {
  return `${operation.method} ${routeShape(operation.path)} ${operation.discriminator.map((entry) => entry.join('=')).join('&')}`
}

/** Every response header the operations document, lower-cased and sorted once each. */
export function responseHeaderNames (operations: readonly IndexedOperation[]): string[] {
  const names = new Set<string>()
  for (const { responses } of operations) {
    for (const { response } of responses) for (const name of Object.keys(objectOr(response.value.headers))) names.add(name.toLowerCase())
  }
  return [...names].sort()
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

/**
 * One spec's operations, in document order, whatever the other specs hold. What is not
 * an object where OpenAPI wants one (an operation, a parameter) is tolerated and skipped.
 */
export function indexSpec (spec: LoadedSpec, reporter: Reporter = FAIL_FAST): IndexedOperation[] {
  const document = spec.document as OpenAPIV3.Document
  const basePath = serverBasePath(Array.isArray(document.servers) ? document.servers : undefined)
  const securitySchemes: Record<string, OpenAPIV3.SecuritySchemeObject> = {}
  for (const [name, scheme] of Object.entries(objectOr(document.components?.securitySchemes))) {
    const resolved = resolveLocalRef<OpenAPIV3.SecuritySchemeObject>(document, scheme, '').value
    if (isObject(resolved)) securitySchemes[name] = resolved
  }
  const skip = (pointer: string, what: string): void =>
    reporter.tolerate(new UnderstudyError('UNDERSTUDY_OPERATION_INVALID', `${what} is not an object; it is skipped`, { file: spec.file, pointer }))
  const operations: IndexedOperation[] = []
  for (const [key, rawItem] of Object.entries(objectOr(document.paths))) {
    const item = resolveLocalRef<OpenAPIV3.PathItemObject>(document, rawItem, toPointer(['paths', key]))
    if (!isObject(item.value)) {
      skip(item.pointer, 'the path item')
      continue
    }
    const { template, discriminator } = splitPathKey(key)
    const shared = locateAll<OpenAPIV3.ParameterObject>(document, item.value.parameters, childPointer(item.pointer, 'parameters'), skip)
    for (const method of HTTP_METHODS) {
      const raw = item.value[method]
      if (raw === undefined) continue
      const pointer = childPointer(item.pointer, method)
      if (!isObject(raw)) {
        skip(pointer, 'the operation')
        continue
      }
      const own = locateAll<OpenAPIV3.ParameterObject>(document, raw.parameters, childPointer(pointer, 'parameters'), skip)
      const path = basePath + template
      const parameters = mergeParameters(shared, own)
      const requestBody = raw.requestBody === undefined
        ? undefined
        : resolveLocalRef<OpenAPIV3.RequestBodyObject>(document, raw.requestBody, childPointer(pointer, 'requestBody'))
      operations.push({
        spec,
        operationId: typeof raw.operationId === 'string' && raw.operationId !== '' ? raw.operationId : fallbackOperationId(method, path),
        method,
        path,
        ...toFastifyUrl(path),
        discriminator: discriminator.filter(([name]) => parameters.some(({ value }) =>
          (value.in === 'query' && value.name === name) || (value.in === 'header' && value.name.toLowerCase() === name.toLowerCase()))),
        pointer,
        parameters,
        requestBody: requestBody !== undefined && isObject(requestBody.value) ? requestBody : undefined,
        responses: Object.entries(objectOr(raw.responses)).flatMap(([statusKey, response]) => {
          const located = resolveLocalRef<OpenAPIV3.ResponseObject>(document, response, childPointer(pointer, 'responses', statusKey))
          if (isObject(located.value)) return [{ statusKey, response: located }]
          skip(located.pointer, 'the response')
          return []
        }),
        security: securityOf(raw.security) ?? securityOf(document.security) ?? [],
        securitySchemes
      })
    }
  }
  return operations
}

function isObject (value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function objectOr (value: unknown): Record<string, any> {
  return isObject(value) ? value : {}
}

function securityOf (value: unknown): OpenAPIV3.SecurityRequirementObject[] | undefined {
  return Array.isArray(value) ? value.filter(isObject) : undefined
}

/**
 * A path key with a fragment or query (`/#Action=ListUsers`, `/tags/{ARN}#tagKeys`,
 * `/?list-type=2`) is the path before it; what follows names the query parameters or
 * headers (with values, where given) that select this operation among others on the path.
 */
export function splitPathKey (key: string): { template: string, discriminator: Array<[string, string]> } {
  const at = key.search(/[#?]/)
  if (at < 0) return { template: key, discriminator: [] }
  return { template: key.slice(0, at), discriminator: [...new URLSearchParams(key.slice(at + 1).replace(/#/g, '&'))] }
}

function locateAll<T> (document: unknown, list: unknown, pointer: string, skip: (pointer: string, what: string) => void): Array<Located<T>> {
  if (!Array.isArray(list)) return []
  return list.flatMap((entry, index) => {
    const located = resolveLocalRef<T>(document, entry, childPointer(pointer, index))
    if (isObject(located.value) && typeof located.value.name === 'string' && typeof located.value.in === 'string') return [located]
    skip(located.pointer, 'the parameter (with a name and an in)')
    return []
  })
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
  if (!isObject(server) || typeof server.url !== 'string') return ''
  const url = server.url.replace(/\{([^}]+)\}/g, (_, name: string) => String(server.variables?.[name]?.default ?? ''))
  try {
    return new URL(url, 'http://understudy.invalid').pathname.replace(/\/+$/, '')
  } catch {
    return ''
  }
}

/** Parameter names do not make two routes different: /a/{x} and /a/{y} are one route. */
export function routeShape (path: string): string {
  return path.replace(/\{[^}]+\}/g, '{}')
}

/**
 * Fastify wants `path/:param` instead of OpenAPI's `path/{param}`. Its parameter names end
 * at any non-word character, so `{item-id}` becomes `:p0` with an alias back, a literal
 * `:` (as in `/v1/{name}:cancel`) is escaped as `::`, and a parameter followed by text in
 * its segment (`/@{lat},{lon}`) matches up to that text.
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
    // find-my-way ends a parameter's name only at `/`, `-` or `.`: `:lat,:lon` or `:name::cancel`
    // would be one name. A pattern up to the next literal character ends it.
    const next = parts[at + 1]?.[0]
    // As \uHHHH: find-my-way ends the pattern at the first `)`, even inside a class.
    return next === undefined || next === '/' ? `:${param}` : `:${param}([^/\\u${next.charCodeAt(0).toString(16).padStart(4, '0')}]+)`
  }).join('')
  return { url, paramAliases }
}

function fallbackOperationId (method: string, path: string): string {
  return method + path.replace(/[{}]/g, '').split(/[^A-Za-z0-9]+/).filter(Boolean).map((word) => word[0]?.toUpperCase() + word.slice(1)).join('')
}

/** Fastify's parameter names → the spec's (`p0` → `item-id`): the path values as the operation names them. */
export function specParams (operation: Pick<IndexedOperation, 'paramAliases'>, params: Record<string, string>): Record<string, string> {
  if (operation.paramAliases.length === 0) return params
  const named = { ...params }
  for (const [alias, name] of operation.paramAliases) named[name] = params[alias]!
  return named
}
