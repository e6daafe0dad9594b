import type { FastifyInstance } from 'fastify'
import { problem, sendProblem } from '../respond/problem.js'
import type { CompiledOperation } from './compile-operation.js'
import { createOperationHandler } from './handle-operation.js'

// OPTIONS stays with @fastify/cors (preflight); HEAD comes free with GET.
const ANSWERED_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] as const

/** One route per operation, then a 405 route for the other methods of each known path. */
export function registerOperationRoutes (app: FastifyInstance, operations: readonly CompiledOperation[]): void {
  const methodsByUrl = new Map<string, Set<string>>()
  for (const compiled of operations) {
    const { method, url } = compiled.operation
    app.route({ method: method.toUpperCase(), url, handler: createOperationHandler(compiled) })
    const methods = methodsByUrl.get(url) ?? new Set<string>()
    methods.add(method.toUpperCase())
    methodsByUrl.set(url, methods)
  }
  for (const [url, methods] of methodsByUrl) {
    const others = ANSWERED_METHODS.filter((method) => !methods.has(method) && !(method === 'HEAD' && methods.has('GET')))
    const allow = [...methods].sort().join(', ')
    app.route({
      method: others,
      url,
      handler: async (request, reply) => {
        reply.header('allow', allow)
        return sendProblem(reply, problem('method-not-allowed', `${request.method} is not allowed here; use ${allow}`, { allow: [...methods].sort() }))
      }
    })
  }
}
