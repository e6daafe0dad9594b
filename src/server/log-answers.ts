import type { FastifyInstance } from 'fastify'
import { answeredBy } from '../routes/answered-by.js'

/**
 * One line per request, when it has been answered, in place of Fastify's two:
 * `POST /api/v1/posts/…/cancel 200 cancelScheduledPost/scheduled 1.3 ms`, with the same
 * as fields (method, url, status, operationId, scenario, ms) for JSON logs.
 */
export function registerAnswerLog (app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const operationId = answeredBy(request)?.operationId
    const scenario = reply.getHeader('x-mock-scenario') as string | undefined
    const ms = Math.round(reply.elapsedTime * 10) / 10
    const answer = operationId === undefined ? '' : ` ${operationId}${scenario === undefined ? '' : `/${scenario}`}`
    request.log.info({ method: request.method, url: request.url, status: reply.statusCode, operationId, scenario, ms },
      `${request.method} ${request.url} ${reply.statusCode}${answer} ${ms} ms`)
  })
}
