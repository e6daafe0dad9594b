import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ScenarioSet } from '../fixture/compile-scenario-sets.js'
import { PLAIN_NAME_HINT, isPlainName } from '../fixture/fixture-format.js'
import { problem, quoted, sendProblem } from '../respond/problem.js'
import type { OperationRegistry } from '../routes/operation-registry.js'
import { scenarioNames } from '../scenario/select-scenario.js'
import type { SessionControl } from '../session/session-control.js'
import { DEFAULT_SESSION } from '../session/session-store.js'
import { CONTROL_PREFIX } from '../openapi/index-operations.js'
import { MalformedBody } from '../validate/malformed-body.js'
import { precompiled } from '../validate/precompiled.js'
import { shownFile } from './register-control-routes.js'

interface SessionChoice {
  set?: string | null
  scenarios?: Record<string, string>
}

/** A session choice's shape (precompiled: scripts/precompile-validators.js). */
export const sessionChoiceSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    set: { type: ['string', 'null'] },
    scenarios: { type: 'object', additionalProperties: { type: 'string' } }
  }
}
const checkChoice = precompiled<SessionChoice>('session-choice')

/**
 * `/__mock/sessions[/<id>]` (PUT a choice of set and scenarios, GET, DELETE),
 * `POST /__mock/reset[?session=<id>]` and `GET /__mock/scenario-sets`.
 */
export function registerSessionRoutes (
  app: FastifyInstance,
  sessions: SessionControl,
  sets: ReadonlyMap<string, ScenarioSet>,
  operations: OperationRegistry,
  fixturesRoot: string | undefined
): void {
  const json = 'application/json'
  const setList = JSON.stringify([...sets.values()].map(({ name, description, file, scenarios }) => ({ name, description, file: shownFile(fixturesRoot, file), scenarios: Object.fromEntries(scenarios) })))

  app.get(`${CONTROL_PREFIX}/scenario-sets`, async (_request, reply) => reply.type(json).send(setList))
  // A page at a time (100 by default), `default` first, then by id, each with how many state
  // entries it holds, not the entries: with 1,000 sessions of 10,000 state keys the whole list
  // would be tens of MB. `Link: <…>; rel="next"` names the next page; GET one session for its state.
  app.get<{ Querystring: { limit?: string, after?: string } }>(`${CONTROL_PREFIX}/sessions`, async (request, reply) => {
    const { limit: given, after } = request.query
    const limit = given === undefined ? SESSION_PAGE : Number(given)
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SESSION_PAGE) {
      return sendProblem(reply, problem('bad-request', `limit is a whole number from 1 to ${MAX_SESSION_PAGE}, not '${given ?? ''}'.`))
    }
    const ordered = (await sessions.list()).sort((a, b) => sortKey(a.id) < sortKey(b.id) ? -1 : 1)
    // After a session id, whether or not it is still there: a page never repeats or skips one.
    const first = after === undefined ? 0 : ordered.findIndex(({ id }) => sortKey(id) > sortKey(after))
    const start = first === -1 ? ordered.length : first
    const page = ordered.slice(start, start + limit)
    const last = page.at(-1)
    if (start + limit < ordered.length && last !== undefined) {
      reply.header('link', `<${app.prefix}${CONTROL_PREFIX}/sessions?limit=${limit}&after=${encodeURIComponent(last.id)}>; rel="next"`)
    }
    return reply.type(json).send(JSON.stringify(page))
  })

  app.get<{ Params: { id: string } }>(`${CONTROL_PREFIX}/sessions/:id`, async (request, reply) => {
    const session = await sessions.get(request.params.id)
    if (session === undefined) return sendProblem(reply, problem('not-found', `No session '${request.params.id}' (a session starts with a PUT, or when a fixture records state in it).`))
    return reply.type(json).send(JSON.stringify(session))
  })

  app.put<{ Params: { id: string } }>(`${CONTROL_PREFIX}/sessions/:id`, async (request, reply) => {
    const { id } = request.params
    if (!isPlainName(id)) return invalid(reply, [`'${id}' is not a session id: ${PLAIN_NAME_HINT}`])
    const body = request.body ?? {}
    if (Buffer.isBuffer(body)) return sendProblem(reply, problem('unsupported-media-type', 'A session choice is JSON: send Content-Type: application/json.', { supported: ['application/json'] }))
    if (body instanceof MalformedBody) return invalid(reply, [body.reason])
    const check = checkChoice()
    if (!check(body)) return invalid(reply, (check.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`))
    const errors: string[] = []
    if (typeof body.set === 'string' && !sets.has(body.set)) errors.push(`no scenario set ${quoted(body.set)} (${sets.size === 0 ? 'there are none' : `known: ${[...sets.keys()].join(', ')}`})`)
    for (const [operationId, name] of Object.entries(body.scenarios ?? {})) {
      const operation = await operations.get(operationId)?.compiled().catch(() => undefined)
      if (operation === undefined) errors.push(`no operation '${operationId}'`)
      else if (!operation.byName.has(name)) errors.push(`${operationId} has no scenario ${quoted(name)} (known: ${scenarioNames(operation).join(', ')})`)
    }
    if (errors.length > 0) return invalid(reply, errors)
    const session = await sessions.choose(id, { set: body.set ?? undefined, scenarios: new Map(Object.entries(body.scenarios ?? {})) })
    return reply.type(json).send(JSON.stringify(session))
  })

  app.delete<{ Params: { id: string } }>(`${CONTROL_PREFIX}/sessions/:id`, async (request, reply) => {
    await sessions.delete(request.params.id)
    return reply.code(204).send()
  })

  app.post<{ Querystring: { session?: string | string[] } }>(`${CONTROL_PREFIX}/reset`, async (request, reply) => {
    const { session } = request.query
    if (session !== undefined && (typeof session !== 'string' || !await sessions.exists(session))) {
      return sendProblem(reply, problem('not-found', `No session '${String(session)}' to reset.`))
    }
    await sessions.resetState(session)
    return reply.code(204).send()
  })
}

/** `default` before every other id. */
function sortKey (id: string): string {
  return id === DEFAULT_SESSION ? '' : `~${id}`
}

const SESSION_PAGE = 100
const MAX_SESSION_PAGE = 1000

function invalid (reply: FastifyReply, errors: string[]): FastifyReply {
  return sendProblem(reply, problem('invalid-session', errors.join('; '), { errors }))
}
