import type { FastifyReply } from 'fastify'

/** understudy's own answers, each with a stable RFC 9457 `type`. */
export const PROBLEMS = {
  'invalid-request': { status: 400, title: 'Invalid request' },
  'bad-request': { status: 400, title: 'Bad request' },
  'invalid-mock-header': { status: 400, title: 'Invalid mock header' },
  'invalid-session': { status: 400, title: 'Invalid session' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  'unknown-scenario': { status: 404, title: 'Unknown scenario' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'not-acceptable': { status: 406, title: 'Not acceptable' },
  'request-timeout': { status: 408, title: 'Request timeout' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'uri-too-long': { status: 414, title: 'URI too long' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'expectation-failed': { status: 417, title: 'Expectation failed' },
  'header-too-large': { status: 431, title: 'Request header fields too large' },
  'invalid-response': { status: 500, title: 'Invalid response' },
  internal: { status: 500, title: 'Internal error' },
  'invalid-operation': { status: 500, title: 'Operation cannot be mocked' },
  'not-implemented': { status: 501, title: 'Not implemented' },
  'bad-gateway': { status: 502, title: 'Bad gateway' },
  'store-unavailable': { status: 503, title: 'Store unavailable' },
  'gateway-timeout': { status: 504, title: 'Gateway timeout' },
  'http-version-not-supported': { status: 505, title: 'HTTP version not supported' }
} as const

export type ProblemKind = keyof typeof PROBLEMS

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  [extension: string]: unknown
}

export const PROBLEM_TYPE_PREFIX = 'urn:understudy:error:'

/** What a request sent, quoted in a problem's detail: at most 100 characters of it. */
export function quoted (value: string): string {
  return `'${value.length <= 100 ? value : `${value.slice(0, 100)}…`}'`
}

export function problem (kind: ProblemKind, detail: string, extensions: Record<string, unknown> = {}, status: number = PROBLEMS[kind].status): Problem {
  return { type: `${PROBLEM_TYPE_PREFIX}${kind}`, title: PROBLEMS[kind].title, status, detail, ...extensions }
}

/** Sent as bytes, like every API body, so the Content-Type is exactly `application/problem+json`. */
export function sendProblem (reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(Buffer.from(JSON.stringify(body)))
}
