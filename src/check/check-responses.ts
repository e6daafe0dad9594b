import type { OpenAPIV3 } from 'openapi-types'
import { UnderstudyError, type Reporter } from '../errors.js'
import type { IndexedOperation } from '../openapi/index-operations.js'
import { childPointer, resolveLocalRef } from '../openapi/resolve-ref.js'

/**
 * A response media type with neither a schema nor an example value leaves the mock nothing
 * to send but an empty body. A response without content (a 204) is fine.
 */
export function checkResponses (operations: readonly IndexedOperation[], reporter: Reporter): void {
  for (const operation of operations) {
    for (const { response } of operation.responses) {
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
