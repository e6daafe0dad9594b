import { readFile } from 'node:fs/promises'
import YAML from 'yaml'
import { UnderstudyError, type ErrorCode } from '../errors.js'

/** Parses YAML (JSON is YAML) with the `yaml` library; a syntax error names the line. */
export function parseDocumentText (text: string, file: string, code: ErrorCode = 'UNDERSTUDY_SPEC_PARSE'): unknown {
  try {
    return YAML.parse(text, { prettyErrors: true })
  } catch (error) {
    throw new UnderstudyError(code, (error as Error).message.split('\n')[0]?.replace(/:$/, '') ?? '', { file })
  }
}

export async function readDocument (file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    throw new UnderstudyError('UNDERSTUDY_SPEC_NOT_FOUND', file, { file })
  }
  return parseDocumentText(text, file)
}

export function isOpenApiDocument (value: unknown): value is { openapi: string } {
  return typeof value === 'object' && value !== null && typeof (value as { openapi?: unknown }).openapi === 'string'
}
