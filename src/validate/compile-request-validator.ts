import type { ValidateFunction } from 'ajv'
import type { OpenAPIV3 } from 'openapi-types'
import type { IndexedOperation } from '../openapi/index-operations.js'
import { childPointer, resolveLocalRef, type Located } from '../openapi/resolve-ref.js'
import { once } from '../once.js'
import type { SchemaCompiler } from './create-schema-compiler.js'
import { compileFormReader, isFormMediaType, readProblemsOf, validationCopy, type FormReader } from './form-bodies.js'
import { MalformedBody } from './malformed-body.js'
import { essence, isJsonMediaType, matchMediaType } from './media-type.js'
import { compileStyle, decodeJson, StyleMismatch, type Decode, type Gather } from './parameter-styles.js'
import { kindOf, propertiesOf } from './schema-shape.js'
import { FULLY_CHECKED_VALUES, MAX_LISTED_VIOLATIONS, append, holdsMoreThan, toViolations, type Violation, type ViolationLocation } from './violations.js'

export interface RequestParts {
  params: Record<string, string>
  query: Record<string, unknown>
  headers: Record<string, string | string[] | undefined>
  cookies: Record<string, string | undefined>
  contentType: string | undefined
  /**
   * undefined when the request has no body; a MalformedBody when it did not parse. JSON as
   * parsed, a form or multipart body as its fields (see `readBody`), any other as bytes.
   */
  body: unknown
}

export type RequestCheck =
  | { ok: true }
  | { ok: false, kind: 'unsupported-media-type', contentType: string, supported: string[] }
  /**
   * `violations`: the first MAX_LISTED_VIOLATIONS of `count`; `partial` when the body held
   * too many values to list every violation of, and was checked up to its first.
   */
  | { ok: false, kind: 'invalid', violations: Violation[], count: number, partial: boolean, malformed: boolean }

export interface RequestValidator {
  (request: RequestParts): RequestCheck
  /**
   * The body as this operation reads it: a form or multipart body of a declared media type
   * becomes its fields (or a MalformedBody); any other comes back as it is. Once per request,
   * when the request parts are made, so fixtures match form fields as they match JSON.
   */
  readBody: (body: unknown, contentType: string | undefined) => unknown
  /** Whether path parameter values (by the spec's names) are valid: of two operations on one route, which one a request is for. */
  pathMatches: (params: Record<string, string>) => boolean
  /**
   * The declared path or query parameters as validation reads them (an integer parameter
   * is a number); a value that does not parse stays as sent, one missing or empty is left out.
   */
  readParameters: (request: RequestParts, location: 'path' | 'query') => Record<string, unknown>
}

type ParameterLocation = Exclude<ViolationLocation, 'body' | 'security'>
const PARAMETER_LOCATIONS: readonly ParameterLocation[] = ['path', 'query', 'header', 'cookie']
// OpenAPI: header parameters with these names are ignored (they are described elsewhere).
export const IGNORED_HEADERS: ReadonlySet<string> = new Set(['accept', 'content-type', 'authorization'])

/**
 * What an empty value (`?q=`, `/users//x`) means: validated like any other (`value`: optional
 * query parameters, headers, cookies), missing (`absent`: a path segment), accepted whatever
 * the schema (`allowed`: allowEmptyValue), or a violation (`refused`: a required query
 * parameter without allowEmptyValue).
 */
type EmptyRule = 'value' | 'absent' | 'allowed' | 'refused'

interface ParameterField {
  name: string
  /** The key in the request part: header names are lower case. */
  key: string
  /** Required is checked here, not by the schema: an empty or unreadable value is not missing. */
  required: boolean
  empty: EmptyRule
  /** Set when the value is spread over several keys (exploded form objects, deepObject). */
  gather: Gather | undefined
  /** Set when the value as sent needs reading (a style's delimiters, JSON content); plain scalars have none. */
  decode: Decode | undefined
  /** A `content` parameter's own validator (its value is not coerced: it is JSON, not text). */
  content: ValidateFunction | undefined
}

interface LocationValidator {
  location: ParameterLocation
  fields: ParameterField[]
  /** The non-`content` parameters', coercing; undefined when there are none. */
  validate: ValidateFunction | undefined
  /** The `content` parameters, each with its own validator. */
  contents: ParameterField[]
}

