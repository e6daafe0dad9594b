import { UnderstudyError } from '../errors.js'
import type { FixtureSource, Reporter } from '../fixture/read-fixtures.js'
import { compileOperation } from '../routes/compile-operation.js'
import type { IndexedOperation } from '../spec/index-operations.js'
import type { LoadedSpec } from '../spec/load-spec.js'
import type { SchemaCompiler } from '../validate/create-schema-compiler.js'

/**
 * Compiles every operation with its fixtures as the server does at start, the problems
 * going to the reporter. Returns operationId → scenario names, for the scenario sets; an
 * operation that cannot compile (two responses share a scenario name) is reported and left out.
 */
export async function compileOperations (
  operations: readonly IndexedOperation[],
  compilers: ReadonlyMap<LoadedSpec, SchemaCompiler>,
  fixtures: readonly FixtureSource[],
  reporter: Reporter
): Promise<Map<string, string[]>> {
  const scenarios = new Map<string, string[]>()
  for (const operation of operations) {
    const own = fixtures.filter((fixture) => fixture.spec === operation.spec.name && fixture.operationId === operation.operationId)
    try {
      const compiled = await compileOperation(operation, compilers.get(operation.spec)!, own, reporter)
      scenarios.set(operation.operationId, [...compiled.byName.keys()])
    } catch (error) {
      if (!(error instanceof UnderstudyError)) throw error
      reporter.problem(error)
    }
  }
  return scenarios
}
