import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { answerError } from './handle-errors.js'
import { prepareMock, type MockOptions } from './prepare-mock.js'
import { registerMock, type MockServerInfo } from './register-mock.js'
import { registerStopRoute } from './register-stop-route.js'

export interface MockServerOptions extends MockOptions {
  /** Fastify's logger option. Default: off. */
  logger?: FastifyServerOptions['logger']
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
  const app = Fastify({
    logger: options.logger ?? false,
    // One line per answer instead (see registerAnswerLog).
    logController: new LogController({ disableRequestLogging: logs }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Fastify's default (100) answers 414 to ids a real API takes in its stride.
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: answerError,
    // Closing drops every connection, those held open by `x-mock-fault: timeout` too.
    forceCloseConnections: true
  })
  // Fastify leaves GET bodies unread; a spec may declare one (Azure's topQueryStatistics), and an undeclared one is a 415.
  app.addHttpMethod('GET', { hasBody: true, overrideExisting: true })
  const understudy = await registerMock(app, prepared, options, { ownsNotFound: true, logAnswers: logs })
  if (options.onStopRequest !== undefined) registerStopRoute(app, options.onStopRequest)
  // Typed without Fastify's PromiseLike, which an async function would unwrap to a plain FastifyInstance.
  const server: MockServer = Object.assign(app, { understudy })
  return server
}
