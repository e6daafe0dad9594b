/** Where a case's request comes from (see `buildCases`). */
export type CaseSource = 'example' | 'fixture' | 'generated' | 'scenario'

/** What can be wrong with a server's answer to one case. */
export const FAILURE_KINDS = [
  'unreachable',
  'status-undocumented',
  'status-unexpected',
  'content-type-undeclared',
  'body-undocumented',
  'body-unparsable',
  'body-invalid',
  'header-missing'
] as const
export type FailureKind = typeof FAILURE_KINDS[number]

/** One deviation from the spec, as data: a sentence, and what was expected against what came. */
export interface CaseFailure {
  kind: FailureKind
  message: string
  expected: string
  actual: string
}

export interface SentRequest {
  /** Upper case: `POST`. */
  method: string
  url: string
  /** As given to fetch, lower-case names (fetch adds its own defaults, such as `accept: *\/*`). */
  headers: Record<string, string>
  /** The request body as text; absent when none was sent. */
  body?: string
}

export interface SeenResponse {
  status: number
  /** The Content-Type header as sent; absent when there was none. */
  contentType?: string
  /** Lower-case names. */
  headers: Record<string, string>
  body: string
}

export interface CaseResult {
  /** `<spec> <operationId> <case>`: stable across runs, the TAP test name. */
  name: string
  spec: string
  operationId: string
  case: string
  source: CaseSource
  /** The response example or fixture the case is paired with (sent in the scenario header when asked). */
  scenario?: string
  /** A status (`404`), a range (`4XX`) or `default`; absent when the case states none. */
  expectedStatus?: string
  request: SentRequest
  /** Absent when no response came (see the `unreachable` failure). */
  response?: SeenResponse
  durationMs: number
  ok: boolean
  failures: CaseFailure[]
}

export interface VerifyReport {
  passed: number
  failed: number
  cases: CaseResult[]
  /** Fixture folders of specs that are not loaded, and the like. */
  warnings: string[]
}
