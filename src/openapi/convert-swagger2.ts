/// <reference path="../types/swagger2openapi.d.ts" />
import { UnderstudyError } from '../errors.js'
import { childPointer } from './resolve-ref.js'

/** Where swagger2openapi notes what it could not convert losslessly (with `warnOnly`). */
const WARNING_KEY = 'x-s2o-warning'

/**
 * Swagger 2.0 → OpenAPI 3.0 with swagger2openapi (the converter APIs.guru uses): `host` +
 * `basePath` become `servers`, `formData` parameters a request body, and each response's
 * `examples` named examples (`response`). With `patch`, small mistakes are fixed; what
 * cannot be converted is noted in the document and goes to `tolerate` with its pointer
 * in the converted document.
 */
export async function convertSwagger2 (document: object, file: string, tolerate: (error: UnderstudyError) => void): Promise<Record<string, unknown>> {
  let converted: Record<string, unknown>
  try {
    // Loaded here: most specs are OpenAPI 3, and the converter is 40 modules.
    const { default: swagger2openapi } = await import('swagger2openapi')
    // `text` is what it would otherwise make by serialising the whole document again.
    converted = await swagger2openapi.convertObj(document, { patch: true, warnOnly: true, direct: true, text: '-' }) as Record<string, unknown>
  } catch (error) {
    throw new UnderstudyError('UNDERSTUDY_SPEC_INVALID', `Swagger 2.0 cannot be converted: ${(error as Error).message}`, { file, pointer: '' })
  }
  collectWarnings(converted, '', (pointer, message) =>
    tolerate(new UnderstudyError('UNDERSTUDY_SPEC_INVALID', `converted from Swagger 2.0: ${message}`, { file, pointer })))
  return converted
}

function collectWarnings (node: unknown, pointer: string, report: (pointer: string, message: string) => void): void {
  if (typeof node !== 'object' || node === null) return
  for (const [key, child] of Object.entries(node)) {
    if (key === WARNING_KEY && typeof child === 'string') {
      report(pointer, child)
      delete (node as Record<string, unknown>)[key]
    } else {
      collectWarnings(child, childPointer(pointer, key), report)
    }
  }
}
