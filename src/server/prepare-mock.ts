import { ToleratedProblems, UnderstudyError, type Reporter } from '../errors.js'
import { compileScenarioSets, type ScenarioSet } from '../fixture/compile-scenario-sets.js'
import { fixturesRoot, readFixtures, type ScenarioSetSource } from '../fixture/read-fixtures.js'
import { compileOperationSafely, type CompiledOperation } from '../routes/compile-operation.js'
import { scenarioNames } from '../scenario/select-scenario.js'
import { buildOperationIndex, operationsBySpec } from '../openapi/index-operations.js'
import { loadSpecs, type LoadedSpec } from '../openapi/load-spec.js'
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
}

export interface PreparedMock {
  specs: readonly LoadedSpec[]
  operations: readonly CompiledOperation[]
  byId: ReadonlyMap<string, CompiledOperation>
  sets: ReadonlyMap<string, ScenarioSet>
  /** The fixtures folder read, if any: the control surface shows fixture files relative to it. */
  fixturesRoot: string | undefined
  /** What the specs get wrong first (one per place), then skipped fixtures and the like. */
  warnings: readonly string[]
}

/**
 * load specs → index operations → read fixtures → compile validators and pre-serialise
 * bodies → compile scenario sets. Everything here runs once; requests only look things up.
 */
export async function prepareMock (options: MockOptions): Promise<PreparedMock> {
  const others: string[] = []
  const tolerated = new ToleratedProblems()
  const reporter: Reporter = {
    problem: (error) => { if (options.lenient === true) others.push(error.format()); else throw error },
    tolerate: (error) => tolerated.add(error),
    warn: (message) => others.push(message)
  }
  const specs = await loadSpecs(options.specs ?? ['specs'], reporter, options.refRoots)
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
  return { specs, operations, byId, sets, fixturesRoot: root, warnings: [...tolerated.list.map((error) => error.format()), ...others] }
}

function compileSets (sources: readonly ScenarioSetSource[], byId: ReadonlyMap<string, CompiledOperation>, reporter: Reporter): Map<string, ScenarioSet> {
  return compileScenarioSets(sources, (operationId) => {
    const operation = byId.get(operationId)
    return operation === undefined ? undefined : scenarioNames(operation)
  }, reporter)
}
