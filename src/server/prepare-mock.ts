import { ToleratedProblems, UnderstudyError, type Reporter } from '../errors.js'
import { compileScenarioSets, operationsNamedBy, type ScenarioSet } from '../fixture/compile-scenario-sets.js'
import { fixturesRoot, readFixtures, type FixtureSource } from '../fixture/read-fixtures.js'
import { compileOperation, compileOperationSafely, type CompiledOperation } from '../routes/compile-operation.js'
import { PROBLEM_TYPE_PREFIX } from '../respond/problem.js'
import { OperationRegistry } from '../routes/operation-registry.js'
import { scenarioNames } from '../scenario/select-scenario.js'
import { buildOperationIndex, operationsBySpec, type IndexedOperation } from '../openapi/index-operations.js'
import { loadSpecs, type LoadedSpec } from '../openapi/load-spec.js'
import type { ProxyOptions } from '../proxy/mock-proxy.js'
import type { StoreOptions } from '../store/connect-redis.js'
import { createSchemaCompiler } from '../validate/create-schema-compiler.js'

/** What decides what the mock answers: where it is mounted (a server or a plugin) decides nothing here. */
export interface MockOptions {
  /** Spec files or folders of them. Default: `['specs']`. */
  specs?: readonly string[]
  /** Folders besides the specs' own that their `$ref`s may read files from. Default: none. */
  refRoots?: readonly string[]
  /** The fixtures folder, or false for none. Default: `fixtures` if it exists. */
  fixtures?: string | false
  /** Skip invalid fixtures and scenario sets with a warning instead of failing. Default: false. */
  lenient?: boolean
  /** Sessions kept at once; the least recently used goes first. Default: 1000. */
  maxSessions?: number
  /**
   * Keep sessions, state, the journal and coverage in Redis, shared by every mock given the
   * same store and prefix (replicas behind a balancer). Default: none, in this process.
   */
  store?: StoreOptions
  /** Requests kept in the journal (`GET /__mock/requests`), the oldest dropped first; 0 keeps none. Default: 1000. */
  journalSize?: number
  /** Cap on any delay (`x-mock-delay`, fixture `delayMs`), in ms. Default: 30000. */
  maxDelayMs?: number
  /**
   * A response that does not match the spec (an example, a fixture or a faked body) is
   * replaced by a 500 `invalid-response` problem. Default: false — the violations are
   * reported in the `x-mock-response-violations` header and the response is sent.
   */
  strict?: boolean
  /** Every body is faked from its schema unless a request says `x-mock-dynamic: false` (Prism's `-d`). Default: false. */
  dynamic?: boolean
  /** The seed of faked bodies when a request names none: the same seed, the same bytes. Default: a random one per request. */
  seed?: string
  /** Open CORS for every origin on the API routes (reflected, with credentials). Default: true. */
  cors?: boolean
  /** Largest request body in bytes; larger ones get 413. Default: 1 MiB. */
  bodyLimit?: number
  /** Origins besides this machine's whose web pages may change sessions and state (`/__mock`). Default: none. */
  controlOrigins?: readonly string[]
  /** When set, state-changing `/__mock` calls need `Authorization: Bearer <controlToken>`. Default: none. */
  controlToken?: string
  /**
   * `eager`: every operation's validators and bodies are compiled at start, so whatever is
   * wrong stops it (or, lenient, is warned of) before the first request. `lazy`: an
   * operation is compiled on its first request (once; those with fixtures, or named by a
   * scenario set, at start), so a spec of a thousand operations starts in seconds; what
   * compiling finds then goes to `onWarning`. Default: eager (`understudy serve`: lazy).
   */
  compile?: 'eager' | 'lazy'
  /** Where a lazy operation's warnings go, one line each. Default: stderr. */
  onWarning?: (line: string) => void
  /** Forward requests to a real backend and check its answers against the specs (`--proxy`). Default: none, the mock answers. */
  proxy?: ProxyOptions
  /** Told what loading is doing now (`reading api.json`), for a progress line. Default: nothing. */
  onProgress?: (step: string) => void
}

export interface PreparedMock {
  specs: readonly LoadedSpec[]
  operations: OperationRegistry
  sets: ReadonlyMap<string, ScenarioSet>
  /** How many fixtures are served. */
  fixtureCount: number
  /** The fixtures folder read, if any: the control surface shows fixture files relative to it. */
  fixturesRoot: string | undefined
  /** What the specs get wrong first (one per place), then skipped fixtures and the like. */
  warnings: readonly string[]
  /** When this version of the specs, fixtures and sets was loaded. */
  loadedAt: Date
}

