import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { problem, sendProblem } from '../respond/problem.js'
import { requestBodyTypes, routeShape, specParams } from '../openapi/index-operations.js'
import { matchMediaType } from '../validate/media-type.js'
import type { UnderstudyError } from '../errors.js'
import type { CompiledOperation } from './compile-operation.js'
import type { KnownPath } from './allowed-methods.js'
import type { MockOperation, OperationRegistry } from './operation-registry.js'
import { createOperationHandler, type MockContext } from './handle-operation.js'

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>

/**
 * One route per method and path (`paths`: each one's documented methods). Operations that
 * share a method and path (told apart by a query parameter or header, AWS style) share a
 * route that picks the first whose discriminator matches.
 */
export function registerOperationRoutes (app: FastifyInstance, operations: OperationRegistry, paths: ReadonlyMap<string, KnownPath>, context: MockContext): void {
  const routes = new Map<string, MockOperation[]>()
  for (const entry of operations.list) {
    const key = `${entry.operation.method} ${routeShape(entry.operation.path)}`
    routes.set(key, [...(routes.get(key) ?? []), entry])
  }
  for (const candidates of routes.values()) {
    const { method, path, url } = candidates[0]!.operation
    const declaresHead = paths.get(routeShape(path))?.methods.has('HEAD') === true
    const handler = candidates.length === 1 ? lazyHandler(candidates[0]!, context) : dispatch(candidates, url, context)
    app.route({
      method: method.toUpperCase(),
      url,
      // A spec that declares HEAD itself keeps it from the GET's automatic HEAD route.
      exposeHeadRoute: !declaresHead,
      // @fastify/cors answers every OPTIONS; a documented one that is no preflight is ours (see answerDocumentedOptions).
      config: (method === 'options' ? { documentedOptions: handler } : {}) as FastifyContextConfig,
      handler
    })
  }
}

/**
 * The operation's handler, made when its first request comes (compiling the operation,
 * once: requests that race it wait for the same compilation). An operation that cannot be
 * compiled answers every request with a 500 problem naming why.
 */
function lazyHandler (entry: MockOperation, context: MockContext): Handler {
  if (entry.ready !== undefined) return createOperationHandler(entry.ready, context)
  let handler: Handler | undefined
  const first = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      handler ??= createOperationHandler(await entry.compiled(), context)
    } catch (error) {
      return cannotBeMocked(reply, entry, error)
    }
    return await handler(request, reply)
  }
  // Once compiled, a request costs one check more than an operation compiled at start.
  return async (request, reply) => await (handler === undefined ? first(request, reply) : handler(request, reply))
}

function cannotBeMocked (reply: FastifyReply, entry: MockOperation, error: unknown): FastifyReply {
  const { message, pointer } = error as UnderstudyError
  return sendProblem(reply, problem('invalid-operation', `${message}${pointer === undefined ? '' : ` (at ${pointer})`}`, { operationId: entry.operationId }))
}

interface Candidate { compiled: CompiledOperation, handler: Handler }

/**
 * An onRequest hook, added before @fastify/cors (which answers every OPTIONS request as a
 * preflight): an OPTIONS request that is not a preflight (no Access-Control-Request-Method)
 * to a documented OPTIONS operation is answered by that operation, as documented.
 */
export async function answerDocumentedOptions (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] !== undefined) return undefined
  const handler = (request.routeOptions.config as { documentedOptions?: Handler }).documentedOptions
  return handler === undefined ? undefined : await handler(request, reply)
}

/**
 * Of the candidates whose path parameters the request's values match (else all of them):
 * the handler of the first whose discriminator holds (each named query parameter or
 * header is there, with the value given), else of the first whose request body takes the
 * request's Content-Type, else of the first without a discriminator, else of the first.
 * Path parameters are renamed, by position, to the chosen one's names.
 */
function dispatch (entries: readonly MockOperation[], url: string, context: MockContext): Handler {
  let compiled: Promise<Handler> | undefined
  return async (request, reply) => {
    let handler: Handler
    try {
      handler = await (compiled ??= compileCandidates(entries, url, context))
    } catch (error) {
      return cannotBeMocked(reply, entries[0]!, error)
    }
    return await handler(request, reply)
  }
}

/**
 * Every candidate of a shared route compiled (the choice between them reads their
 * validators), then the dispatcher among those that compiled; when none did, the first one's problem.
 */
async function compileCandidates (entries: readonly MockOperation[], url: string, context: MockContext): Promise<Handler> {
  const settled = await Promise.allSettled(entries.map(async (entry) => await entry.compiled()))
  const candidates = settled.flatMap((outcome) => outcome.status === 'fulfilled' ? [{ compiled: outcome.value, handler: createOperationHandler(outcome.value, context) }] : [])
  if (candidates.length === 0) throw (settled[0] as PromiseRejectedResult).reason
  return chooseCandidate(candidates, url)
}

function chooseCandidate (candidates: readonly Candidate[], url: string): Handler {
  const routeParams = paramNames(url)
  const renames = new Map(candidates.map(({ compiled }) => {
    const own = paramNames(compiled.operation.url)
    return [compiled, own.join() === routeParams.join() ? undefined : own] as const
  }))
  const paramsFor = (compiled: CompiledOperation, values: Record<string, string>): Record<string, string> => {
    const own = renames.get(compiled)
    return own === undefined ? values : Object.fromEntries(own.map((name, index) => [name, values[routeParams[index]!]!]))
  }
  const bodyTypes = new Map(candidates.map(({ compiled }) => [compiled, requestBodyTypes(compiled.operation)] as const))
  const takes = (compiled: CompiledOperation, contentType: string | undefined): boolean =>
    contentType !== undefined && matchMediaType(bodyTypes.get(compiled) ?? [], contentType) !== undefined
  return async (request, reply) => {
    const values = request.params as Record<string, string>
    const matching = candidates.filter(({ compiled }) => compiled.validateRequest.pathMatches(specParams(compiled.operation, paramsFor(compiled, values))))
    const viable = matching.length > 0 ? matching : candidates
    const contentType = request.headers['content-type']
    const chosen = viable.find(({ compiled }) => compiled.operation.discriminator.length > 0 && holds(compiled, request)) ??
      viable.find(({ compiled }) => takes(compiled, contentType)) ??
      viable.find(({ compiled }) => compiled.operation.discriminator.length === 0) ?? viable[0]!
    request.params = paramsFor(chosen.compiled, values)
    return await chosen.handler(request, reply)
  }
}

function holds ({ operation }: CompiledOperation, request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown>
  return operation.discriminator.every(([name, value]) => {
    const given = query[name] ?? request.headers[name.toLowerCase()]
    if (given === undefined) return false
    return value === '' || given === value || (Array.isArray(given) && given.includes(value))
  })
}

/** `/a/:id/b/:p0([^/:]+)` → ['id', 'p0']; `::` is a literal colon. */
function paramNames (url: string): string[] {
  return [...url.matchAll(/(?<!:):(?!:)(\w+)/g)].map((match) => match[1]!)
}
