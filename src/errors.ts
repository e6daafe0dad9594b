/**
 * Every fatal startup problem has one stable code, a message template and, where it
 * applies, the file and JSON pointer it is about. The CLI prints `code file#pointer: message`
 * once and exits 1 — never a stack trace for a user's mistake.
 */
export const ERROR_CODES = {
  UNDERSTUDY_SPEC_NOT_FOUND: 'No such file or directory',
  UNDERSTUDY_NO_SPECS: 'No OpenAPI document found',
  UNDERSTUDY_NO_OPERATIONS: 'No operation can be mocked',
  UNDERSTUDY_SPEC_PARSE: 'The file is not valid YAML or JSON',
  UNDERSTUDY_SPEC_REF: 'A $ref cannot be resolved',
  UNDERSTUDY_SPEC_INVALID: 'The document is not a valid OpenAPI document',
  UNDERSTUDY_SPEC_NAME_DUPLICATE: 'Two documents have the same name',
  UNDERSTUDY_OPERATION_ID_DUPLICATE: 'An operationId is used twice',
  UNDERSTUDY_ROUTE_COLLISION: 'Two operations answer the same method and path',
  UNDERSTUDY_RESERVED_PATH: 'An operation is mounted under the reserved /__mock prefix',
  UNDERSTUDY_SCENARIO_DUPLICATE: 'A fixture has the name of another scenario of its operation',
  UNDERSTUDY_SCHEMA_INVALID: 'A schema cannot be compiled',
  UNDERSTUDY_OPERATION_INVALID: 'An operation cannot be mocked',
  UNDERSTUDY_FIXTURES_NOT_FOUND: 'The fixtures folder does not exist',
  UNDERSTUDY_FIXTURE_INVALID: 'The fixture is invalid',
  UNDERSTUDY_SCENARIO_SET_INVALID: 'The scenario set is invalid',
  UNDERSTUDY_EXAMPLE_INVALID: 'An example does not match its schema',
  UNDERSTUDY_RESPONSE_UNDESCRIBED: 'A documented response has neither example nor schema',
  UNDERSTUDY_RESPONSE_INVALID: 'A response the mock would send does not match the spec',
  UNDERSTUDY_COVERAGE_REPORT_UNWRITABLE: 'The coverage report cannot be written there',
  UNDERSTUDY_VERIFY_OPTION_INVALID: 'A verify option is invalid',
  UNDERSTUDY_PROXY_OPTION_INVALID: 'A proxy option is invalid',
  UNDERSTUDY_STORE_OPTION_INVALID: 'A store option is invalid',
  UNDERSTUDY_STORE_UNAVAILABLE: 'The store cannot be reached',
  UNDERSTUDY_INIT_EXISTS: 'The project has a mock already',
  UNDERSTUDY_STOP_FAILED: 'The mock could not be stopped',
  UNDERSTUDY_LISTEN_FAILED: 'The server cannot listen there',
  UNDERSTUDY_VERIFY_TARGET_UNREACHABLE: 'Nothing answers at the verify target',
  UNDERSTUDY_EXTENSION_INVALID: 'An x-mock extension names what is not there'
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export interface ErrorLocation {
  file?: string
  pointer?: string
}

export class UnderstudyError extends Error {
  readonly code: ErrorCode
  readonly file: string | undefined
  readonly pointer: string | undefined

  constructor (code: ErrorCode, detail: string, location: ErrorLocation = {}) {
    super(`${ERROR_CODES[code]}: ${detail}`)
    this.name = 'UnderstudyError'
    this.code = code
    this.file = location.file
    this.pointer = location.pointer
  }

  /** One line for a terminal: `CODE file#/pointer: message`. */
  format (): string {
    return formatProblemLine(this)
  }
}

/** `CODE file#/pointer: message`: an error's line, or the same for a problem kept as data (`check --format json`). */
export function formatProblemLine (problem: { code: ErrorCode, file?: string | null, pointer?: string | null, message: string }): string {
  const { file, pointer } = problem
  const where = file === undefined || file === null ? '' : ` ${file}${pointer === undefined || pointer === null ? '' : `#${pointer}`}`
  return `${problem.code}${where}: ${problem.message}`
}

/**
 * Where problems go. The server's default throws the first one (startup stops);
 * `--lenient` turns them into warnings; `check` collects every one.
 */
export interface Reporter {
  problem: (error: UnderstudyError) => void
  /**
   * A problem the mock works around (a document that breaks the OpenAPI schema in a way
   * that does not stop mocking, a pattern it cannot enforce): `serve` prints it as a
   * warning and goes on; `check` reports it as a problem.
   */
  tolerate: (error: UnderstudyError) => void
  warn: (message: string) => void
  /** What loading is doing now (`reading api.json`), for a progress line. */
  progress?: (step: string) => void
}

/** The first problem throws; there is nothing to warn about where this is the default. */
export const FAIL_FAST: Reporter = {
  problem: (error) => { throw error },
  tolerate: () => {},
  warn: () => {}
}

/**
 * Tolerated problems, one per place: where the mock's own account of a problem (a pattern
 * it does not enforce) follows the OpenAPI schema's (`must match format "regex"`) at the
 * same file and pointer, it replaces it.
 */
export class ToleratedProblems {
  readonly list: UnderstudyError[] = []
  private readonly at = new Map<string, number>()

  add (error: UnderstudyError): void {
    const where = `${error.file ?? ''}#${error.pointer ?? ''}`
    const index = this.at.get(where)
    if (index !== undefined && this.list[index]!.code !== error.code) {
      this.list[index] = error
      return
    }
    if (index === undefined) this.at.set(where, this.list.length)
    this.list.push(error)
  }
}

/** RFC 6901: one reference token. */
export function escapePointerToken (token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1')
}

export function toPointer (tokens: ReadonlyArray<string | number>): string {
  return tokens.map((token) => '/' + escapePointerToken(token)).join('')
}