/** Compiles, once, everything needed to check one operation's requests. */
export function compileRequestValidator (operation: IndexedOperation, compiler: SchemaCompiler): RequestValidator {
  const locations = PARAMETER_LOCATIONS
    .map((location) => compileLocation(location, operation.parameters.filter((p) => p.value.in === location), compiler, operation))
    .filter((entry): entry is LocationValidator => entry !== undefined)
  const body = compileBody(operation, compiler)

  const validator = (request: RequestParts): RequestCheck => {
    const violations: Violation[] = []
    for (const { location, fields, validate, contents } of locations) {
      const values = pick(location, fields, partOf(request, location), violations)
      if (validate !== undefined && !validate(values)) append(violations, toViolations(location, validate.errors))
      for (const field of contents) {
        if (values[field.name] !== undefined) checkContent(location, field, values[field.name], violations)
      }
    }
    const checked = body.check(request)
    if (checked.ok === false && checked.kind === 'unsupported-media-type') return checked
    if (checked.ok === false) append(violations, checked.violations)
    if (violations.length === 0) return { ok: true }
    return {
      ok: false,
      kind: 'invalid',
      violations: violations.length > MAX_LISTED_VIOLATIONS ? violations.slice(0, MAX_LISTED_VIOLATIONS) : violations,
      count: violations.length,
      partial: checked.ok === false && checked.partial,
      malformed: checked.ok === false && checked.malformed
    }
  }
  const path = locations.find(({ location }) => location === 'path')
  const pathMatches = (params: Record<string, string>): boolean => {
    if (path === undefined) return true
    const violations: Violation[] = []
    const values = pick('path', path.fields, params, violations)
    return violations.length === 0 && (path.validate === undefined || path.validate(values))
  }
  const readParameters = (request: RequestParts, location: 'path' | 'query'): Record<string, unknown> => {
    const entry = locations.find((candidate) => candidate.location === location)
    if (entry === undefined) return {}
    const values = pick(location, entry.fields, partOf(request, location), [])
    // Run for its coercion only: what it reports, request validation reports.
    entry.validate?.(values)
    return values
  }
  return Object.assign(validator, { readBody: body.read, pathMatches, readParameters })
}

function partOf (request: RequestParts, location: ParameterLocation): Record<string, unknown> {
  switch (location) {
    case 'path': return request.params
    case 'query': return request.query
    case 'header': return request.headers
    case 'cookie': return request.cookies
  }
}

function escapeToken (name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1')
}

/**
 * A fresh object with only the declared parameters, read as their styles say (AJV coercion
 * writes into it). Missing, empty and unreadable values are reported here.
 */
function pick (location: ParameterLocation, fields: readonly ParameterField[], source: Record<string, unknown>, violations: Violation[]): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const field of fields) {
    const value = field.gather === undefined ? source[field.key] : field.gather(source)
    if (value === undefined) {
      if (field.required) violations.push({ in: location, path: `/${escapeToken(field.name)}`, message: `must have required property '${field.name}'` })
      continue
    }
    if (value === '' && field.empty !== 'value') {
      if (field.empty === 'refused') violations.push({ in: location, path: `/${escapeToken(field.name)}`, message: 'must not be empty' })
      else if (field.empty === 'absent' && field.required) violations.push({ in: location, path: `/${escapeToken(field.name)}`, message: `must have required property '${field.name}'` })
      continue
    }
    if (field.decode === undefined) {
      values[field.name] = value
      continue
    }
    const decoded = field.decode(value)
    if (decoded instanceof StyleMismatch) violations.push({ in: location, path: `/${escapeToken(field.name)}`, message: decoded.message })
    else values[field.name] = decoded
  }
  return values
}

function checkContent (location: ParameterLocation, field: ParameterField, value: unknown, violations: Violation[]): void {
  const validate = field.content as ValidateFunction
  if (validate(value)) return
  const prefix = `/${escapeToken(field.name)}`
  for (const violation of toViolations(location, validate.errors)) violations.push({ ...violation, path: prefix + violation.path })
}

