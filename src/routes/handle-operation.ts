import { parseCookie } from 'cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import type { CoverageRecorder } from '../coverage/coverage-recorder.js'
import type { ScenarioSet } from '../fixture/compile-scenario-sets.js'
import { specParams } from '../openapi/index-operations.js'
import { answerFromBackend, wantsMock, type MockProxy } from '../proxy/answer-from-backend.js'
import { deliver } from '../respond/deliver.js'
import { problem, quoted, sendProblem } from '../respond/problem.js'
import type { PreparedResponse } from '../respond/prepare-responses.js'
import { renderPrepared, renderProblem, type Rendered } from '../respond/render-response.js'
import type { TemplateRequest } from '../respond/render-template.js'
import type { Scenario } from '../scenario/collect-scenarios.js'
import { parsePrefer, single } from '../scenario/parse-headers.js'
import { preferredScenario, selectScenario, type SelectionHeaders } from '../scenario/select-scenario.js'
import { readState, type Session, type SessionStore } from '../session/session-store.js'
import type { RequestParts } from '../validate/compile-request-validator.js'
import { noteOperation } from './answered-by.js'
import { undecodableQuery } from '../validate/undecodable-query.js'
import { FULLY_CHECKED_VALUES, type Violation } from '../validate/violations.js'
import type { CompiledOperation } from './compile-operation.js'
import type { RedisSessions } from '../store/redis-sessions.js'
import { readMockHeaders, type MockControls } from './read-mock-headers.js'
import { describeSecurity, reportViolations, violationsHeader } from './report-violations.js'

/** What every operation shares: scenario sets, sessions, the delay cap, strictness, faking defaults and coverage. */
export interface MockContext {
  sets: ReadonlyMap<string, ScenarioSet>
  sessions: SessionStore
  maxDelayMs: number
  /** Aborted when the server closes, ending pending delays. */
  closing: AbortSignal
  /** A response that does not match the spec becomes a 500 `invalid-response` instead. */
  strict: boolean
  /** @fastify/cors answers every OPTIONS (`--no-cors`: false). */
  cors: boolean
  /** `--dynamic`: fake every body unless the request says `x-mock-dynamic: false`. */
  dynamic: boolean
  /** `--seed`: the seed of faked bodies when the request names none. */
  seed: string | undefined
  coverage: CoverageRecorder
  /** `--proxy`: requests go to the backend unless they ask for the mock's answer. */
  proxy: MockProxy | undefined
  /** `--store`: sessions' state in Redis, read and written around the answers of fixtures that use it. */
  shared: RedisSessions | undefined
}

interface Answer {
  rendered: Rendered
  /** The documented response that answered, and its scenario's name; absent for understudy's own answers. */
  served?: { response: PreparedResponse, name: string }
  /** The scenario that answered, when one did (not for a refused request). */
  scenario?: Scenario
}

/**
 * route → decodable query → mock headers → security check → request validation → select scenario → render
 * → validate the response → record state and coverage → deliver (delay, fault).
 */
