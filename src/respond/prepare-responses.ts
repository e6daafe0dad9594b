import type { OpenAPIV3 } from 'openapi-types'
import type { IndexedOperation } from '../spec/index-operations.js'
import { childPointer, getByPointer } from '../spec/resolve-ref.js'
import { fakeValue } from './fake-value.js'
import { serializeBody } from './serialize-body.js'

/** The seed of bodies faked at start for responses that have a schema but no example. */
const STATIC_SEED = 1

export interface PreparedMedia {
  mediaType: string
  /** Dereferenced, for the faker and the XML writer. */
  schema: OpenAPIV3.SchemaObject | undefined
  /** Where the schema lives in the bundled document, for validators. */
  schemaPointer: string | undefined
  rootName: string
  /** Example name → bytes, serialised once at start. */
  bodies: ReadonlyMap<string, Buffer>
  /** The first example's bytes (or a body faked from the schema). */
  defaultBody: Buffer
}

export interface PreparedResponse {
  statusKey: string
  status: number
  /** Documented response headers with their example values. */
  headers: Readonly<Record<string, string>>
  /** Declared order; empty when the response has no body. */
  media: readonly PreparedMedia[]
  /** Example names in declared order, across media types. */
  exampleNames: readonly string[]
  /** `x-mock-malformed-example`: the example that answers a body that does not parse. */
  malformedExample: string | undefined
}

type ExampleMap = Record<string, OpenAPIV3.ExampleObject>

/** Everything about an operation's responses that does not depend on the request. */
export async function prepareResponses (operation: IndexedOperation): Promise<PreparedResponse[]> {
  const rootNames = componentNames(operation.spec.dereferenced as OpenAPIV3.Document)
  const prepared: PreparedResponse[] = []
  for (const { statusKey, response } of operation.responses) {
    const value = getByPointer(operation.spec.dereferenced, response.pointer) as OpenAPIV3.ResponseObject
    const contents = Object.entries(value.content ?? {})
    const exampleNames = [...new Set(contents.flatMap(([, media]) => Object.keys(examplesOf(media))))]
    const media: PreparedMedia[] = []
    for (const [declared, mediaObject] of contents) {
      const mediaType = concreteMediaType(declared)
      const schema = mediaObject.schema as OpenAPIV3.SchemaObject | undefined
      const rootName = (schema !== undefined ? rootNames.get(schema) : undefined) ?? 'response'
      const bodies = new Map<string, Buffer>()
      for (const name of exampleNames) {
        // An example given for one media type serves the others too (JSON value → XML).
        const example = examplesOf(mediaObject)[name] ?? contents.map(([, other]) => examplesOf(other)[name]).find(Boolean)
        bodies.set(name, serializeBody(example?.value, mediaType, schema, rootName))
      }
      const first = exampleNames[0]
      const defaultBody = first !== undefined
        ? bodies.get(first) as Buffer
        : serializeBody(schema === undefined ? '' : await fakeValue(schema, STATIC_SEED), mediaType, schema, rootName)
      const schemaPointer = schema === undefined ? undefined : childPointer(response.pointer, 'content', declared, 'schema')
      media.push({ mediaType, schema, schemaPointer, rootName, bodies, defaultBody })
    }
    prepared.push({
      statusKey,
      status: statusOf(statusKey),
      headers: await headerValues(value.headers),
      media,
      exampleNames,
      malformedExample: (value as { 'x-mock-malformed-example'?: string })['x-mock-malformed-example']
    })
  }
  return prepared
}

/** A response declared as a range (`*\/*`, `application/*`) is sent as a real type. */
function concreteMediaType (declared: string): string {
  if (declared === '*/*' || declared === 'application/*') return 'application/json'
  if (declared === 'text/*') return 'text/plain'
  return declared
}

/** `404` → 404, `4XX` → 400; `default` answers 500 unless a request asks for a code. */
export function statusOf (statusKey: string): number {
  if (/^[1-5]\d\d$/.test(statusKey)) return Number(statusKey)
  if (/^[1-5]XX$/i.test(statusKey)) return Number(statusKey[0]) * 100
  return 500
}

/** Named examples with a value (an `externalValue` is not fetched), with a lone `example` named "example". */
function examplesOf (media: OpenAPIV3.MediaTypeObject): ExampleMap {
  if (media.examples !== undefined) {
    return Object.fromEntries(Object.entries(media.examples as ExampleMap).filter(([, example]) => example.value !== undefined))
  }
  return media.example === undefined ? {} : { example: { value: media.example } }
}

/** Component schema object → its name: the default XML root element name. */
function componentNames (document: OpenAPIV3.Document): Map<object, string> {
  return new Map(Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => [schema as object, name]))
}

async function headerValues (headers: OpenAPIV3.ResponseObject['headers']): Promise<Record<string, string>> {
  const values: Record<string, string> = {}
  for (const [name, header] of Object.entries(headers ?? {}) as Array<[string, OpenAPIV3.HeaderObject]>) {
    if (name.toLowerCase() === 'content-type') continue // OpenAPI: described by the media type instead
    const schema = header.schema as OpenAPIV3.SchemaObject | undefined
    const example = header.example ?? (Object.values(header.examples ?? {})[0] as OpenAPIV3.ExampleObject | undefined)?.value ??
      (schema as { examples?: unknown[] } | undefined)?.examples?.[0] ?? schema?.example ?? schema?.default ?? schema?.enum?.[0] ??
      (schema === undefined ? undefined : await fakeValue(schema, STATIC_SEED))
    if (example === undefined) continue
    values[name.toLowerCase()] = toHeaderValue(example)
  }
  return values
}

/** Text for a response header. Node refuses values outside Latin-1: the rest is percent-encoded, once, at start. */
export function toHeaderValue (value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.replace(/[^\t\x20-\x7e]+/g, (run) => encodeURIComponent(run))
}
