import type { OpenAPIV3 } from 'openapi-types'
import { UnderstudyError, type Reporter } from '../errors.js'
import type { IndexedOperation } from '../openapi/index-operations.js'
import { childPointer, resolveLocalRef } from '../openapi/resolve-ref.js'
import { responseExampleNames } from '../respond/prepare-responses.js'

/** Where `x-mock-invalid-examples` may say a violation is. */
const VIOLATION_PLACES = new Set(['path', 'query', 'header', 'cookie', 'body'])

/**
 * A response media type with neither a schema nor an example value leaves the mock nothing
 * to send but an empty body. A response without content (a 204) is fine. The response's
 * `x-mock-malformed-example` and `x-mock-invalid-examples` must name its own examples.
 */
export function checkResponses (operations: readonly IndexedOperation[], reporter: Reporter): void {
  for (const operation of operations) {
    for (const { response } of operation.responses) {
      checkExampleChoices(operation, operation.spec.dereferenced.at(response.pointer) as OpenAPIV3.ResponseObject, response.pointer, reporter)
      for (const [mediaType, media] of Object.entries(response.value.content ?? {})) {
        if (media.schema !== undefined || hasExampleValue(operation.spec.document, media)) continue
        reporter.problem(new UnderstudyError('UNDERSTUDY_RESPONSE_UNDESCRIBED',
          `${mediaType} has no schema and no example value, so the mock would send an empty body`,
          { file: operation.spec.file, pointer: childPointer(response.pointer, 'content', mediaType) }))
      }
    }
  }
}

/** An `example`, or an `examples` entry with a `value` (an `externalValue` is not fetched). */
function hasExampleValue (document: unknown, media: OpenAPIV3.MediaTypeObject): boolean {
  if (Object.hasOwn(media, 'example')) return true
  return Object.values(media.examples ?? {}).some((raw) => {
    const example = resolveLocalRef<unknown>(document, raw, '').value
    return typeof example === 'object' && example !== null && Object.hasOwn(example, 'value')
  })
}

function checkExampleChoices (operation: IndexedOperation, response: OpenAPIV3.ResponseObject, pointer: string, reporter: Reporter): void {
  const names = responseExampleNames(response)
  const problem = (at: string, message: string): void =>
    reporter.problem(new UnderstudyError('UNDERSTUDY_EXTENSION_INVALID', message, { file: operation.spec.file, pointer: childPointer(pointer, ...at.split('/')) }))
  const extensions = response as { 'x-mock-malformed-example'?: unknown, 'x-mock-invalid-examples'?: unknown }
  const malformed = extensions['x-mock-malformed-example']
  if (malformed !== undefined && !names.includes(String(malformed))) {
    problem('x-mock-malformed-example', `'${String(malformed)}' is not an example of this response (it has ${names.join(', ') || 'none'})`)
  }
  const invalid = extensions['x-mock-invalid-examples']
  if (invalid === undefined) return
  if (typeof invalid !== 'object' || invalid === null || Array.isArray(invalid)) {
    problem('x-mock-invalid-examples', 'must map where a violation is (path, query, header, cookie, body) to an example name')
    return
  }
  for (const [place, name] of Object.entries(invalid)) {
    if (!VIOLATION_PLACES.has(place)) problem(`x-mock-invalid-examples/${place}`, `'${place}' is not path, query, header, cookie or body`)
    else if (!names.includes(String(name))) problem(`x-mock-invalid-examples/${place}`, `'${String(name)}' is not an example of this response (it has ${names.join(', ') || 'none'})`)
  }
}
