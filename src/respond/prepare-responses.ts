import type { ValidateFunction } from 'ajv'
import type { OpenAPIV3 } from 'openapi-types'
import type { Evaluate } from '../fixture/compile-template.js'
import type { IndexedOperation } from '../openapi/index-operations.js'
import { childPointer, getByPointer, resolveLocalRef } from '../openapi/resolve-ref.js'
import type { SchemaCompiler } from '../validate/create-schema-compiler.js'
import { toViolations, type Violation } from '../validate/violations.js'
import { componentNamesOf, fakeValue, sampleValue, type FakeOptions } from './fake-value.js'
import { serializeBody } from './serialize-body.js'

/** The seed of bodies faked at start for responses that have a schema but no example. */
const STATIC_SEED = 1

/** A body ready to send, with what is wrong with it, both worked out at start. */
export interface PreparedBody {
  bytes: Buffer
  /** Where its value differs from the response's schema; empty when it conforms. */
  violations: readonly Violation[]
  /** Where the body comes from, for messages: `spec example 'ok'`, `fixture <file>`, `faker (seed 1)`. */
  source: string
  /**
   * Not written in the spec as is for this media type: faked from the schema, or an
   * example given for another media type. `check` reports these bodies' violations; those
   * of examples written for the media type are reported as examples.
   */
  derived: boolean
  /**
   * A templated fixture body: made, serialised and validated per answer. `bytes` are then
   * the body as written, never sent, and `violations` those found at load away from its templates.
   */
  render?: (evaluate: Evaluate) => { bytes: Buffer, violations: readonly Violation[] }
}

export interface PreparedMedia {
  mediaType: string
  /** Dereferenced, for the faker and the XML writer. */
  schema: OpenAPIV3.SchemaObject | undefined
  /** The schema's validator (compiled at start), for bodies faked per request. */
  validate: ValidateFunction | undefined
  /** How bodies faked per request are faked: with the document's component names, validated. */
  fakeOptions: FakeOptions
  rootName: string
  /** Example name → body, serialised and validated once at start. */
  bodies: ReadonlyMap<string, PreparedBody>
  /** The default example's body, else a body faked from the schema (else the first example, with no schema to fake from). */
  defaultBody: PreparedBody
}

export interface PreparedResponse {
  statusKey: string
  status: number
  /** Set by a fixture (`fixture <file>`): names the source of everything it sends. */
  source: string | undefined
  /** Documented response headers with their example values, as sent. */
  headers: Readonly<Record<string, string>>
  /** The same values before they became text, for `checkHeaders`. */
  headerValues: Readonly<Record<string, unknown>>
  /** Where `headers` differ from the documented headers (a value against its schema, a required one missing). */
  headerViolations: readonly Violation[]
  /** A fixture with templated header values: every header for one answer, and where they differ from the documented ones. */
  renderHeaders?: (evaluate: Evaluate) => { headers: Readonly<Record<string, string>>, violations: readonly Violation[] }
  /** Checks header values (lower-case names) against the documented headers, with validators compiled at start. */
  checkHeaders: (values: Readonly<Record<string, unknown>>) => Violation[]
  /** Declared order; empty when the response has no body. */
  media: readonly PreparedMedia[]
  /** Example names in declared order, across media types. */
  exampleNames: readonly string[]
  /**
   * The example that is the response's default answer: the first that conforms to its
   * schema in every media type. Undefined when none does (or there are none): the default
   * answer is then faked from the schema, and is a scenario of its own named by the status.
   */
  defaultExample: string | undefined
  /** It has examples, none conforms, and there is a schema: its default answer is faked (see nameScenarios). */
  fakesDefault: boolean
  /** `x-mock-malformed-example`: the example that answers a body that does not parse. */
  malformedExample: string | undefined
  /**
   * `x-mock-invalid-examples: { body: missingItems, query: missingSiteId }`: the example that
   * answers an invalid request, by where its first violation is (path, query, header, cookie, body).
   */
  invalidExamples: Readonly<Record<string, string>>
}

type ExampleMap = Record<string, OpenAPIV3.ExampleObject>

/**
 * Everything about an operation's responses that does not depend on the request: every
 * body serialised, and checked against its schema, once.
 */
