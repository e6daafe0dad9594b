import { UnderstudyError, escapePointerToken } from '../errors.js'
import { readFixtureFormat, type FixtureRequest } from '../fixture/fixture-format.js'
import type { FixtureSource } from '../fixture/read-fixtures.js'
import type { IndexedOperation } from '../openapi/index-operations.js'
import { parseDocumentText } from '../openapi/read-document.js'

/** What verify needs of a fixture: its name, its status, and the request it describes (if any). */
export interface FixtureCase {
  name: string
  file: string
  status: number
  request: FixtureRequest | undefined
}

/**
 * Reads the operation's fixture files (already read from disk, in name order) for their
 * status and `request:` block. The mock checks the rest at its startup; here a file that
 * is not a fixture, or a `request.path` naming no path parameter, is an error.
 */
export function readFixtureRequests (operation: IndexedOperation, sources: readonly FixtureSource[]): FixtureCase[] {
  const pathParams = new Set(operation.parameters.filter((p) => p.value.in === 'path').map((p) => p.value.name))
  return sources.map(({ name, file, text }) => {
    const format = readFixtureFormat(parseDocumentText(text, file, 'UNDERSTUDY_FIXTURE_INVALID'))
    if (!format.ok) throw new UnderstudyError('UNDERSTUDY_FIXTURE_INVALID', format.message, { file, pointer: format.pointer })
    const { status, request } = format.value
    for (const key of Object.keys(request?.path ?? {})) {
      if (!pathParams.has(key)) {
        throw new UnderstudyError('UNDERSTUDY_FIXTURE_INVALID', `${operation.path} has no path parameter '${key}'`, { file, pointer: `/request/path/${escapePointerToken(key)}` })
      }
    }
    return { name, file, status, request }
  })
}