function compileLocation (
  location: ParameterLocation,
  parameters: Array<Located<OpenAPIV3.ParameterObject>>,
  compiler: SchemaCompiler,
  operation: IndexedOperation
): LocationValidator | undefined {
  const fields: ParameterField[] = []
  const properties: Record<string, object> = {}
  const kept = parameters.filter(({ value }) => !(location === 'header' && IGNORED_HEADERS.has(value.name.toLowerCase())))
  const keys = kept.map(({ value }) => location === 'header' ? value.name.toLowerCase() : value.name)
  for (const [index, { value: parameter, pointer }] of kept.entries()) {
    const key = keys[index] as string
    const required = parameter.required === true || location === 'path'
    const empty: EmptyRule = location === 'path'
      ? 'absent'
      : location !== 'query' ? 'value' : parameter.allowEmptyValue === true ? 'allowed' : required ? 'refused' : 'value'
    const field: ParameterField = { name: parameter.name, key, required, empty, gather: undefined, decode: undefined, content: undefined }
    fields.push(field)
    const media = parameter.content === undefined ? undefined : Object.keys(parameter.content)[0]
    if (media !== undefined) {
      // `content` instead of `schema`: the value is a document of that media type (JSON is parsed).
      if (isJsonMediaType(media)) field.decode = decodeJson
      const schemaPointer = childPointer(pointer, 'content', media, 'schema')
      if (parameter.content?.[media]?.schema !== undefined) field.content = compiler.compile(compiler.ref(schemaPointer), schemaPointer)
      continue
    }
    if (parameter.schema === undefined) {
      properties[parameter.name] = {} // no schema: anything goes
      continue
    }
    const schemaPointer = childPointer(pointer, 'schema')
    const schema = operation.spec.dereferenced.at(schemaPointer) ??
      resolveLocalRef<unknown>(operation.spec.document, parameter.schema, schemaPointer).value
    const reader = compileStyle({
      location,
      name: parameter.name,
      style: parameter.style,
      explode: parameter.explode,
      kind: kindOf(schema),
      properties: [...propertiesOf(schema).keys()],
      claimed: new Set(keys.filter((other) => other !== key))
    })
    field.gather = reader.gather
    field.decode = reader.decode
    // As written (not through a $ref): its branches' pointers are then in the document.
    properties[parameter.name] = textUnion(parameter.schema, schemaPointer, compiler) ?? compiler.ref(schemaPointer)
  }
  if (fields.length === 0) return undefined
  const validate = Object.keys(properties).length === 0
    ? undefined
    : compiler.compileCoercing({ type: 'object', properties }, parameters[0]?.pointer ?? '')
  return { location, fields, validate, contents: fields.filter((field) => field.content !== undefined) }
}

/** Keywords that say nothing about a value: beside them a `oneOf` is the whole schema. */
const ANNOTATIONS = new Set(['oneOf', 'description', 'title', 'example', 'examples', 'deprecated', 'default'])

/**
 * A parameter's `oneOf` as `anyOf`. Its value is text, read as each branch's type: `1` is
 * both GitHub's `workflow_id` integer and its string, so "exactly one" would refuse every
 * number. Only for a schema that is its `oneOf` (and annotations); undefined otherwise.
 */
function textUnion (schema: unknown, pointer: string, compiler: SchemaCompiler): object | undefined {
  if (typeof schema !== 'object' || schema === null || !Array.isArray((schema as { oneOf?: unknown }).oneOf)) return undefined
  if (Object.keys(schema).some((keyword) => !ANNOTATIONS.has(keyword))) return undefined
  return { anyOf: (schema as { oneOf: unknown[] }).oneOf.map((_branch, index) => compiler.ref(childPointer(pointer, 'oneOf', String(index)))) }
}

type BodyCheck =
  | { ok: true }
  | { ok: false, kind: 'unsupported-media-type', contentType: string, supported: string[] }
  | { ok: false, kind: 'invalid', violations: Violation[], partial: boolean, malformed: boolean }

interface CompiledBody {
  check: (request: RequestParts) => BodyCheck
  read: (body: unknown, contentType: string | undefined) => unknown
}

const asIs = (body: unknown): unknown => body