/**
 * load specs → index operations → read fixtures → compile validators and pre-serialise
 * bodies (every operation, or, lazy, those with fixtures or in a scenario set) → compile
 * scenario sets. Nothing compiles twice; requests only look things up.
 */
export async function prepareMock (options: MockOptions): Promise<PreparedMock> {
  const others: string[] = []
  const tolerated = new ToleratedProblems()
  const onWarning = options.onWarning ?? ((line: string) => { process.stderr.write(`${line}\n`) })
  const late = lateReporter(onWarning)
  // What is worked around is a start warning until the mock is ready, then a line of its own
  // (lazy: what compiling an operation on its first request finds, a big document's validation).
  let ready = false
  const reporter: Reporter = {
    problem: (error) => { if (options.lenient === true) others.push(error.format()); else throw error },
    tolerate: (error) => { if (ready) late.tolerate(error); else tolerated.add(error) },
    warn: (message) => others.push(message),
    progress: options.onProgress
  }
  const eager = options.compile !== 'lazy'
  const specs = await loadSpecs(options.specs ?? ['specs'], reporter, options.refRoots, { awaitValidation: eager })
  options.onProgress?.('indexing the operations')
  const indexed = buildOperationIndex(specs, reporter)
  const root = options.fixtures === false ? undefined : await fixturesRoot(options.fixtures)
  const found = root === undefined ? { fixtures: [], sets: [] } : await readFixtures(root, operationsBySpec(indexed), reporter)
  const compilers = new Map(specs.map((spec) => [spec, createSchemaCompiler(spec, reporter.tolerate, { whole: eager })]))
  const inSets = eager ? new Set<string>() : operationsNamedBy(found.sets)
  const entries: Array<{ operation: IndexedOperation, fixtures: FixtureSource[], compiled?: CompiledOperation }> = []
  for (const [index, operation] of indexed.entries()) {
    const fixtures = found.fixtures.filter((fixture) => fixture.spec === operation.spec.name && fixture.operationId === operation.operationId)
    if (!eager && fixtures.length === 0 && !inSets.has(operation.operationId)) {
      entries.push({ operation, fixtures })
      continue
    }
    options.onProgress?.(`compiling ${operation.operationId} (${index + 1} of ${indexed.length} operations)`)
    const compiled = await compileOperationSafely(operation, compilers.get(operation.spec)!, fixtures, reporter)
    if (compiled !== undefined) entries.push({ operation, fixtures, compiled })
  }
  if (entries.length === 0) throw new UnderstudyError('UNDERSTUDY_NO_OPERATIONS', `in ${(options.specs ?? ['specs']).join(', ')}`)
  const operations = new OperationRegistry(entries,
    async (operation, fixtures) => await compileOperation(operation, compilers.get(operation.spec)!, fixtures, late),
    (problem) => { onWarning(`understudy: error: ${problem.format()}; its requests are answered 500 ${PROBLEM_TYPE_PREFIX}invalid-operation`) })
  const sets = compileScenarioSets(found.sets, (operationId) => {
    const operation = operations.get(operationId)?.ready
    return operation === undefined ? undefined : scenarioNames(operation)
  }, reporter)
  ready = true
  return { specs, operations, sets, fixtureCount: served(entries), fixturesRoot: root, warnings: [...tolerated.list.map((error) => error.format()), ...others], loadedAt: new Date() }
}

/** Fixtures served (lenient: those that failed their checks are not); operations with fixtures are compiled at start. */
function served (entries: ReadonlyArray<{ compiled?: CompiledOperation }>): number {
  return entries.reduce((count, { compiled }) => count + (compiled?.scenarios.filter((scenario) => scenario.fixture !== undefined).length ?? 0), 0)
}

/** What compiling an operation on its first request finds: warnings as lines; a problem stops that operation only. */
function lateReporter (onWarning: (line: string) => void): Reporter {
  const said = new Set<string>()
  return {
    problem: (error) => { throw error },
    tolerate: (error) => {
      const line = `understudy: warning: ${error.format()}`
      if (!said.has(line)) onWarning(line)
      said.add(line)
    },
    warn: (message) => { onWarning(`understudy: warning: ${message}`) }
  }
}
