import { isDeepStrictEqual } from 'node:util'
import type { CoverageReport } from '../coverage/coverage-recorder.js'
import type { JournalEntry } from '../journal/request-journal.js'
import { isUnder } from '../coverage/summarize-coverage.js'
import { buildMockServer, type MockServer, type MockServerOptions } from '../server/build-mock-server.js'
import { verify, type VerifyOptions } from '../verify/verify.js'
import type { VerifyReport } from '../verify/verify-report.js'

/** The part of a tap `Test` (or node:test's context with a shim) these helpers use. */
export interface TestLike {
  teardown: (fn: () => unknown) => void
  // Always a message and extra, as tap 21's `ok(obj, ...MessageExtra)` takes them.
  ok: (value: unknown, message: string, extra: Record<string, unknown>) => boolean
}

export interface StartedMock {
  app: MockServer
  /** `http://127.0.0.1:<port>`: the base URL to give the client under test. */
  url: string
}

/** A mock listening on 127.0.0.1 (a free port) for one test, closed when the test ends. */
export async function startMock (t: TestLike, options: MockServerOptions = {}): Promise<StartedMock> {
  const app = await buildMockServer(options)
  t.teardown(async () => await app.close())
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, url }
}

export interface CoverageExpectation {
  /** The share of documented responses (operation × status) that must have been served, in percent. */
  atLeast: number
  /** Count one session's requests only. */
  session?: string
}

/** One assertion: enough documented responses were served; the diagnostic lists those never served. */
export async function assertCoverage (t: TestLike, app: Pick<MockServer, 'understudy'>, { atLeast, session }: CoverageExpectation): Promise<CoverageReport> {
  const report = await app.understudy.coverage(session)
  const { documented, served, percent } = report.responses
  const neverServed = report.neverServed.responses.map(({ spec, operationId, status }) => `${spec}#${operationId} ${status}`)
  t.ok(!isUnder(report, atLeast), `${served} of ${documented} documented responses served (${percent}%), at least ${atLeast}% expected`, { neverServed })
  return report
}

export interface RequestExpectation {
  operationId: string
  /** Exactly this many such requests; by default, at least one. */
  times?: number
  /** Count only requests whose JSON body equals this (deeply). */
  body?: unknown
  /** Count one session's requests only. */
  session?: string
}

/**
 * One assertion: the client sent the operation the expected number of times (with that
 * body, in that session), as the journal recorded it; the diagnostic lists what it sent.
 */
export function assertRequested (t: TestLike, app: Pick<MockServer, 'understudy'>, { operationId, times, body, session }: RequestExpectation): JournalEntry[] {
  const sent = app.understudy.requests({ operationId, session })
  const matching = body === undefined ? sent : sent.filter((entry) => !entry.bodyTruncated && entry.body !== null && isDeepStrictEqual(parsedBody(entry.body), body))
  const expected = times === undefined ? 'at least once' : `${times} time${times === 1 ? '' : 's'}`
  t.ok(times === undefined ? matching.length > 0 : matching.length === times,
    `${operationId} requested ${expected}${body === undefined ? '' : ' with that body'}${session === undefined ? '' : ` in session ${session}`}: ${matching.length}`,
    { sent: sent.map(({ method, url, status, body }) => ({ method, url, status, body })) })
  return matching
}

function parsedBody (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * `verify` as tap assertions, one per case, named like verify's TAP lines; a failing one
 * carries its failures (kind, message, expected, actual) and the request as diagnostics.
 */
export async function assertContract (t: TestLike, options: VerifyOptions): Promise<VerifyReport> {
  const report = await verify(options)
  for (const { ok, name, failures, request } of report.cases) {
    t.ok(ok, name, ok ? {} : { failures, request: { method: request.method, url: request.url } })
  }
  return report
}