interface MediaValidator {
  validate: ValidateFunction
  /** The same schema, stopping at the first error: for a body of more than FULLY_CHECKED_VALUES values; compiled when first needed. */
  validateFirst: () => ValidateFunction
  /** A form body: its fields are text, validated coerced (on a copy), and read first if still bytes. */
  form: FormReader | undefined
}

function compileBody (operation: IndexedOperation, compiler: SchemaCompiler): CompiledBody {
  const { requestBody } = operation
  if (requestBody === undefined) {
    // No requestBody: a body is of a type the operation does not take (an empty one is no body).
    return {
      check: ({ body, contentType }) => body === undefined ? { ok: true } : { ok: false, kind: 'unsupported-media-type', contentType: contentType ?? '(none)', supported: [] },
      read: asIs
    }
  }
  const declared = Object.keys(requestBody.value.content ?? {})
  const validators = new Map<string, MediaValidator>()
  const readers = new Map<string, FormReader>()
  for (const mediaType of declared) {
    const media = requestBody.value.content[mediaType]
    const mediaPointer = childPointer(requestBody.pointer, 'content', mediaType)
    const pointer = childPointer(mediaPointer, 'schema')
    if (isFormMediaType(mediaType)) {
      const dereferenced = operation.spec.dereferenced.at(mediaPointer) as OpenAPIV3.MediaTypeObject | undefined
      const reader = compileFormReader(mediaType, dereferenced?.schema, dereferenced?.encoding)
      if (!readers.has(essence(mediaType))) readers.set(essence(mediaType), reader)
      if (media?.schema !== undefined) {
        const schema = compiler.ref(pointer)
        validators.set(mediaType, { validate: compiler.compileCoercing(schema, pointer), validateFirst: once(() => compiler.compileCoercingFirstError(schema, pointer)), form: reader })
      }
    } else if (media?.schema !== undefined && isJsonMediaType(mediaType)) {
      const schema = compiler.ref(pointer)
      validators.set(mediaType, { validate: compiler.compile(schema, pointer), validateFirst: once(() => compiler.compileFirstError(schema, pointer)), form: undefined })
    }
  }
  const required = requestBody.value.required === true
  const read = readers.size === 0
    ? asIs
    : (body: unknown, contentType: string | undefined): unknown => {
        if (!Buffer.isBuffer(body) || contentType === undefined) return body
        const reader = readers.get(essence(contentType))
        return reader === undefined ? body : reader(body, contentType)
      }

  const check = ({ body, contentType }: RequestParts): BodyCheck => {
    if (body === undefined) {
      return required ? { ok: false, kind: 'invalid', violations: [{ in: 'body', path: '', message: 'request body is required' }], partial: false, malformed: false } : { ok: true }
    }
    const mediaType = contentType === undefined ? undefined : matchMediaType(declared, contentType)
    if (mediaType === undefined) return { ok: false, kind: 'unsupported-media-type', contentType: contentType ?? '(none)', supported: declared }
    const entry = validators.get(mediaType)
    // Parts made without readBody still get their form body read.
    const value = entry?.form !== undefined && Buffer.isBuffer(body) ? entry.form(body, contentType as string) : body
    if (value instanceof MalformedBody) return { ok: false, kind: 'invalid', violations: [{ in: 'body', path: '', message: value.reason }], partial: false, malformed: true }
    if (entry === undefined) return { ok: true }
    const partial = holdsMoreThan(value, FULLY_CHECKED_VALUES)
    const validate = partial ? entry.validateFirst() : entry.validate
    if (entry.form === undefined) return validate(value) ? { ok: true } : { ok: false, kind: 'invalid', violations: toViolations('body', validate.errors), partial, malformed: false }
    const problems = typeof value === 'object' && value !== null ? readProblemsOf(value) : []
    if (validate(validationCopy(value)) && problems.length === 0) return { ok: true }
    // A field that could not be read is reported once, not again for the text it kept.
    const reported = (path: string): boolean => problems.some((problem) => path === problem.path || path.startsWith(problem.path + '/'))
    const violations = problems.concat(toViolations('body', validate.errors).filter((violation) => !reported(violation.path)))
    return { ok: false, kind: 'invalid', violations, partial, malformed: false }
  }
  return { check, read }
}
