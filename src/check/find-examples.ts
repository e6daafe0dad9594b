import type { OpenAPIV3 } from 'openapi-types'
import type { IndexedOperation } from '../openapi/index-operations.js'
import { childPointer, getByPointer, resolveLocalRef, type Located } from '../openapi/resolve-ref.js'

/** One example value and the schema it must match. */
export interface ExampleSite {
  /** Where the value lives: inside the operation, or the component an example `$ref` names. */
  pointer: string
  /** The value is a component that an `examples` entry refers to (so its schema is not beside it). */
  shared: boolean
  /** The schema it must match, in the bundled document, after its `$ref`s. */
  schemaPointer: string
  value: unknown
}

/** Anything that holds examples beside a schema: a media type, a parameter, a header. */
interface ExampleHolder {
  schema?: unknown
  example?: unknown
  examples?: Record<string, unknown>
  content?: Record<string, ExampleHolder>
}

/**
 * Every example of the operations that has a schema to match: responses (bodies and
 * headers), request bodies and parameters. A value used twice against one schema (a
 * component example, a shared response) is one site; `externalValue` examples are not
 * fetched, so not checked.
 */
export function findExamples (operations: readonly IndexedOperation[]): ExampleSite[] {
  const sites = new Map<string, ExampleSite>()
  for (const operation of operations) {
    const document = operation.spec.document
    const add = (holder: Located<ExampleHolder>): void => {
      for (const site of holderExamples(document, holder)) sites.set(`${site.pointer} ${site.schemaPointer}`, site)
    }
    for (const parameter of operation.parameters) add(parameter as Located<ExampleHolder>)
    if (operation.requestBody !== undefined) add(operation.requestBody as Located<ExampleHolder>)
    for (const { response } of operation.responses) {
      add(response as Located<ExampleHolder>)
      for (const [name, header] of Object.entries(response.value.headers ?? {})) {
        add(resolveLocalRef<ExampleHolder>(document, header, childPointer(response.pointer, 'headers', name)))
      }
    }
  }
  return [...sites.values()]
}

/** A holder's own examples (against its schema), then those of each of its media types. */
function holderExamples (document: unknown, { value: holder, pointer }: Located<ExampleHolder>): ExampleSite[] {
  if (typeof holder !== 'object' || holder === null) return []
  const sites: ExampleSite[] = []
  if (holder.schema !== undefined) {
    const schemaPointer = schemaIdentity(document, holder.schema, childPointer(pointer, 'schema'))
    if (Object.hasOwn(holder, 'example')) {
      sites.push({ pointer: childPointer(pointer, 'example'), shared: false, schemaPointer, value: holder.example })
    }
    for (const [name, raw] of Object.entries(holder.examples ?? {})) {
      const slot = childPointer(pointer, 'examples', name)
      const example = resolveLocalRef<OpenAPIV3.ExampleObject>(document, raw, slot)
      if (typeof example.value !== 'object' || example.value === null || !Object.hasOwn(example.value, 'value')) continue
      sites.push({
        pointer: childPointer(example.pointer, 'value'),
        shared: example.pointer !== slot,
        schemaPointer,
        value: example.value.value
      })
    }
  }
  for (const [mediaType, media] of Object.entries(holder.content ?? {})) {
    sites.push(...holderExamples(document, { value: media, pointer: childPointer(pointer, 'content', mediaType) }))
  }
  return sites
}

/**
 * Where a schema that is only a `$ref` leads, so uses of one component schema are one
 * schema; a `$ref` with siblings (3.1 allows them) is a schema of its own.
 */
function schemaIdentity (document: unknown, schema: unknown, pointer: string): string {
  let at = pointer
  let current = schema
  const seen = new Set<string>()
  while (typeof current === 'object' && current !== null && Object.keys(current).length === 1) {
    const ref = (current as { $ref?: unknown }).$ref
    if (typeof ref !== 'string' || !ref.startsWith('#') || seen.has(ref)) break
    seen.add(ref)
    at = decodeURIComponent(ref.slice(1))
    current = getByPointer(document, at)
  }
  return at
}
