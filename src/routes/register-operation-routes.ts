import type { FastifyInstance } from 'fastify'
import { problem, sendProblem } from '../respond/problem.js'
import { routeShape } from '../spec/index-operations.js'
import type { CompiledOperation } from './compile-operation.js'
import { createOperationHandler, type MockContext } from './handle-operation.js'

// OPTIONS stays with @fastify/cors (preflight); HEAD comes free with GET.
const ANSWERED_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] as const

/** One route per operation, then a 405 route for the other methods of each known path. */
export function registerOperationRoutes (app: FastifyInstance, operations: readonly CompiledOperation[], context: MockContext): void {
  // Keyed by the route's shape: /a/{id} and /a/{name} are one route to Fastify.
  const routes = new Map<string, { url: string, methods: Set<string> }>()
  for (const compiled of operations) {
    const { method, url, path } = compiled.operation
    const route = routes.get(routeShape(path)) ?? { url, methods: new Set<string>() }
    route.methods.add(method.toUpperCase())
    routes.set(routeShape(path), route)
  }
  for (const compiled of operations) {
    const { method, path } = compiled.operation
    const declaresHead = routes.get(routeShape(path))?.methods.has('HEAD') === true
    app.route({
      method: method.toUpperCase(),
      url: compiled.operation.url,
      // A spec that declares HEAD itself keeps it from the GET's automatic HEAD route.
      exposeHeadRoute: !declaresHead,
      handler: createOperationHandler(compiled, context)
    })
  }
  for (const { url, methods } of routes.values()) {
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