export function createOperationHandler (compiled: CompiledOperation, context: MockContext) {
  return async function handleOperation (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const note = noteOperation(request, compiled.operationId)
    const undecodable = undecodableQuery(request.url)
    if (undecodable !== undefined) return sendProblem(reply, problem('bad-request', `The query string cannot be decoded: '${undecodable}' is not valid percent-encoding.`))
    const read = readMockHeaders(request.headers, context.maxDelayMs)
    if (!read.ok) return sendProblem(reply, read.problem)
    const { controls } = read
    note.session = controls.sessionId
    const parts = toRequestParts(request, compiled)
    const { shared } = context
    const reads = compiled.stateReads
    let session = shared !== undefined && reads !== undefined
      ? await shared.read(controls.sessionId, reads.keys(parts), reads.counter)
      : context.sessions.find(controls.sessionId)
    const template: TemplateRequest = {
      parts,
      method: request.method,
      url: request.url,
      readParameters: (location) => compiled.validateRequest.readParameters(parts, location),
      nextCount: () => context.sessions.count(session ??= context.sessions.open(controls.sessionId))
    }
    if (context.proxy !== undefined && !wantsMock(compiled, request, session, context.sets) &&
      await answerFromBackend(context.proxy, compiled, request, reply, parts, context.strict)) return reply
    const answered = holdToContract(compiled, await answer(compiled, context, request.headers, template, controls, session), context.strict)
    const { rendered, served } = answered
    const fixture = answered.scenario?.fixture
    const recorded = fixture?.state === undefined ? undefined : { key: fixture.state.key(parts), value: fixture.state.value }
    if (recorded !== undefined) {
      // Shared: written before the answer goes, so the next request, on any replica, sees it.
      if (shared !== undefined) await shared.write(controls.sessionId, recorded.key, recorded.value)
      else context.sessions.record(session ?? context.sessions.open(controls.sessionId), recorded.key, recorded.value)
    }
    const fault = controls.fault ?? fixture?.fault
    if (served !== undefined && (fault === undefined || fault === 'none')) {
      context.coverage.record(controls.sessionId, compiled.operationId, served.response.statusKey, served.name)
    }
    const delayMs = controls.delayMs ?? (fixture?.delayMs === undefined ? undefined : Math.min(fixture.delayMs, context.maxDelayMs))
    return await deliver(reply, rendered, { delayMs, fault: fault === 'none' ? undefined : fault, closing: context.closing })
  }
}

/**
 * Response validation. The violations of static bodies were worked out at start, so a
 * conforming response costs one length check. A violation is reported in
 * `x-mock-response-violations`, or, strict, the response is replaced by a 500 naming its source.
 */
function holdToContract (compiled: CompiledOperation, answered: Answer, strict: boolean): Answer {
  const { rendered, served } = answered
  const { violations } = rendered
  if (served === undefined || violations.length === 0) return answered
  if (!strict) {
    return { ...answered, rendered: { ...rendered, extraHeaders: { ...rendered.extraHeaders, 'x-mock-response-violations': violationsHeader(violations) } } }
  }
  const count = `${violations.length} violation${violations.length === 1 ? '' : 's'}`
  const detail = `The ${rendered.source} does not match ${compiled.operationId}'s ${served.response.statusKey} response in the spec: ${count}.`
  const body = problem('invalid-response', detail, { operationId: compiled.operationId, source: rendered.source, response: served.response.statusKey, scenario: served.name, errors: violations })
  return { rendered: renderProblem(body, rendered.extraHeaders) }
}

async function answer (
  compiled: CompiledOperation,
  context: MockContext,
  headers: IncomingHttpHeaders,
  template: TemplateRequest,
  controls: MockControls,
  session: Session | undefined
): Promise<Answer> {
  const { parts } = template
  const accept = headers.accept
  const extra: Record<string, string> = {}
  if (controls.validate === 'on') {
    const refusal = await refuse(compiled, template, headers)
    if (refusal !== undefined) return refusal
  } else if (controls.validate === 'report') {
    const violations = reportViolations(compiled, parts)
    if (violations.length > 0) extra['x-mock-violations'] = violationsHeader(violations)
  }

  const selection = selectScenario(compiled, {
    headers: headers as SelectionHeaders,
    sets: context.sets,
    defaults: context,
    session,
    matches: (scenario) => scenario.fixture?.when?.(parts, (key) => readState(session, key)) === true
  })
  if (!selection.ok) {
    const scenarios = compiled.scenarios.map((scenario) => scenario.name)
    const sets = [...context.sets.keys()]
    return {
      rendered: renderProblem(problem('unknown-scenario', `${compiled.operationId} has no scenario ${quoted(selection.requested)}. Known: ${scenarios.join(', ')}`, { operationId: compiled.operationId, scenarios, sets }), extra)
    }
  }
  const { scenario } = selection
  extra['x-mock-scenario'] = scenario.name
  const rendered = await renderPrepared(scenario.response, {
    status: selection.status,
    // A status scenario sends the response's default body; a fixture's body is stored under its name.
    exampleName: scenario.source === 'status' ? undefined : scenario.exampleName ?? scenario.name,
    accept,
    dynamic: selection.dynamic,
    seed: selection.seed,
    headers: extra,
    request: template
  })
  // A 406 did not answer with the scenario: it records nothing.
  if (rendered.notAcceptable === true) return { rendered }
  return { rendered, scenario, served: { response: scenario.response, name: scenario.name } }
}

