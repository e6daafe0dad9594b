import type { FastifyInstance, FastifyReply } from 'fastify'
import { BODY_KEPT, keptBody, type JournalQuery, type Recorded, type RequestJournal } from '../journal/request-journal.js'
import { CONTROL_PREFIX } from '../openapi/index-operations.js'
import { problem, sendProblem } from '../respond/problem.js'
import { answeredBy, bodyOf } from '../routes/answered-by.js'
import { sessionIdOf } from '../routes/read-mock-headers.js'
import { DEFAULT_SESSION } from '../session/session-store.js'
import { isControlRequest, isPreflight } from './guard-control.js'
import type { RedisJournal } from '../store/redis-journal.js'
import { sessionOf } from './register-coverage-routes.js'

/** Media types whose bytes the journal shows as text; others as their size. */
const TEXTUAL = /^(text\/|application\/(x-www-form-urlencoded|[\w.+-]*(json|xml|yaml))|multipart\/)/i

interface RequestsQuery { Querystring: { session?: string | string[], operationId?: string | string[], limit?: string | string[], after?: string | string[] } }

/**
 * Every request to the operations (not to `/__mock`, nor a browser's CORS preflight, which
 * the app did not send and no operation answers) goes in the journal once answered;
 * `GET /__mock/requests[?session=&operationId=&limit=&after=]` lists them newest first
 * (100 unless `limit` says more, up to the journal's size; `after=<id>`: only newer ones,
 * for a page that polls), `DELETE /__mock/requests` forgets them.
 */
export function registerJournalRoutes (app: FastifyInstance, journal: RequestJournal, shared: RedisJournal | undefined): void {
  // A journal of no size records nothing: no hook on the requests' path.
  if (journal.size > 0) app.addHook('onResponse', (request, reply, done) => {
    const note = answeredBy(request)
    if (!isControlRequest(request, app.prefix) && !(note === undefined && isPreflight(request))) {
      const raw = bodyOf(request)
      const recorded: Recorded = {
        at: Date.now(),
        session: note?.session ?? sessionIdOf(request.headers) ?? DEFAULT_SESSION,
        method: request.method,
        url: request.url,
        operationId: note?.operationId,
        scenario: reply.getHeader('x-mock-scenario') as string | undefined,
        backend: note?.backend,
        status: reply.statusCode,
        durationMs: reply.elapsedTime,
        headers: request.headers,
        body: raw === undefined ? undefined : typeof raw === 'string' ? keptBody(raw) : bytesKept(raw, request.headers['content-type']),
        violations: reply.getHeader('x-mock-violations') as string | undefined,
        responseViolations: reply.getHeader('x-mock-response-violations') as string | undefined
      }
      journal.record(recorded)
    }
    done()
  })
  app.get<RequestsQuery>(`${CONTROL_PREFIX}/requests`, async (request, reply) => {
    const query = journalQuery(request.query, journal.size, reply)
    if (query === false) return reply
    return reply.type('application/json').send(JSON.stringify(shared === undefined ? journal.list(query) : await shared.list(query)))
  })
  app.delete(`${CONTROL_PREFIX}/requests`, async (_request, reply) => {
    journal.clear()
    await shared?.clear()
    return reply.code(204).send()
  })
}

function bytesKept (bytes: Buffer, type: string | undefined): { text: string, truncated: boolean } {
  if (!TEXTUAL.test(type ?? '')) return { text: `(${bytes.length} bytes of ${type ?? 'no media type'})`, truncated: false }
  return { text: bytes.toString('utf8', 0, Math.min(bytes.length, BODY_KEPT)), truncated: bytes.length > BODY_KEPT }
}

/** The query as the journal takes it; false when a value cannot be (the 400 is sent). */
function journalQuery (query: RequestsQuery['Querystring'], size: number, reply: FastifyReply): JournalQuery | false {
  const session = sessionOf(query.session, reply)
  if (session === false) return false
  const number = (name: 'limit' | 'after', value: string | string[] | undefined, least: number, most: number): number | undefined | false => {
    if (value === undefined) return undefined
    const parsed = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : NaN
    if (parsed >= least && parsed <= most) return parsed
    sendProblem(reply, problem('bad-request', `${name} must be a whole number from ${least} to ${most}, not '${String(value)}'.`))
    return false
  }
  const limit = number('limit', query.limit, 1, Math.max(size, 1))
  if (limit === false) return false
  const after = number('after', query.after, 0, Number.MAX_SAFE_INTEGER)
  if (after === false) return false
  if (Array.isArray(query.operationId)) {
    sendProblem(reply, problem('bad-request', 'operationId may be given once.'))
    return false
  }
  return { session, operationId: query.operationId, limit: limit ?? Math.min(100, size), after }
}
