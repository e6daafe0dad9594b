import cors from '@fastify/cors'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { setMaxListeners } from 'node:events'
import type { CoverageReport } from '../coverage/coverage-recorder.js'
import { registerBodyParsers } from '../routes/register-body-parsers.js'
import { knownPaths, registerWrongMethodRoutes, wrongMethodAnswer } from '../routes/allowed-methods.js'
import { answerDocumentedOptions, registerOperationRoutes } from '../routes/register-operation-routes.js'
import { warmUp } from '../routes/warm-up.js'
import type { LoadedSpec } from '../openapi/load-spec.js'
import { mountOf, responseHeaderNames } from '../openapi/index-operations.js'
import { controlOriginAllowed, guardControl, isControlRequest } from './guard-control.js'
import { handleErrors } from './handle-errors.js'
import { registerAnswerLog } from './log-answers.js'
import type { MockOptions, PreparedMock } from './prepare-mock.js'
import { localCoverage, registerCoverageRoutes } from './register-coverage-routes.js'
import { registerJournalRoutes } from './register-journal-routes.js'
import { credentialHeaders, type JournalEntry, type JournalQuery } from '../journal/request-journal.js'
import { nearMissFinder } from '../journal/near-misses.js'
import { registerControlRoutes } from './register-control-routes.js'
import { registerSessionRoutes } from './register-session-routes.js'
import { createMockProxy } from '../proxy/mock-proxy.js'
import type { ProxyTally } from '../proxy/proxy-tally.js'
import { createMockStores, type MockStores } from './mock-stores.js'

export interface MockServerInfo {
  /** Each spec, with the path its operations are mounted under (its first server's path). */
  specs: ReadonlyArray<Pick<LoadedSpec, 'name' | 'file'> & { mount: string }>
  /** What is mounted; their scenarios are at `GET /__mock/operations`. */
  operations: readonly MountedOperation[]
  /** How many fixtures are served. */
  fixtures: number
  /** The names of the scenario sets. */
  scenarioSets: readonly string[]
  /** Startup warnings: what the specs get wrong (one per place), skipped fixture folders, and with `lenient`, what was skipped. */
  warnings: readonly string[]
  /** What was served and never served so far: in every session, or in one (lazy: every operation is compiled first). */
  coverage: (session?: string) => Promise<CoverageReport>
  /** The journal: the requests the operations were sent, newest first (see `GET /__mock/requests`). */
  requests: (query?: JournalQuery) => JournalEntry[]
  /** When the specs, fixtures and sets served were loaded. */
  loadedAt: Date
  /** With a backend (`proxy`): what it answered and how its answers broke the spec. */
  proxied: ProxyTally | undefined
}

export interface MountedOperation {
  spec: string
  operationId: string
  method: string
  path: string
}

/**
 * Mounts a prepared mock on `app` (a server of its own, or a plugin's encapsulated
 * context): CORS, body parsers, the error and 404 answers, the control surface, and the
 * operations' routes. Nothing here reaches past `app`. Returns what was mounted.
 */
