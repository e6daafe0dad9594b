import type { ErrorObject, ValidateFunction } from 'ajv'
import type { OpenAPIV3 } from 'openapi-types'
import { escapePointerToken } from '../errors.js'
import { componentNamesOf } from '../respond/fake-value.js'
import { NEVER_SENT, documentedResponseFor } from '../respond/prepare-responses.js'
import type { IndexedOperation } from '../openapi/index-operations.js'
import { childPointer, getByPointer } from '../openapi/resolve-ref.js'
import type { SchemaCompiler } from '../validate/create-schema-compiler.js'
import { essence, isJsonMediaType, isXmlMediaType, matchMediaType } from '../validate/media-type.js'
import { toViolations } from '../validate/violations.js'
import { readXml } from './parse-xml.js'
import type { CaseFailure, SeenResponse } from './verify-report.js'

/** How much of a value a message quotes. */
const QUOTE_LIMIT = 200

interface DocumentedMedia {
  /** As declared, ranges too: `application/json`, `*\/*`. */
  declared: string
  schema: OpenAPIV3.SchemaObject | undefined
  validate: ValidateFunction | undefined
  /** The XML root element when the schema names none: its component name. */
  rootName: string
}

interface DocumentedResponse {
  statusKey: string
  media: DocumentedMedia[]
  /** `required: true` headers, as documented (Content-Type and the transport's never count). */
  requiredHeaders: string[]
}

export interface ResponseToCheck {
  method: string
  expectedStatus: string | undefined
  /** For messages: the scenario the expected status comes from. */
  scenario: string | undefined
  response: SeenResponse
  /**
   * False: the body went by unread (a proxy streams an event stream, a binary or a very
   * large answer through): its Content-Type is checked, not its bytes. Default: true.
   */
  bodyRead?: boolean
}

export type ResponseCheck = (input: ResponseToCheck) => CaseFailure[]

/**
 * Compiles, once per operation, the check of a response against the spec: the status is
 * documented (exactly, as `NXX`, or as `default`) and is the one the case expects; required
 * headers are there; the Content-Type is declared; the body parses and matches the schema
 * of that status and media type (XML read back through the schema's `xml` objects).
 */
export function compileResponseCheck (operation: IndexedOperation, compiler: SchemaCompiler): ResponseCheck {
  const componentNames = componentNamesOf(operation.spec.dereferenced)
  const documented: DocumentedResponse[] = operation.responses.map(({ statusKey, response }) => {
    const value = operation.spec.dereferenced.at(response.pointer) as OpenAPIV3.ResponseObject
    const media = Object.entries(value.content ?? {}).map(([declared, mediaObject]) => {
      const schema = mediaObject.schema as OpenAPIV3.SchemaObject | undefined
      return {
        declared,
        schema,
        validate: schema === undefined ? undefined : compiler.validatorAt(childPointer(response.pointer, 'content', declared, 'schema')),
        rootName: (schema === undefined ? undefined : componentNames.get(schema)) ?? 'response'
      }
    })
    const requiredHeaders = Object.entries(value.headers ?? {})
      .filter(([name, header]) => (header as OpenAPIV3.HeaderObject).required === true && name.toLowerCase() !== 'content-type' && !NEVER_SENT.has(name.toLowerCase()))
      .map(([name]) => name)
    return { statusKey, media, requiredHeaders }
  })
  const statusKeys = documented.map((entry) => entry.statusKey).join(', ')

  return ({ method, expectedStatus, scenario, response, bodyRead = true }) => {
    const failures: CaseFailure[] = []
    const { status } = response
    const found = documentedResponseFor(documented, status)
    if (expectedStatus !== undefined && !statusMatches(expectedStatus, status, found?.statusKey)) {
      failures.push({
        kind: 'status-unexpected',
        message: `expected status ${expectedStatus}${scenario === undefined ? '' : ` (${scenario})`}, got ${status}`,
        expected: expectedStatus,
        actual: String(status)
      })
    }
    if (found === undefined) {
      failures.push({ kind: 'status-undocumented', message: `status ${status} is not documented for ${operation.operationId}`, expected: statusKeys, actual: String(status) })
      return failures
    }
    for (const name of found.requiredHeaders) {
      if (response.headers[name.toLowerCase()] === undefined) {
        failures.push({ kind: 'header-missing', message: `the ${found.statusKey} response has no ${name} header (required)`, expected: `header ${name}`, actual: 'absent' })
      }
    }
    if (method === 'HEAD' || status === 204 || status === 304 || status < 200) return failures
    failures.push(...checkBody(found, response, bodyRead))
    return failures
  }
}

