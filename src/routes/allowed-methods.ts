import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import FindMyWay from 'find-my-way'
import { routeShape } from '../openapi/index-operations.js'
import { problem, sendProblem } from '../respond/problem.js'
import { once } from '../once.js'
import type { MockOperation } from './operation-registry.js'

// OPTIONS stays with @fastify/cors (preflight) unless documented; HEAD comes free with GET.
const ANSWERED_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] as const

/** A documented path: its Fastify URL and the methods it documents. */
export interface KnownPath { url: string, methods: ReadonlySet<string> }

/** Answers a request for a known path with a method it does not document: 405, with Allow. */
export type AnswerWrongMethod = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined

/** Each documented path (keyed by its shape: /a/{id} and /a/{name} are one route to Fastify) with its methods. */
export function knownPaths (operations: readonly MockOperation[]): Map<string, KnownPath> {
  const paths = new Map<string, { url: string, methods: Set<string> }>()
  for (const { operation: { method, url, path } } of operations) {
    const shape = routeShape(path)
    const known = paths.get(shape) ?? { url, methods: new Set<string>() }
    paths.set(shape, known)
    known.methods.add(method.toUpperCase())
  }
  return paths
}

/**
 * Where the mock answers unknown paths, a request whose path is documented for other
 * methods is told so there: the paths go in a router of their own (find-my-way, as
 * Fastify's, with its options), made on the first request no route takes. A route per
 * undocumented method of each path was 3,500 routes on GitHub's spec, a third of its start.
 */
export function wrongMethodAnswer (app: FastifyInstance, paths: ReadonlyMap<string, KnownPath>, cors: boolean): AnswerWrongMethod {
  const router = once(() => {
    const { caseSensitive, routerOptions } = app.initialConfig as { caseSensitive?: boolean, routerOptions?: object }
    const made = FindMyWay({ caseSensitive, ...routerOptions })
    for (const { url, methods } of paths.values()) made.on('GET', `${app.prefix}${url}`, () => {}, methods)
    return made
  })
  return (request, reply) => {
    const found = router().find('GET', request.url)
    if (found === null) return undefined
    const methods = found.store as ReadonlySet<string>
    if (methods.has(request.method) || !undocumented(methods, cors).includes(request.method)) return undefined
    return answer(reply, request.method, methods)
  }
}

/** Where the host app answers unknown paths (a plugin without a prefix): a 405 route per path for its other methods. */
export function registerWrongMethodRoutes (app: FastifyInstance, paths: ReadonlyMap<string, KnownPath>, cors: boolean): void {
  for (const { url, methods } of paths.values()) {
    app.route({ method: undocumented(methods, cors), url, handler: async (request, reply) => answer(reply, request.method, methods) })
  }
}

/** The methods a path is answered 405 for. Without CORS, an undocumented OPTIONS is a method like any other. */
function undocumented (methods: ReadonlySet<string>, cors: boolean): string[] {
  const answered = cors ? ANSWERED_METHODS : [...ANSWERED_METHODS, 'OPTIONS']
  return answered.filter((method) => !methods.has(method) && !(method === 'HEAD' && methods.has('GET')))
}

function answer (reply: FastifyReply, method: string, methods: ReadonlySet<string>): FastifyReply {
  const allow = [...methods].sort()
  reply.header('allow', allow.join(', '))
  return sendProblem(reply, problem('method-not-allowed', `${method} is not allowed here; use ${allow.join(', ')}`, { allow }))
}