export async function prepareResponses (operation: IndexedOperation, compiler: SchemaCompiler): Promise<PreparedResponse[]> {
  const rootNames = componentNamesOf(operation.spec.dereferenced)
  const prepared: PreparedResponse[] = []
  // Petstore style (`default: successful operation`): with no 2xx, `default` is the success answer, as in Prism.
  const defaultIsSuccess = !operation.responses.some(({ statusKey }) => statusKey.startsWith('2'))
  for (const { statusKey, response } of operation.responses) {
    const value = operation.spec.dereferenced.at(response.pointer) as OpenAPIV3.ResponseObject
    const contents = Object.entries(value.content ?? {})
    const exampleNames = responseExampleNames(value)
    const media: Array<Omit<PreparedMedia, 'defaultBody'>> = []
    for (const [declared, mediaObject] of contents) {
      const mediaType = concreteMediaType(declared)
      const schema = mediaObject.schema as OpenAPIV3.SchemaObject | undefined
      const schemaPointer = schema === undefined ? undefined : childPointer(response.pointer, 'content', declared, 'schema')
      const validate = schemaPointer === undefined ? undefined : compiler.validatorAt(schemaPointer)
      const rootName = (schema !== undefined ? rootNames.get(schema) : undefined) ?? 'response'
      const fakeOptions: FakeOptions = { componentNames: rootNames, validate }
      const prepareBody = (body: unknown, source: string, derived: boolean): PreparedBody =>
        ({ bytes: serializeBody(body, mediaType, schema, rootName), violations: bodyViolations(validate, body), source, derived })
      const bodies = new Map<string, PreparedBody>()
      for (const name of exampleNames) {
        const own = examplesOf(mediaObject)[name]
        if (own !== undefined) {
          bodies.set(name, prepareBody(own.value, `spec example '${name}'`, false))
          continue
        }
        // An example given for one media type serves the others too (JSON value → XML).
        const [given, example] = contents.map(([type, other]) => [type, examplesOf(other)[name]] as const).find(([, found]) => found !== undefined) ?? []
        bodies.set(name, prepareBody(example?.value, `spec example '${name}' (given for ${given ?? 'no media type'})`, true))
      }
      media.push({ mediaType, schema, validate, fakeOptions, rootName, bodies })
    }
    // The default answer conforms: the first example that does wherever it is written (a
    // JSON example the mock also renders as XML is judged as JSON), else a body faked from the schema.
    const defaultExample = exampleNames.find((name) => media.every(({ bodies }) => {
      const body = bodies.get(name) as PreparedBody
      return body.derived || body.violations.length === 0
    }))
    const first = defaultExample ?? exampleNames[0]
    const withDefaults: PreparedMedia[] = []
    for (const entry of media) {
      const { mediaType, schema, validate, rootName, bodies } = entry
      let defaultBody = (first === undefined ? undefined : bodies.get(first)) ??
        { bytes: serializeBody('', mediaType, schema, rootName), violations: [], source: `spec response ${statusKey}`, derived: false }
      if (schema !== undefined && (first === undefined || defaultBody.violations.length > 0)) {
        const value = await fakeValue(schema, STATIC_SEED, entry.fakeOptions)
        defaultBody = { bytes: serializeBody(value, mediaType, schema, rootName), violations: bodyViolations(validate, value), source: `faker (seed ${STATIC_SEED})`, derived: true }
      }
      withDefaults.push({ ...entry, defaultBody })
    }
    const checkHeaders = compileHeaderCheck(operation, compiler, value.headers ?? {}, childPointer(response.pointer, 'headers'))
    const headerValues = await exampleHeaderValues(value.headers)
    prepared.push({
      statusKey,
      status: statusKey === 'default' && defaultIsSuccess ? 200 : statusOf(statusKey),
      source: undefined,
      headers: Object.fromEntries(Object.entries(headerValues).map(([name, example]) => [name, toHeaderValue(example)])),
      headerValues,
      headerViolations: checkHeaders(headerValues),
      checkHeaders,
      media: withDefaults,
      exampleNames,
      defaultExample,
      fakesDefault: exampleNames.length > 0 && defaultExample === undefined && media.some(({ schema }) => schema !== undefined),
      malformedExample: (value as { 'x-mock-malformed-example'?: string })['x-mock-malformed-example'],
      invalidExamples: (value as { 'x-mock-invalid-examples'?: Record<string, string> })['x-mock-invalid-examples'] ?? {}
    })
  }
  return prepared
}

/** A body value against its schema's validator (none: nothing to check). */
export function bodyViolations (validate: ValidateFunction | undefined, value: unknown): readonly Violation[] {
  return validate === undefined || validate(value) ? [] : toViolations('body', validate.errors)
}

/**
 * Validators for the documented headers (OpenAPI coerces header text: `"60"` is an integer),
 * compiled once; the check reports values against their schemas and required headers that
 * are missing.
 */