/**
 * The API's own answer to a request without credentials or that fails validation
 * (`Prefer: code=422, example=x` may pick another documented 4xx); undefined when it passes.
 */
async function refuse (compiled: CompiledOperation, template: TemplateRequest, headers: IncomingHttpHeaders): Promise<Answer | undefined> {
  const { parts } = template
  const accept = headers.accept
  if (!compiled.checkSecurity(parts)) {
    const response = compiled.unauthorizedResponse
    if (response === undefined) return { rendered: renderProblem(problem('unauthorized', `${compiled.operationId} requires credentials: ${describeSecurity(compiled)}`)) }
    return await answerWith(response, undefined, template, accept)
  }
  const check = compiled.validateRequest(parts)
  if (check.ok) return undefined
  if (check.kind === 'unsupported-media-type') {
    const detail = check.supported.length === 0
      ? `${compiled.operationId} takes no request body, and this request has one (Content-Type: ${check.contentType})`
      : `${compiled.operationId} accepts ${check.supported.join(', ')}, not ${check.contentType}`
    return { rendered: renderProblem(problem('unsupported-media-type', detail, { supported: check.supported })) }
  }
  const violations = { 'x-mock-violations': violationsHeader(check.violations) }
  const preferred = preferredScenario(compiled, parsePrefer(single(headers.prefer)))
  if (preferred !== undefined && preferred.response.status >= 400 && preferred.response.status < 500) {
    return await answerWith(preferred.response, preferred.exampleName, template, accept, violations)
  }
  const response = compiled.invalidRequestResponse
  if (response === undefined) {
    return { rendered: renderProblem(problem('invalid-request', `The request does not match ${compiled.operationId}: ${describeCount(check)}.`, { errors: check.violations })) }
  }
  const example = check.malformed ? response.malformedExample : response.invalidExamples[check.violations[0]?.in ?? '']
  return await answerWith(response, example, template, accept, violations)
}

/** How many violations an invalid-request problem has, and how many it lists. */
function describeCount ({ count, violations, partial }: { count: number, violations: readonly Violation[], partial: boolean }): string {
  const counted = `${count} violation${count === 1 ? '' : 's'}`
  if (partial) return `at least ${counted} (a body of more than ${FULLY_CHECKED_VALUES} values is checked up to its first)`
  return violations.length < count ? `${counted} (the first ${violations.length} listed)` : counted
}

/** A documented response, in its named example (else its default answer), outside scenario selection. */
async function answerWith (
  response: PreparedResponse,
  exampleName: string | undefined,
  request: TemplateRequest,
  accept: string | undefined,
  headers: Record<string, string> = {}
): Promise<Answer> {
  const name = exampleName !== undefined && response.exampleNames.includes(exampleName) ? exampleName : response.defaultExample ?? response.statusKey
  const rendered = await renderPrepared(response, { status: response.status, exampleName, accept, dynamic: false, seed: undefined, headers: { ...headers, 'x-mock-scenario': name }, request })
  return { rendered, served: { response, name } }
}


function toRequestParts (request: FastifyRequest, { parseCookies, operation, validateRequest }: CompiledOperation): RequestParts {
  const cookieHeader = request.headers.cookie
  const contentType = request.headers['content-type']
  return {
    params: specParams(operation, request.params as Record<string, string>),
    query: request.query as Record<string, unknown>,
    headers: request.headers,
    cookies: parseCookies && cookieHeader !== undefined ? parseCookie(cookieHeader) : {},
    contentType,
    // Form and multipart bodies of a declared type become their fields; others stay as parsed.
    body: validateRequest.readBody(request.body, contentType)
  }
}


