import { UnderstudyError, type ErrorCode } from '../errors.js'
import { compileScenarioSets } from '../fixture/compile-scenario-sets.js'
import { fixturesRoot, readFixtures, type FixtureSource, type ScenarioSetSource } from '../fixture/read-fixtures.js'
import { buildOperationIndex, indexSpec, operationsBySpec } from '../openapi/index-operations.js'
import { loadSpecs } from '../openapi/load-spec.js'
import { createSchemaCompiler } from '../validate/create-schema-compiler.js'
import { checkExamples } from './check-examples.js'
import { checkResponses } from './check-responses.js'
import { collectProblems } from './collect-problems.js'
import { compileOperations } from './compile-operations.js'
import { findExamples } from './find-examples.js'

export interface CheckOptions {
  /** Spec files or folders of them. Default: `['specs']`. */
  specs?: readonly string[]
  /** Folders besides the specs' own that their `$ref`s may read files from. Default: none. */
  refRoots?: readonly string[]
  /** The fixtures folder, or false for none. Default: `fixtures` if it exists. */
  fixtures?: string | false
}

/** One problem as data: the fields of an `UnderstudyError`; `message` starts with the code's template. */
export interface CheckProblem {
  code: ErrorCode
  file: string | null
  pointer: string | null
  message: string
}

export interface CheckCounts {
  /** Documents that loaded (an invalid one is a problem, not a spec). */
  specs: number
  /** Operations of those documents. */
  operations: number
  /** Fixture files read. */
  fixtures: number
  scenarioSets: number
  /** Example values checked against a schema (a shared one once per schema). */
  examples: number
}

/** What `understudy check --format json` prints. */
export interface CheckReport {
  ok: boolean
  checked: CheckCounts
  /** Sorted by file, then pointer. */
  problems: CheckProblem[]
  /** Not problems: fixture folders of specs that are not loaded, set entries for unknown operations. */
  warnings: string[]
}

/**
 * Everything the server refuses at start, and more (examples against their schemas,
 * responses with nothing to send), all reported in one run instead of the first one thrown.
 */
export async function check (options: CheckOptions = {}): Promise<CheckReport> {
  const { reporter, problems, warnings } = collectProblems()
  const specs = await loadSpecs(options.specs ?? ['specs'], reporter, options.refRoots)
  const operations = buildOperationIndex(specs, reporter)
  const compilers = new Map(specs.map((spec) => [spec, createSchemaCompiler(spec, reporter.tolerate, { whole: true })]))
  let examples = 0
  let operationCount = 0
  for (const spec of specs) {
    // Per document, so operations left out of the index (a repeated id) are checked too.
    const own = indexSpec(spec)
    operationCount += own.length
    examples += checkExamples(spec.file, findExamples(own), compilers.get(spec)!, reporter)
    checkResponses(own, reporter)
  }

  let found: { fixtures: FixtureSource[], sets: ScenarioSetSource[] } = { fixtures: [], sets: [] }
  const root = await findFixturesRoot(options.fixtures, reporter)
  if (root !== undefined) found = await readFixtures(root, operationsBySpec(operations), reporter)
  const scenarios = await compileOperations(operations, compilers, found.fixtures, reporter)
  compileScenarioSets(found.sets, (operationId) => scenarios.get(operationId), reporter)

  const reported = problems()
  return {
    ok: reported.length === 0,
    checked: { specs: specs.length, operations: operationCount, fixtures: found.fixtures.length, scenarioSets: found.sets.length, examples },
    problems: sortProblems(reported).map(({ code, file, pointer, message }) => ({ code, file: file ?? null, pointer: pointer ?? null, message })),
    warnings
  }
}

async function findFixturesRoot (given: string | false | undefined, reporter: { problem: (error: UnderstudyError) => void }): Promise<string | undefined> {
  if (given === false) return undefined
  try {
    return await fixturesRoot(given)
  } catch (error) {
    if (!(error instanceof UnderstudyError)) throw error
    reporter.problem(error)
    return undefined
  }
}

/** By file, then pointer (problems about no file first); found order otherwise. */
function sortProblems (problems: readonly UnderstudyError[]): UnderstudyError[] {
  const compare = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0
  return [...problems].sort((a, b) => compare(a.file ?? '', b.file ?? '') || compare(a.pointer ?? '', b.pointer ?? ''))
}
