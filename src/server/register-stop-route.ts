import type { FastifyInstance } from 'fastify'
import { problem, sendProblem } from '../respond/problem.js'
import { CONTROL_PREFIX } from '../openapi/index-operations.js'
import { isLoopbackAddress } from './guard-control.js'

/**
 * `POST /__mock/stop`, for `understudy stop`: from this machine only, and never from a web
 * page (a browser always sends Origin with a cross-origin POST; the CLI sends none). The
 * answer goes out before the server closes.
 */
export function registerStopRoute (app: FastifyInstance, stop: () => void): void {
  app.post(`${CONTROL_PREFIX}/stop`, async (request, reply) => {
    if (!isLoopbackAddress(request.ip) || request.headers.origin !== undefined) {
      return sendProblem(reply, problem('forbidden', 'The mock is stopped from this machine, with `understudy stop`, not from a web page or another host.'))
    }
    reply.raw.once('finish', stop)
    return reply.code(202).type('application/json').send('{"status":"stopping"}')
  })
}
