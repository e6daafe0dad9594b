import type { ValidateFunction } from 'ajv'
import type { OpenAPIV3 } from 'openapi-types'
import type { IndexedOperation } from '../spec/index-operations.js'
import { childPointer, resolveLocalRef, type Located } from '../spec/resolve-ref.js'
import type { SchemaCompiler } from './create-schema-compiler.js'
import { MalformedBody } from './malformed-body.js'
import { isJsonMediaType, matchMediaType } from './media-type.js'
import { toViolations, type Violation, type ViolationLocation } from './violations.js'

export interface RequestParts {
  params: Record<string, string>
  query: Record<string, unknown>
  headers: Record<string, string | string[] | undefined>
  cookies: Record<string, string | undefined>
  contentType: string | undefined
  /** undefined when the request has no body; a MalformedBody when it did not parse. */
  body: unknown
}

export type RequestCheck =
  | { ok: true }
  | { ok: false, kind: 'unsupported-media-type', contentType: string, supported: string[] }
  | { ok: false, kind: 'invalid', violations: Violation[], malformed: boolean }

export type RequestValidator = (request: RequestParts) => RequestCheck

type ParameterLocation = Exclude<ViolationLocation, 'body' | 'security'>
const PARAMETER_LOCATIONS: readonly ParameterLocation[] = ['path', 'query', 'header', 'cookie']
// OpenAPI: header parameters with these names are ignored (they are described elsewhere).
export const IGNORED_HEADERS: ReadonlySet<string> = new Set(['accept', 'content-type', 'authorization'])

interface ParameterField {
  name: string
  /** The key in the request part: header names are lower case. */
  key: string
  /** Non-exploded arrays arrive as one delimited string. */
  delimiter: string | undefined
}

interface LocationValidator {
  location: ParameterLocation
  fields: ParameterField[]
  validate: ValidateFunction
}

/** Compiles, once, everything needed to check one operation's requests. */
export function compileRequestValidator (operation: IndexedOperation, compiler: SchemaCompiler): RequestValidator {
  const document = operation.spec.document
  const locations = PARAMETER_LOCATIONS
    .map((location) => compileLocation(location, operation.parameters.filter((p) => p.value.in === location), compiler, document))
    .filter((entry): entry is LocationValidator => entry !== undefined)
  const checkBody = compileBody(operation.requestBody, compiler)

  return (request) => {
    const violations: Violation[] = []
    for (const { location, fields, validate } of locations) {
      const values = pick(fields, partOf(request, location))
      if (!validate(values)) violations.push(...toViolations(location, validate.errors))
    }
    const body = checkBody(request)
    if (body.ok === false && body.kind === 'unsupported-media-type') return body
    if (body.ok === false) violations.push(...body.violations)
    if (violations.length === 0) return { ok: true }
    return { ok: false, kind: 'invalid', violations, malformed: request.body instanceof MalformedBody }
  }
}

function partOf (request: RequestParts, location: ParameterLocation): Record<string, unknown> {
  switch (location) {
    case 'path': return request.params
    case 'query': return request.query
    case 'header': return request.headers
    case 'cookie': return request.cookies
  }
}

/** A fresh object with only the declared parameters (AJV coercion writes into it). */
function pick (fields: readonly ParameterField[], source: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const { name, key, delimiter } of fields) {
    const value = source[key]
    if (value === undefined) continue
    values[name] = delimiter !== undefined && typeof value === 'string' ? value.split(delimiter) : value
  }
  return values
}

function compileLocation (
  location: ParameterLocation,
  parameters: Array<Located<OpenAPIV3.ParameterObject>>,
  compiler: SchemaCompiler,
  document: unknown
): LocationValidator | undefined {
  const fields: ParameterField[] = []
  const properties: Record<string, object> = {}
  const required: string[] = []
  for (const { value: parameter, pointer } of parameters) {
    const key = location === 'header' ? parameter.name.toLowerCase() : parameter.name
    if (location === 'header' && IGNORED_HEADERS.has(key)) continue
    const schemaPointer = childPointer(pointer, 'schema')
    const schema = parameter.schema === undefined
      ? undefined
      : resolveLocalRef<OpenAPIV3.SchemaObject>(document, parameter.schema, schemaPointer).value
    fields.push({ name: parameter.name, key, delimiter: delimiterOf(location, parameter, schema) })
    properties[parameter.name] = schema === undefined ? {} : compiler.ref(schemaPointer)
    if (parameter.required === true || location === 'path') required.push(parameter.name)
  }
  if (fields.length === 0) return undefined
  // draft-04 (OpenAPI 3.0) forbids an empty `required`.
  const schema = { type: 'object', properties, ...(required.length > 0 ? { required } : {}) }
  return { location, fields, validate: compiler.compileCoercing(schema, parameters[0]?.pointer ?? '') }
}

/** OpenAPI serialisation: which separator joins a non-exploded array parameter. */
function delimiterOf (location: ParameterLocation, parameter: OpenAPIV3.ParameterObject, schema: OpenAPIV3.SchemaObject | undefined): string | undefined {
  const type = (schema as { type?: string | string[] } | undefined)?.type
  if (!(type === 'array' || (Array.isArray(type) && type.includes('array')))) return undefined
  const style = parameter.style ?? (location === 'query' || location === 'cookie' ? 'form' : 'simple')
  const explode = parameter.explode ?? style === 'form'
  if (style === 'form' && explode) return undefined // repeated keys: the query parser makes the array
  if (style === 'spaceDelimited') return ' '
  if (style === 'pipeDelimited') return '|'
  return ','
}

type BodyCheck =
  | { ok: true }
  | { ok: false, kind: 'unsupported-media-type', contentType: string, supported: string[] }
  | { ok: false, kind: 'invalid', violations: Violation[] }

function compileBody (requestBody: Located<OpenAPIV3.RequestBodyObject> | undefined, compiler: SchemaCompiler): (request: RequestParts) => BodyCheck {
  // An operation without a requestBody ignores whatever body comes.
  if (requestBody === undefined) return () => ({ ok: true })
  const declared = Object.keys(requestBody.value.content ?? {})
  const validators = new Map<string, ValidateFunction>()
  for (const mediaType of declared) {
    const media = requestBody.value.content[mediaType]
    if (media?.schema === undefined || !isJsonMediaType(mediaType)) continue
    const pointer = childPointer(requestBody.pointer, 'content', mediaType, 'schema')
    validators.set(mediaType, compiler.compile(compiler.ref(pointer), pointer))
  }
  const required = requestBody.value.required === true

  return ({ body, contentType }) => {
    if (body === undefined) {
      return required ? { ok: false, kind: 'invalid', violations: [{ in: 'body', path: '', message: 'request body is required' }] } : { ok: true }
    }
    const mediaType = contentType === undefined ? undefined : matchMediaType(declared, contentType)
    if (mediaType === undefined) return { ok: false, kind: 'unsupported-media-type', contentType: contentType ?? '(none)', supported: declared }
    if (body instanceof MalformedBody) return { ok: false, kind: 'invalid', violations: [{ in: 'body', path: '', message: body.reason }] }
    const validate = validators.get(mediaType)
    if (validate === undefined || validate(body)) return { ok: true }
    return { ok: false, kind: 'invalid', violations: toViolations('body', validate.errors) }
  }
}
