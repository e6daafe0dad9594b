import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { problem, type Problem } from '../respond/problem.js'
import { answerClientError, refuseConnect } from './answer-client-error.js'
import { guardRequest } from './guard-control.js'
import { answerError, MAX_PARAM_LENGTH } from './handle-errors.js'
import { prepareMock, type MockOptions } from './prepare-mock.js'
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
  const logs = options.logger !== undefined && options.logger !== false
  const requestTimeout = options.requestTimeoutMs ?? 30_000
  const bodyLimit = options.bodyLimit ?? 1024 * 1024
  const app = Fastify({
    logger: options.logger ?? false,
    // One line per answer instead (see registerAnswerLog).
    logController: new LogController({ disableRequestLogging: logs }),
    bodyLimit,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: answerError,
    clientErrorHandler: answerClientError,
    requestTimeout,
    // Timeouts are looked at this often (Node's default is every 30 s).
    // A missing Host gets a typed answer from guardRequest, not Node's bare 400.
    http: { headersTimeout: Math.min(10_000, requestTimeout), connectionsCheckingInterval: 1000, requireHostHeader: false },
    // Closing drops every connection, those held open by `x-mock-fault: timeout` too.
    forceCloseConnections: true
  })
  // `Expect: 100-continue` (curl sends it for bodies over 1 KiB): a body over the limit is
  // refused before it is sent, so the client reads the 413 instead of failing its upload on
  // a closed connection (EPIPE); any other goes on as Node would.
  app.server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    if (Number(request.headers['content-length']) > bodyLimit) {
      sendRaw(response, problem('payload-too-large', 'The request body is larger than the server accepts.'))
      return
    }
    response.writeContinue()
    app.server.emit('request', request, response)
  })
  // Node answers a bare 417 to an Expect it does not know.
  app.server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    sendRaw(response, problem('expectation-failed', `Only Expect: 100-continue is understood, not '${request.headers.expect ?? ''}'.`))
  })
  // Fastify leaves GET bodies unread; a spec may declare one (Azure's topQueryStatistics), and an undeclared one is a 415.
  app.addHttpMethod('GET', { hasBody: true, overrideExisting: true })
  // Node drops the connection of a CONNECT no one listens for, without a word.
  app.server.on('connect', refuseConnect)
  guardRequest(app, options.allowedHosts ?? [])
  const understudy = await registerMock(app, prepared, options, { ownsNotFound: true, logAnswers: logs })
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
