import type { FastifyReply, FastifyRequest } from 'fastify'
import { Readable } from 'node:stream'
import { problem, sendProblem } from '../respond/problem.js'
import type { CompiledOperation } from '../routes/compile-operation.js'
import { reportViolations, violationsHeader } from '../routes/report-violations.js'
import type { ScenarioSet } from '../fixture/compile-scenario-sets.js'
import type { Session } from '../session/session-store.js'
import type { RequestParts } from '../validate/compile-request-validator.js'
import { answeredBy } from '../routes/answered-by.js'
import type { CaseFailure } from '../verify/verify-report.js'
import { joined, type Forwarded, type Unanswered } from './forward-request.js'
import type { ProxyTally } from './proxy-tally.js'
import { readBackendBody, type BackendBody } from './read-backend-body.js'
import type { Answer } from './record-answer.js'

/** A backend's answers that mean it has no such route yet: `--fallback` answers them from the mock. */
const NOT_THERE = new Set([404, 405, 501])

export interface MockProxy {
  /** Sends the request on to the backend at `path`, its body as the app sent it. */
  forward: (method: string, path: string, request: FastifyRequest) => Promise<Forwarded>
  /** The path the backend serves a request at: the spec's mount replaced by its `--base-path`. */
  pathFor: (compiled: CompiledOperation, url: string) => string
  /** What went wrong reading the backend's answer, as the proxy tells it. */
  unanswered: (error: unknown) => Unanswered
  /** The backend's URL, as the journal names it on the entries it answered. */
  backend: string
  /** Answer from the mock when the backend has no such route or cannot be reached. */
  fallback: boolean
  /** Every answer through the proxy, for the summary on exit. */
  tally: ProxyTally
  /** `--record`: keeps an answer that matches the spec as a fixture. */
  record: ((compiled: CompiledOperation, parts: RequestParts, answer: Answer) => void) | undefined
}

/**
 * Whether the request asks for the mock's answer: a scenario header, Prefer, or its
 * session's choice (a scenario for this operation, or a set that names it). So a frontend
 * forces an error state on a real backend.
 */
export function wantsMock (compiled: CompiledOperation, request: FastifyRequest, session: Session | undefined, sets: ReadonlyMap<string, ScenarioSet>): boolean {
  const { headers } = request
  if (headers['x-mock-scenario'] !== undefined || headers.prefer !== undefined) return true
  if (session === undefined) return false
  if (session.scenarios.has(compiled.operationId)) return true
  return session.set !== undefined && sets.get(session.set)?.scenarios.has(compiled.operationId) === true
}

/**
 * The backend's answer, checked: the request's violations in `x-mock-violations` (it is
 * sent on anyway, as the app sent it), the answer's in `x-mock-response-violations`, or,
 * strict, a 500 invalid-response problem instead. A checked body is read whole and passed
 * on as the backend sent it (compressed too); an event stream, a binary or a very large
 * body streams through, its status and headers checked. False: the mock answers
 * (fallback). (Not the reply: a FastifyReply is a thenable, which an async function would
 * wait for.)
 */
export async function answerFromBackend (proxy: MockProxy, compiled: CompiledOperation, request: FastifyRequest, reply: FastifyReply, parts: RequestParts, strict: boolean): Promise<boolean> {
  const started = performance.now()
  const forwarded = await proxy.forward(request.method, proxy.pathFor(compiled, request.url), request)
  if (!forwarded.ok) return proxy.fallback ? false : unanswered(reply, forwarded)
  if (proxy.fallback && NOT_THERE.has(forwarded.status)) {
    forwarded.body.resume()
    return false
  }
  let body: BackendBody
  try {
    body = await readBackendBody(forwarded.body, forwarded.headers)
  } catch (error) {
    return unanswered(reply, proxy.unanswered(error))
  }
  answeredBy(request)!.backend = proxy.backend
  const requestViolations = reportViolations(compiled, parts)
  if (requestViolations.length > 0) reply.header('x-mock-violations', violationsHeader(requestViolations))
  const failures = checkAnswer(compiled, request.method, forwarded, body)
  proxy.tally.add(compiled.operation.spec.name, compiled.operationId, { method: request.method, url: request.url }, forwarded.status, failures, performance.now() - started)
  if (failures.length > 0 && strict) {
    if (!body.read) body.stream.destroy()
    void sendProblem(reply, problem('invalid-response', `The backend's ${forwarded.status} answer does not match ${compiled.operationId} in the spec: ${failures.length} violation${failures.length === 1 ? '' : 's'}.`, {
      operationId: compiled.operationId, source: 'backend', response: String(forwarded.status), errors: failures
    }))
    return true
  }
  if (failures.length > 0) reply.header('x-mock-response-violations', violationsHeader(failures))
  else if (body.read && body.decoded !== undefined) proxy.record?.(compiled, parts, { status: forwarded.status, headers: forwarded.headers, body: body.decoded })
  void reply.code(forwarded.status).headers(forwarded.headers).send(passedOn(body, forwarded.headers['content-type'] !== undefined))
  return true
}

/**
 * The body as the backend sent it. Without a Content-Type, not as a Buffer, to which Fastify
 * would add `application/octet-stream`: nothing (no body), or a stream of it.
 */
function passedOn (body: BackendBody, typed: boolean): Buffer | Readable | undefined {
  if (!body.read) return body.stream
  if (typed) return body.sent
  return body.sent.length === 0 ? undefined : Readable.from([body.sent])
}

/** The 502 or 504 problem: the backend could not be reached, or did not answer in time. */
function unanswered (reply: FastifyReply, { reason, message }: Unanswered): true {
  void sendProblem(reply, reason === 'timeout'
    ? problem('gateway-timeout', `The backend did not answer in time: ${message}.`)
    : problem('bad-gateway', `The backend cannot be reached: ${message}.`))
  return true
}

/** The answer against the spec: its body decoded, when it was read; a body that cannot be decoded is a violation of its own. */
function checkAnswer (compiled: CompiledOperation, method: string, forwarded: Forwarded & { ok: true }, body: BackendBody): CaseFailure[] {
  const contentType = forwarded.headers['content-type']
  const failures = compiled.checkResponse()({
    method,
    expectedStatus: undefined,
    scenario: undefined,
    bodyRead: body.read && body.decoded !== undefined,
    response: {
      status: forwarded.status,
      ...(typeof contentType === 'string' ? { contentType } : {}),
      headers: Object.fromEntries(Object.entries(forwarded.headers).map(([name, value]) => [name, joined(value)!])),
      body: body.read && body.decoded !== undefined ? body.decoded.toString('utf8') : ''
    }
  })
  if (body.read && body.decoded === undefined) {
    failures.push({ kind: 'body-unparsable', message: `the ${forwarded.status} body cannot be decoded (${body.undecodable})`, expected: `a body in ${joined(forwarded.headers['content-encoding'])}`, actual: `${body.sent.length} bytes that are not` })
  }
  return failures
}
