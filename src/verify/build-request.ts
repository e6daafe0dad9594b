import type { OpenAPIV3 } from 'openapi-types'
import { componentNamesOf } from '../respond/fake-value.js'
import { serializeBody } from '../respond/serialize-body.js'
import { serverBasePath, type IndexedOperation } from '../openapi/index-operations.js'
import type { CaseRequest } from './generate-request.js'
import { requestBodyOf } from './generate-request.js'
import type { SentRequest } from './verify-report.js'

export interface RequestTarget {
  /** The server's base URL, any trailing slash dropped. */
  target: string
  /** Where the target mounts this spec's API; default: the path of its first server URL. */
  basePath: string | undefined
  /** Sent with every request (lower-case names); a case's own headers win. */
  headers: Readonly<Record<string, string>>
  /** `[header name, scenario]` to drive a mock, or undefined. */
  scenario: readonly [string, string] | undefined
}

/** Writes a case's request: URL (path parameters filled, query string), headers, body text. */
export function buildRequest (operation: IndexedOperation, request: CaseRequest, target: RequestTarget): SentRequest {
  const parameters = new Map<string, OpenAPIV3.ParameterObject>()
  for (const located of operation.parameters) {
    const parameter = operation.spec.dereferenced.at(located.pointer) as OpenAPIV3.ParameterObject
    parameters.set(`${parameter.in}:${parameter.in === 'header' ? parameter.name.toLowerCase() : parameter.name}`, parameter)
  }
  const document = operation.spec.document as OpenAPIV3.Document
  const template = operation.path.slice(serverBasePath(document.servers).length)
  const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => pathValue(parameters.get(`path:${name}`), name, request.path[name]))
  const query = queryString(request.query, parameters)
  const url = `${target.target.replace(/\/+$/, '')}${target.basePath ?? serverBasePath(document.servers)}${path}${query === '' ? '' : `?${query}`}`

  const headers: Record<string, string> = { ...target.headers }
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === null || value === undefined) delete headers[name]
    else headers[name] = scalarList(value, ',')
  }
  const cookies = Object.entries(request.cookies)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(scalarList(value, ','))}`)
  if (cookies.length > 0) headers.cookie = [headers.cookie, ...cookies].filter(Boolean).join('; ')
  if (target.scenario !== undefined) headers[target.scenario[0]] = target.scenario[1]

  const sent: SentRequest = { method: operation.method.toUpperCase(), url, headers }
  if (request.body !== undefined) {
    const { value, mediaType } = request.body
    const schema = requestBodyOf(operation)?.content?.[mediaType]?.schema as OpenAPIV3.SchemaObject | undefined
    headers['content-type'] = mediaType
    sent.body = serializeBody(value, mediaType, schema, rootNameOf(operation, schema)).toString('utf8')
  }
  return sent
}

/** OpenAPI path serialisation: `simple` (the default), `label` or `matrix`; each value percent-encoded. */
function pathValue (parameter: OpenAPIV3.ParameterObject | undefined, name: string, value: unknown): string {
  const style = parameter?.style ?? 'simple'
  const explode = parameter?.explode === true
  const encode = (item: unknown): string => encodeURIComponent(text(item))
  const items = Array.isArray(value)
    ? value.map(encode)
    : isObject(value)
      ? Object.entries(value).flatMap(([key, item]) => explode ? [`${encode(key)}=${encode(item)}`] : [encode(key), encode(item)])
      : [encode(value)]
  if (style === 'label') return '.' + items.join(explode ? '.' : ',')
  if (style === 'matrix') return explode && Array.isArray(value) ? items.map((item) => `;${name}=${item}`).join('') : `;${name}=${items.join(',')}`
  return items.join(',')
}

/** OpenAPI query serialisation: `form` (exploded arrays repeat the key), `spaceDelimited`, `pipeDelimited`, `deepObject`. */
function queryString (values: Record<string, unknown>, parameters: ReadonlyMap<string, OpenAPIV3.ParameterObject>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue
    const parameter = parameters.get(`query:${name}`)
    const style = parameter?.style ?? 'form'
    const explode = parameter?.explode ?? style === 'form'
    if (Array.isArray(value)) {
      if (explode && style === 'form') for (const item of value) search.append(name, text(item))
      else search.append(name, value.map(text).join(style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ','))
    } else if (isObject(value) && parameter?.content === undefined) {
      if (style === 'deepObject') for (const [key, item] of Object.entries(value)) search.append(`${name}[${key}]`, text(item))
      else if (explode) for (const [key, item] of Object.entries(value)) search.append(key, text(item))
      else search.append(name, Object.entries(value).flat().map(text).join(','))
    } else {
      search.append(name, text(value))
    }
  }
  return search.toString()
}

function scalarList (value: unknown, separator: string): string {
  return Array.isArray(value) ? value.map(text).join(separator) : text(value)
}

function text (value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The XML root of a request body: its component schema's name, as the mock names response roots. */
function rootNameOf (operation: IndexedOperation, schema: OpenAPIV3.SchemaObject | undefined): string {
  if (schema === undefined) return 'request'
  return componentNamesOf(operation.spec.dereferenced).get(schema) ?? 'request'
}
