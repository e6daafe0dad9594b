import cors from '@fastify/cors'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { ToleratedProblems, UnderstudyError, type Reporter } from '../errors.js'
import { CoverageRecorder, type CoverageReport } from '../coverage/coverage-recorder.js'
import { compileScenarioSets, type ScenarioSet } from '../fixture/compile-scenario-sets.js'
import { fixturesRoot, readFixtures, type ScenarioSetSource } from '../fixture/read-fixtures.js'
import { compileOperationSafely, type CompiledOperation } from '../routes/compile-operation.js'
import { registerBodyParsers } from '../routes/register-body-parsers.js'
import { answerDocumentedOptions, registerOperationRoutes } from '../routes/register-operation-routes.js'
import { buildOperationIndex, operationsBySpec } from '../spec/index-operations.js'
import { loadSpecs, type LoadedSpec } from '../spec/load-spec.js'
import { scenarioNames } from '../scenario/select-scenario.js'
import { DEFAULT_SESSION, SessionStore } from '../session/session-store.js'
import { createSchemaCompiler } from '../validate/create-schema-compiler.js'
import { answerError, handleErrors } from './handle-errors.js'
import { registerCoverageRoutes } from './register-coverage-routes.js'
import { registerControlRoutes, summarizeOperations, type OperationSummary } from './register-control-routes.js'
import { registerSessionRoutes } from './register-session-routes.js'

export interface MockServerOptions {
  /** Spec files or folders of them. Default: `['specs']`. */
  specs?: readonly string[]
  /** Fastify's logger option. Default: off. */
  logger?: FastifyServerOptions['logger']
  /** Largest request body in bytes; larger ones get 413. Default: 1 MiB. */
  bodyLimit?: number
  /** The fixtures folder, or false for none. Default: `fixtures` if it exists. */
  fixtures?: string | false
  /** Skip invalid fixtures and scenario sets with a warning instead of failing. Default: false. */
  lenient?: boolean
  /** Sessions kept at once; the least recently used goes first. Default: 1000. */
  maxSessions?: number
  /** Cap on any delay (`x-mock-delay`, fixture `delayMs`), in ms. Default: 30000. */
  maxDelayMs?: number
  /**
   * A response that does not match the spec (an example, a fixture or a faked body) is
   * replaced by a 500 `invalid-response` problem. Default: false — the violations are
   * reported in the `x-mock-response-violations` header and the response is sent.
   */
  strict?: boolean
}

export interface MockServerInfo {
  specs: ReadonlyArray<Pick<LoadedSpec, 'name' | 'file'>>
  operations: readonly OperationSummary[]
  /** The names of the scenario sets. */
  scenarioSets: readonly string[]
  /** Startup warnings: what the specs get wrong (one per place), skipped fixture folders, and with `lenient`, what was skipped. */
  warnings: readonly string[]
  /** What was served and never served so far: in every session, or in one. */
  coverage: (session?: string) => CoverageReport
}

declare module 'fastify' {
  interface FastifyInstance {
    understudy: MockServerInfo
  }
}

/**
 * load specs → index operations → compile validators and pre-serialise bodies → register
 * routes. Everything here runs once; requests only look things up.
 */
export async function buildMockServer (options: MockServerOptions = {}): Promise<FastifyInstance> {
  const others: string[] = []
  const tolerated = new ToleratedProblems()
  const reporter: Reporter = {
    problem: (error) => { if (options.lenient === true) others.push(error.format()); else throw error },
    tolerate: (error) => tolerated.add(error),
    warn: (message) => others.push(message)
  }
  const specs = await loadSpecs(options.specs ?? ['specs'], reporter)
  const indexed = buildOperationIndex(specs, reporter)
  const root = options.fixtures === false ? undefined : await fixturesRoot(options.fixtures)
  const found = root === undefined ? { fixtures: [], sets: [] } : await readFixtures(root, operationsBySpec(indexed), reporter)
  const compilers = new Map(specs.map((spec) => [spec, createSchemaCompiler(spec, reporter.tolerate)]))
  const operations: CompiledOperation[] = []
  for (const operation of indexed) {
    const fixtures = found.fixtures.filter((fixture) => fixture.spec === operation.spec.name && fixture.operationId === operation.operationId)
    const compiled = await compileOperationSafely(operation, compilers.get(operation.spec)!, fixtures, reporter)
    if (compiled !== undefined) operations.push(compiled)
  }
  if (operations.length === 0) throw new UnderstudyError('UNDERSTUDY_NO_OPERATIONS', `in ${(options.specs ?? ['specs']).join(', ')}`)
  const byId = new Map(operations.map((operation) => [operation.operationId, operation]))
  const sets = compileSets(found.sets, byId, reporter)
  // What the specs get wrong first, then skipped fixtures and the like.
  const warnings = [...tolerated.list.map((error) => error.format()), ...others]
  const sessions = new SessionStore(options.maxSessions ?? 1000)
  sessions.open(DEFAULT_SESSION)

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Fastify's default (100) answers 414 to ids a real API takes in its stride.
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: answerError,
    // Closing drops every connection, those held open by `x-mock-fault: timeout` too.
    forceCloseConnections: true
  })
  // Fastify leaves GET bodies unread; a spec may declare one (Azure's topQueryStatistics), and an undeclared one is a 415.
  app.addHttpMethod('GET', { hasBody: true, overrideExisting: true })
  const summaries = summarizeOperations(operations)
  const coverage = new CoverageRecorder(operations)
  app.decorate('understudy', {
    specs: specs.map(({ name, file }) => ({ name, file })),
    operations: summaries,
    scenarioSets: [...sets.keys()],
    warnings,
    coverage: (session?: string) => coverage.report(session)
  })
  if (operations.some(({ operation }) => operation.method === 'options')) app.addHook('onRequest', answerDocumentedOptions)
  // Browsers call the mock from another origin: reflect it, and let scripts read our headers.
  await app.register(cors, {
    origin: true,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: ['x-mock-scenario', 'x-mock-violations', 'x-mock-response-violations'],
    // An OPTIONS that is not a preflight is not a client error.
    strictPreflight: false
  })
  registerBodyParsers(app)
  handleErrors(app)
  await registerControlRoutes(app, specs, summaries)
  registerSessionRoutes(app, sessions, sets, byId)
  registerCoverageRoutes(app, coverage)
  const closing = new AbortController()
  app.addHook('preClose', (done) => { closing.abort(); done() })
  registerOperationRoutes(app, operations, {
    sets,
    sessions,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    closing: closing.signal,
    strict: options.strict ?? false,
    coverage
  })
  return app
}

function compileSets (sources: readonly ScenarioSetSource[], byId: ReadonlyMap<string, CompiledOperation>, reporter: Reporter): Map<string, ScenarioSet> {
  return compileScenarioSets(sources, (operationId) => {
    const operation = byId.get(operationId)
    return operation === undefined ? undefined : scenarioNames(operation)
  }, reporter)
}