function checkBody (found: DocumentedResponse, response: SeenResponse, bodyRead: boolean): CaseFailure[] {
  const { body, contentType } = response
  const declared = found.media.map((media) => media.declared)
  if (declared.length === 0) {
    return body === '' || !bodyRead
      ? []
      : [{ kind: 'body-undocumented', message: `the ${found.statusKey} response documents no body, but one came`, expected: 'no body', actual: quote(body) }]
  }
  if (contentType === undefined) {
    return [{
      kind: 'content-type-undeclared',
      message: `the ${found.statusKey} response came without a Content-Type${body === '' ? ' or body' : ''}`,
      expected: declared.join(', '),
      actual: '(none)'
    }]
  }
  const matched = matchMediaType(declared, contentType)
  const media = found.media.find((entry) => entry.declared === matched)
  if (media === undefined) {
    return [{ kind: 'content-type-undeclared', message: `Content-Type ${essence(contentType)} is not declared for the ${found.statusKey} response`, expected: declared.join(', '), actual: contentType }]
  }
  if (!bodyRead) return []
  const where = `the ${found.statusKey} ${media.declared} body`
  let value: unknown = body
  if (isJsonMediaType(contentType)) {
    try {
      value = JSON.parse(body)
    } catch (error) {
      return [{ kind: 'body-unparsable', message: `${where} is not JSON: ${(error as Error).message}`, expected: 'JSON', actual: quote(body) }]
    }
  } else if (isXmlMediaType(contentType)) {
    const reading = readXml(body, media.schema, media.rootName)
    if (reading.ok === false && reading.kind === 'unparsable') {
      return [{ kind: 'body-unparsable', message: `${where} is not well-formed XML: ${reading.message}`, expected: 'well-formed XML', actual: quote(body) }]
    }
    if (reading.ok === false) {
      return [{ kind: 'body-invalid', message: `${where} has the root element ${reading.actual}, not ${reading.expected}`, expected: `root element ${reading.expected}`, actual: `root element ${reading.actual}` }]
    }
    value = reading.value
  }
  // Other media types are checked as text (a `type: string` schema, say); without a schema, anything goes.
  if (media.validate === undefined || media.validate(value)) return []
  const errors = media.validate.errors ?? []
  return toViolations('body', errors).map((violation, index) => {
    const error = errors[index] as ErrorObject
    const at = violation.path === '' ? '/' : violation.path
    return { kind: 'body-invalid', message: `${where} does not match its schema at ${at}: ${violation.message}`, ...expectation(error, value) }
  })
}

/** `404` is that code; `4XX` any 4xx; `default` any status no other key documents. */
function statusMatches (expected: string, status: number, documentedKey: string | undefined): boolean {
  if (/^[1-5]XX$/i.test(expected)) return Math.floor(status / 100) === Number(expected[0])
  if (expected === 'default') return documentedKey === 'default'
  return expected === String(status)
}

/** What an AJV error wanted, against what the body has there. */
function expectation (error: ErrorObject, value: unknown): { expected: string, actual: string } {
  const params = error.params as Record<string, unknown>
  const at = getByPointer(value, error.instancePath)
  switch (error.keyword) {
    case 'required': return { expected: `property '${String(params.missingProperty)}'`, actual: 'absent' }
    case 'additionalProperties': {
      const name = String(params.additionalProperty)
      return { expected: `no property '${name}'`, actual: `'${name}': ${quote(JSON.stringify(getByPointer(at, '/' + escapePointerToken(name))))}` }
    }
    case 'type': return { expected: `type ${String(params.type)}`, actual: `${quote(JSON.stringify(at))} (${typeName(at)})` }
    case 'enum': return { expected: `one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, actual: quote(JSON.stringify(at)) }
    case 'const': return { expected: JSON.stringify(params.allowedValue), actual: quote(JSON.stringify(at)) }
    case 'format': return { expected: `format ${String(params.format)}`, actual: quote(JSON.stringify(at)) }
    default: return { expected: `a value that ${error.message ?? `passes ${error.keyword}`}`, actual: quote(JSON.stringify(at) ?? 'undefined') }
  }
}

function typeName (value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value
}

function quote (text: string | undefined): string {
  if (text === undefined) return 'undefined'
  return text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}… (${text.length} characters)` : text
}
