import { parseCookie } from 'cookie'
import type { IncomingHttpHeaders } from 'node:http'
import { FAULTS, PLAIN_NAME_HINT, isPlainName, type Fault } from '../fixture/fixture-format.js'
import { problem, quoted, type Problem } from '../respond/problem.js'
import { single } from '../scenario/parse-headers.js'
import { DEFAULT_SESSION } from '../session/session-store.js'

export type ValidationMode = 'on' | 'off' | 'report'

/** What a request asks of the mock itself, beside the scenario. */
export interface MockControls {
  sessionId: string
  /** `x-mock-delay`, already drawn from its range and capped. */
  delayMs: number | undefined
  /** `x-mock-fault`; `none` cancels a fixture's fault. */
  fault: Fault | 'none' | undefined
  validate: ValidationMode
}

const DELAY = /^(\d{1,9})(?:\s*-\s*(\d{1,9}))?$/
const MODES = new Set<string>(['on', 'off', 'report'])
const FAULT_NAMES = new Set<string>([...FAULTS, 'none'])

/**
 * `x-mock-session` (or the `mock_session` cookie, for browsers), `x-mock-delay: 250` or
 * `250-800`, `x-mock-fault`, `x-mock-validate`. A header value that cannot be read is a 400
 * problem; a `mock_session` cookie that is not a plain name is ignored.
 */
export function readMockHeaders (headers: IncomingHttpHeaders, maxDelayMs: number): { ok: true, controls: MockControls } | { ok: false, problem: Problem } {
  const session = sessionIdOf(headers)
  if (session === undefined) return invalid('x-mock-session', single(headers['x-mock-session']) ?? '', PLAIN_NAME_HINT)

  let delayMs: number | undefined
  const delay = single(headers['x-mock-delay'])
  if (delay !== undefined) {
    const match = DELAY.exec(delay.trim())
    const low = Number(match?.[1])
    const high = match?.[2] === undefined ? low : Number(match[2])
    if (match === null || high < low) return invalid('x-mock-delay', delay, 'milliseconds (250) or a range (250-800)')
    // Cap the range, then draw: 20000-60000 under a 30 s cap stays uniform over 20-30 s.
    const [from, to] = [Math.min(low, maxDelayMs), Math.min(high, maxDelayMs)]
    delayMs = from + Math.floor(Math.random() * (to - from + 1))
  }

  const fault = single(headers['x-mock-fault'])
  if (fault !== undefined && !FAULT_NAMES.has(fault)) return invalid('x-mock-fault', fault, [...FAULT_NAMES].join(', '))
  const validate = single(headers['x-mock-validate']) ?? 'on'
  if (!MODES.has(validate)) return invalid('x-mock-validate', validate, 'on, off or report')
  return { ok: true, controls: { sessionId: session, delayMs, fault: fault as MockControls['fault'], validate: validate as ValidationMode } }
}

/** The session a request names (`x-mock-session`, else the `mock_session` cookie, else `default`); undefined when the header is no session id. */
export function sessionIdOf (headers: IncomingHttpHeaders): string | undefined {
  const header = single(headers['x-mock-session'])
  if (header !== undefined) return isPlainName(header) ? header : undefined
  // A browser's stale or foreign cookie must not break every call: an unusable one is ignored.
  const cookie = sessionCookie(headers.cookie)
  return cookie !== undefined && isPlainName(cookie) ? cookie : DEFAULT_SESSION
}

function sessionCookie (header: string | undefined): string | undefined {
  return header === undefined || !header.includes('mock_session') ? undefined : parseCookie(header).mock_session
}

function invalid (header: string, value: string, expected: string): { ok: false, problem: Problem } {
  return { ok: false, problem: problem('invalid-mock-header', `${header}: ${quoted(value)} is not valid; expected ${expected}.`, { header }) }
}
