import { once } from '../once.js'
import { fakeValue, toSeed } from './fake-value.js'
import { negotiate } from './negotiate.js'
import type { Violation } from '../validate/violations.js'
import { bodyViolations, type PreparedResponse } from './prepare-responses.js'
import { problem, type Problem } from './problem.js'
import { answerValues, type TemplateRequest } from './render-template.js'
import { serializeBody } from './serialize-body.js'

/** A response ready to go on the wire: everything but the delay and the fault. */
export interface Rendered {
  status: number
  /** The documented headers: the prepared object itself, never copied per request (but for a fixture's templated ones). */
  headers: Readonly<Record<string, string>>
  /** What this request adds (x-mock-scenario, x-mock-violations), sent after `headers`. */
  extraHeaders: Readonly<Record<string, string>> | undefined
  contentType: string | undefined
  body: Buffer | undefined
  /** Where this response differs from the spec (worked out at start for static bodies). */
  violations: readonly Violation[]
  /** Where the body comes from, for messages (see PreparedBody.source). */
  source: string
  /** The scenario could not be sent in any acceptable media type: this is the 406 instead. */
  notAcceptable?: true
}

export interface RenderOptions {
  status: number
  /** The example to send; the response's first one when absent or unknown to a media type. */
  exampleName: string | undefined
  accept: string | undefined
  /** Fake the body from the schema instead of sending the example. */
  dynamic: boolean
  seed: string | undefined
  headers?: Record<string, string>
  /** What a templated fixture reads; only a templated fixture reads it. */
  request: TemplateRequest
}

/**
 * Negotiates the media type and picks the pre-serialised body (or fakes a fresh one).
 * An unsatisfiable Accept is 406 for a success; an error response is sent in its first
 * media type anyway, as real servers do (RFC 9110 §12.1 lets a server disregard Accept).
 */
export async function renderPrepared (response: PreparedResponse, options: RenderOptions): Promise<Rendered> {
  const extraHeaders = options.headers
  const status = options.status
  // One answer's values: made only for a templated fixture, shared by its headers and body.
  const evaluate = once(() => answerValues(options.request))
  const available = response.media.map((media) => media.mediaType)
  const chosen = available.length === 0 ? undefined : negotiate(options.accept, available)
  // Before any template is rendered: a 406 is no answer of the fixture's, and counts nothing.
  if (available.length > 0 && chosen === undefined && status < 400) {
    return { ...renderProblem(problem('not-acceptable', `This response is available as ${available.join(', ')}, not as ${options.accept ?? ''}`, { available })), notAcceptable: true }
  }
  const templated = response.renderHeaders?.(evaluate())
  const headers = templated?.headers ?? response.headers
  const headerViolations = templated?.violations ?? response.headerViolations
  if (available.length === 0) {
    return { status, headers, extraHeaders, contentType: undefined, body: undefined, violations: headerViolations, source: response.source ?? `spec response ${response.statusKey}` }
  }
  const media = response.media.find((entry) => entry.mediaType === chosen) ?? response.media[0]!
  const prepared = (options.exampleName === undefined ? undefined : media.bodies.get(options.exampleName)) ?? media.defaultBody
  let { bytes, violations } = prepared
  // A fixture answers for everything it sends; a faked body for itself.
  let source = response.source ?? prepared.source
  if (options.dynamic && media.schema !== undefined) {
    const seed = options.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : toSeed(options.seed)
    const value = await fakeValue(media.schema, seed, media.fakeOptions)
    bytes = serializeBody(value, media.mediaType, media.schema, media.rootName)
    violations = bodyViolations(media.validate, value)
    source = `faker (seed ${seed})`
  } else if (prepared.render !== undefined) {
    ({ bytes, violations } = prepared.render(evaluate()))
  }
  if (headerViolations.length > 0) violations = [...headerViolations, ...violations]
  return { status, headers, extraHeaders, contentType: media.mediaType, body: bytes, violations, source }
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})

/** understudy's own answer (not the API's): there is no spec to check it against. */
export function renderProblem (body: Problem, extraHeaders?: Record<string, string>): Rendered {
  return { status: body.status, headers: NO_HEADERS, extraHeaders, contentType: 'application/problem+json', body: Buffer.from(JSON.stringify(body)), violations: [], source: 'understudy' }
}