export async function registerMock (app: FastifyInstance, prepared: PreparedMock, options: MockOptions, owner: { ownsNotFound: boolean, logAnswers: boolean }, given?: MockStores): Promise<MockServerInfo> {
  const { specs, operations, sets, warnings } = prepared
  const stores = given ?? await createMockStores(options)
  // Stores made here (the plugin's) are this app's to close; given ones outlive it (--watch reloads).
  if (given === undefined) app.addHook('onClose', async () => { await stores.close() })
  const controlOrigins = options.controlOrigins ?? []
  const { sessions, journal, coverage, shared } = stores
  coverage.measure(async () => await operations.compileAll())
  const indexed = operations.list.map(({ operation }) => operation)
  journal.readWith(credentialHeaders(apiKeyHeaders(specs)), nearMissFinder(indexed, specs.map(({ document }) => mountOf(document))))
  const proxy = options.proxy === undefined ? undefined : createMockProxy(options.proxy, specs, {
    tally: stores.proxied, prefix: app.prefix, onWarning: options.onWarning ?? ((line) => { process.stderr.write(`${line}\n`) })
  })
  if (proxy !== undefined) app.addHook('onClose', async () => { await proxy.close() })
  const info: MockServerInfo = {
    specs: specs.map(({ name, file, document }) => ({ name, file, mount: mountOf(document) })),
    operations: operations.list.map(({ operation }) => ({ spec: operation.spec.name, operationId: operation.operationId, method: operation.method.toUpperCase(), path: operation.path })),
    fixtures: prepared.fixtureCount,
    scenarioSets: [...sets.keys()],
    warnings,
    coverage: async (session?: string) => await (shared?.coverage ?? coverage).report(session),
    requests: (query) => journal.list(query),
    loadedAt: prepared.loadedAt,
    proxied: proxy?.tally
  }
  if (operations.list.some(({ operation }) => operation.method === 'options')) app.addHook('onRequest', answerDocumentedOptions)
  if (options.cors !== false) {
    // Browsers call the mock from another origin: reflect it, and let scripts read our headers.
    // The control surface only for pages on this machine (and --control-origin ones).
    const base = {
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      // The mock's own headers and every documented response header (Retry-After, Link, …), so a page's script can read them.
      exposedHeaders: ['x-mock-scenario', 'x-mock-violations', 'x-mock-response-violations', ...responseHeaderNames(indexed)],
      // Preflights are cached for 10 minutes: a page does not ask before every call.
      maxAge: 600,
      // An OPTIONS that is not a preflight is not a client error.
      strictPreflight: false
    }
    const api = { ...base, origin: true }
    const control = { ...base, origin: (origin: string | undefined, done: (error: null, allow: boolean) => void) => { done(null, origin === undefined || controlOriginAllowed(origin, controlOrigins)) } }
    await app.register(cors, () => (request: FastifyRequest, done: (error: null, options: object) => void) => { done(null, isControlRequest(request, app.prefix) ? control : api) })
  }
  guardControl(app, { controlOrigins, controlToken: options.controlToken })
  registerBodyParsers(app, options.bodyLimit ?? 1024 * 1024)
  const paths = knownPaths(operations.list)
  const corsOpen = options.cors !== false
  handleErrors(app, owner.ownsNotFound ? wrongMethodAnswer(app, paths, corsOpen) : undefined)
  if (!owner.ownsNotFound) registerWrongMethodRoutes(app, paths, corsOpen)
  if (owner.logAnswers) registerAnswerLog(app)
  await registerControlRoutes(app, prepared)
  registerSessionRoutes(app, stores.control, sets, operations, prepared.fixturesRoot)
  registerCoverageRoutes(app, shared?.coverage ?? localCoverage(coverage))
  registerJournalRoutes(app, journal, shared?.journal)
  const closing = new AbortController()
  // Every delayed answer waits on it: any number at once, not Node's 10 before it warns.
  setMaxListeners(0, closing.signal)
  app.addHook('preClose', (done) => { closing.abort(); done() })
  // Lazy, operations compile on their first request: V8 warmed for it once listening.
  if (options.compile === 'lazy') {
    app.addHook('onListen', (done) => {
      setImmediate(() => { warmUp(specs[0]!.version).catch((error: Error) => { process.stderr.write(`understudy: internal error warming up: ${error.message}\n`) }) })
      done()
    })
  }
  options.onProgress?.(`mounting ${operations.list.length} operations`)
  registerOperationRoutes(app, operations, paths, {
    sets,
    sessions,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    closing: closing.signal,
    strict: options.strict ?? false,
    cors: corsOpen,
    dynamic: options.dynamic ?? false,
    seed: options.seed,
    coverage,
    shared: shared?.sessions,
    proxy
  })
  return info
}

/** The headers the specs' apiKey schemes are sent in: credentials, never shown in the journal. */
function apiKeyHeaders (specs: readonly LoadedSpec[]): string[] {
  return specs.flatMap(({ document }) => Object.values((document.components?.securitySchemes ?? {}) as Record<string, { type?: unknown, in?: unknown, name?: unknown }>)
    .flatMap((scheme) => scheme.type === 'apiKey' && scheme.in === 'header' && typeof scheme.name === 'string' ? [scheme.name] : []))
}
