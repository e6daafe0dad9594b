import Fastify, { LogController, type FastifyHttpOptions, type FastifyInstance, type FastifyServerFactory, type FastifyServerOptions } from 'fastify'
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http'
import { problem, type Problem } from '../respond/problem.js'
import { answerClientError, refuseConnect } from './answer-client-error.js'
import { guardRequest } from './guard-control.js'
import { answerError, MAX_PARAM_LENGTH } from './handle-errors.js'
import { createMockStores, type MockStores } from './mock-stores.js'
import { prepareMock, type MockOptions, type PreparedMock } from './prepare-mock.js'
import { registerMock, type MockServerInfo } from './register-mock.js'
import { registerStopRoute } from './register-stop-route.js'

export interface MockServerOptions extends MockOptions {
  /** Fastify's logger option. Default: off. */
  logger?: FastifyServerOptions['logger']
  /**
   * How long a client may take to send a whole request (headers 10 s at most), in ms: a
   * body that never ends or headers dribbled a byte at a time do not hold a connection for
   * ever. Answer delays are not counted. Default: 30000.
   */
  requestTimeoutMs?: number
  /** Host names besides this machine's that a request arriving on loopback may name (DNS rebinding guard). Default: none. */
  allowedHosts?: readonly string[]
  /** Offer `POST /__mock/stop` (loopback only, never from a web page), which calls this: how `understudy stop` ends `serve`. */
  onStopRequest?: () => void
}

/** A Fastify instance that is the mock, with what it mounted in `understudy`. */
export type MockServer = FastifyInstance & { understudy: MockServerInfo }

/**
 * The mock as a server of its own: prepares everything once (see prepareMock), then mounts
 * it on a Fastify instance whose server options suit a mock. `inject()` it, or `listen()`.
 */
export async function buildMockServer (options: MockServerOptions = {}): Promise<MockServer> {
  const prepared = await prepareMock(options)
  const app = Fastify(fastifyOptions(options))
  wireHttpServer(app.server, options)
  const stores = await createMockStores(options)
  app.addHook('onClose', async () => { await stores.close() })
  try {
    return await mountMock(app, prepared, options, stores)
  } catch (error) {
    await stores.close()
    throw error
  }
}

const DEFAULT_BODY_LIMIT = 1024 * 1024

/** With a logger, one line per answer (see registerAnswerLog) instead of Fastify's request logging. */
function logsAnswers (options: MockServerOptions): boolean {
  return options.logger !== undefined && options.logger !== false
}

/** How long a client may take to send a whole request (see `requestTimeoutMs`). */
export function requestTimeoutOf (options: MockServerOptions): number {
  return options.requestTimeoutMs ?? 30_000
}

/**
 * Node's HTTP server options for a mock: timeouts looked at every second (Node's default is
 * every 30 s); a missing Host gets a typed answer from guardRequest, not Node's bare 400.
 */
export function httpOptions (options: MockServerOptions): ServerOptions {
  const requestTimeout = requestTimeoutOf(options)
  return { requestTimeout, headersTimeout: Math.min(10_000, requestTimeout), connectionsCheckingInterval: 1000, requireHostHeader: false }
}

/** Fastify's options for a mock; `serverFactory`: the HTTP server is another's (`--watch`). */
export function fastifyOptions (options: MockServerOptions, serverFactory?: FastifyServerFactory<Server>): FastifyHttpOptions<Server> {
  const logs = logsAnswers(options)
  return {
    logger: options.logger ?? false,
    // One line per answer instead (see registerAnswerLog).
    logController: new LogController({ disableRequestLogging: logs }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: answerError,
    clientErrorHandler: answerClientError,
    requestTimeout: requestTimeoutOf(options),
    http: httpOptions(options),
    // Closing drops every connection, those held open by `x-mock-fault: timeout` too.
    forceCloseConnections: true,
    ...(serverFactory === undefined ? {} : { serverFactory })
  }
}

/** What a mock's HTTP server answers before any request reaches Fastify. */
export function wireHttpServer (server: Server, options: MockServerOptions): void {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  // `Expect: 100-continue` (curl sends it for bodies over 1 KiB): a body over the limit is
  // refused before it is sent, so the client reads the 413 instead of failing its upload on
  // a closed connection (EPIPE); any other goes on as Node would.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    if (Number(request.headers['content-length']) > bodyLimit) {
      sendRaw(response, problem('payload-too-large', 'The request body is larger than the server accepts.'))
      return
    }
    response.writeContinue()
    server.emit('request', request, response)
  })
  // Node answers a bare 417 to an Expect it does not know.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    sendRaw(response, problem('expectation-failed', `Only Expect: 100-continue is understood, not '${request.headers.expect ?? ''}'.`))
  })
  // Node drops the connection of a CONNECT no one listens for, without a word.
  server.on('connect', refuseConnect)
}

/** The prepared mock mounted on a Fastify instance of its own, over `stores`. */
export async function mountMock (app: FastifyInstance, prepared: PreparedMock, options: MockServerOptions, stores: MockStores): Promise<MockServer> {
  // Fastify leaves GET bodies unread; a spec may declare one (Azure's topQueryStatistics), and an undeclared one is a 415.
  app.addHttpMethod('GET', { hasBody: true, overrideExisting: true })
  guardRequest(app, options.allowedHosts ?? [])
  const understudy = await registerMock(app, prepared, options, { ownsNotFound: true, logAnswers: logsAnswers(options) }, stores)
  if (options.onStopRequest !== undefined) registerStopRoute(app, options.onStopRequest)
  // Typed without Fastify's PromiseLike, which an async function would unwrap to a plain FastifyInstance.
  const server: MockServer = Object.assign(app, { understudy })
  return server
}

/** A problem answered before Fastify sees the request (its body unread), closing the connection. */
function sendRaw (response: ServerResponse, body: Problem): void {
  const payload = JSON.stringify(body)
  response.writeHead(body.status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(payload), connection: 'close' }).end(payload)
}