function compileHeaderCheck (
  operation: IndexedOperation,
  compiler: SchemaCompiler,
  headers: NonNullable<OpenAPIV3.ResponseObject['headers']>,
  pointer: string
): PreparedResponse['checkHeaders'] {
  const bundled = getByPointer(operation.spec.document, pointer) as Record<string, unknown> | undefined
  const checks = Object.entries(headers).flatMap(([name, header]) => {
    if (name.toLowerCase() === 'content-type' || NEVER_SENT.has(name.toLowerCase())) return []
    const located = resolveLocalRef<OpenAPIV3.HeaderObject>(operation.spec.document, bundled?.[name], childPointer(pointer, name))
    const schemaPointer = childPointer(located.pointer, 'schema')
    const validate = (header as OpenAPIV3.HeaderObject).schema === undefined ? undefined : compiler.compileCoercing(compiler.ref(schemaPointer), schemaPointer)
    return [{ name: name.toLowerCase(), required: (header as OpenAPIV3.HeaderObject).required === true, validate }]
  })
  return (values) => {
    const violations: Violation[] = []
    for (const { name, required, validate } of checks) {
      const value = values[name]
      if (value === undefined) {
        if (required) violations.push({ in: 'header', path: `/${name}`, message: 'is required but has no value' })
      } else if (validate !== undefined && !validate(value)) {
        violations.push(...toViolations('header', validate.errors).map((violation) => ({ ...violation, path: `/${name}${violation.path}` })))
      }
    }
    return violations
  }
}

/** A response's example names in declared order, across its media types (one example may serve several). */
export function responseExampleNames (response: OpenAPIV3.ResponseObject): string[] {
  return [...new Set(Object.values(response.content ?? {}).flatMap((media) => Object.keys(examplesOf(media))))]
}

/** A response declared as a range (`*\/*`, `application/*`) is sent as a real type. */
function concreteMediaType (declared: string): string {
  if (declared === '*/*' || declared === 'application/*') return 'application/json'
  if (declared === 'text/*') return 'text/plain'
  return declared
}

/** The response that documents a status: its own code, else its `NXX` range, else `default`. */
export function documentedResponseFor<T extends { statusKey: string }> (responses: readonly T[], status: number): T | undefined {
  const code = String(status)
  return responses.find((response) => response.statusKey === code) ??
    responses.find((response) => response.statusKey.toUpperCase() === `${code[0]}XX`) ??
    responses.find((response) => response.statusKey === 'default')
}

/** `404` → 404, `4XX` → 400; `default` answers 500 unless a request asks for a code (or it is the success answer: see prepareResponses). */
export function statusOf (statusKey: string): number {
  if (/^[1-5]\d\d$/.test(statusKey)) return Number(statusKey)
  if (/^[1-5]XX$/i.test(statusKey)) return Number(statusKey[0]) * 100
  return 500
}

/** Named examples with a value (an `externalValue` is not fetched), with a lone `example` named "example". */
export function examplesOf (media: Pick<OpenAPIV3.MediaTypeObject, 'example' | 'examples'>): ExampleMap {
  if (media.examples !== undefined) {
    return Object.fromEntries(Object.entries(media.examples as ExampleMap).filter(([, example]) => example.value !== undefined))
  }
  return media.example === undefined ? {} : { example: { value: media.example } }
}

/** Each documented header's example (or a value from its schema), by lower-case name. */
/** Headers the server sets for the body it sends: a fixture may not set them. */
export const FRAMING_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'connection'])

/**
 * Documented response headers the mock never sends, whatever the spec's examples say
 * (notion.com documents them all): its own framing, the connection's (RFC 9110 §7.6.1),
 * and a content coding its bodies do not have. Nor are they checked as missing, here or in
 * another server's answer (verify, a proxy): they describe the transport, not the API.
 */
export const NEVER_SENT: ReadonlySet<string> = new Set([...FRAMING_HEADERS, 'keep-alive', 'upgrade', 'trailer', 'te', 'proxy-connection', 'content-encoding'])

async function exampleHeaderValues (headers: OpenAPIV3.ResponseObject['headers']): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {}
  for (const [name, header] of Object.entries(headers ?? {}) as Array<[string, OpenAPIV3.HeaderObject]>) {
    // Content-Type: OpenAPI describes it by the media type instead.
    if (name.toLowerCase() === 'content-type' || NEVER_SENT.has(name.toLowerCase())) continue
    const example = Object.values(examplesOf(header))[0]?.value ?? (header.schema === undefined ? undefined : await sampleValue(header.schema, STATIC_SEED))
    if (example === undefined) continue
    values[name.toLowerCase()] = example
  }
  return values
}

/** Text for a response header. Node refuses values outside Latin-1: the rest is percent-encoded, once, at start. */
export function toHeaderValue (value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.replace(/[^\t\x20-\x7e]+/g, (run) => encodeURIComponent(run))
}
