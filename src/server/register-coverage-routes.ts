import type { FastifyInstance, FastifyReply } from 'fastify'
import type { CoverageRecorder, CoverageReport } from '../coverage/coverage-recorder.js'
import { PLAIN_NAME_HINT, isPlainName } from '../fixture/fixture-format.js'
import { problem, sendProblem } from '../respond/problem.js'
import { CONTROL_PREFIX } from '../openapi/index-operations.js'

interface SessionQuery { Querystring: { session?: string | string[] } }

/** Coverage as the control surface reads and resets it: this process's, or a shared store's. */
export interface CoverageControl {
  report: (session?: string) => Promise<CoverageReport>
  reset: (session?: string) => Promise<void>
}

export function localCoverage (coverage: CoverageRecorder): CoverageControl {
  return { report: async (session) => await coverage.report(session), reset: async (session) => { coverage.reset(session) } }
}

/**
 * `GET /__mock/coverage[?session=<id>]`: what was served and never served;
 * `DELETE /__mock/coverage[?session=<id>]`: forget it (between test files, say).
 */
export function registerCoverageRoutes (app: FastifyInstance, coverage: CoverageControl): void {
  app.get<SessionQuery>(`${CONTROL_PREFIX}/coverage`, async (request, reply) => {
    const session = sessionOf(request.query.session, reply)
    if (session === false) return reply
    return reply.type('application/json').send(JSON.stringify(await coverage.report(session)))
  })
  app.delete<SessionQuery>(`${CONTROL_PREFIX}/coverage`, async (request, reply) => {
    const session = sessionOf(request.query.session, reply)
    if (session === false) return reply
    await coverage.reset(session)
    return reply.code(204).send()
  })
}

/** The `session` query parameter; false when it is not one session id (the 400 is sent). */
export function sessionOf (value: string | string[] | undefined, reply: FastifyReply): string | undefined | false {
  if (value === undefined || (typeof value === 'string' && isPlainName(value))) return value
  sendProblem(reply, problem('invalid-session', `'${String(value)}' is not a session id: ${PLAIN_NAME_HINT}`, { errors: [`session must be ${PLAIN_NAME_HINT}`] }))
  return false
}
