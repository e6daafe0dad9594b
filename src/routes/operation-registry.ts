import { setImmediate as yieldToRequests } from 'node:timers/promises'
import { UnderstudyError } from '../errors.js'
import type { FixtureSource } from '../fixture/read-fixtures.js'
import type { IndexedOperation } from '../openapi/index-operations.js'
import { asProblem, type CompiledOperation } from './compile-operation.js'

/** One mounted operation: known from the index at start, compiled (validators, bodies, scenarios) once. */
export interface MockOperation {
  readonly operation: IndexedOperation
  readonly operationId: string
  /** Compiled, from the first call on; the same promise for every caller, so a racing request waits for the one compilation. */
  compiled: () => Promise<CompiledOperation>
  /** Once compiled. */
  readonly ready: CompiledOperation | undefined
}

type Compile = (operation: IndexedOperation, fixtures: readonly FixtureSource[]) => Promise<CompiledOperation>

/**
 * Every mounted operation, compiled at start or on first use. What stops one compiling on
 * first use goes to `onFailure` once, and its `compiled()` rejects with that problem, every time.
 */
export class OperationRegistry {
  readonly list: readonly MockOperation[]
  readonly #byId: ReadonlyMap<string, MockOperation>

  /** `compiled`: compiled at start already; the others are compiled on first use with `compile`. */
  constructor (operations: ReadonlyArray<{ operation: IndexedOperation, fixtures: readonly FixtureSource[], compiled?: CompiledOperation }>, compile: Compile, onFailure: (problem: UnderstudyError) => void) {
    this.list = operations.map(({ operation, fixtures, compiled }) =>
      lazyOperation(operation, compiled, async () => await compile(operation, fixtures), onFailure))
    this.#byId = new Map(this.list.map((entry) => [entry.operationId, entry]))
  }

  get (operationId: string): MockOperation | undefined {
    return this.#byId.get(operationId)
  }

  /** Every operation (of `spec`, when named) compiled, one at a time with requests answered between them; those that cannot be compiled left out. */
  async compileAll (spec?: string): Promise<CompiledOperation[]> {
    const compiled: CompiledOperation[] = []
    for (const entry of this.list) {
      if (spec !== undefined && entry.operation.spec.name !== spec) continue
      if (entry.ready === undefined) await yieldToRequests()
      try {
        compiled.push(entry.ready ?? await entry.compiled())
      } catch (error) {
        if (!(error instanceof UnderstudyError)) throw error
      }
    }
    return compiled
  }
}

function lazyOperation (operation: IndexedOperation, ready: CompiledOperation | undefined, compile: () => Promise<CompiledOperation>, onFailure: (problem: UnderstudyError) => void): MockOperation {
  let pending: Promise<CompiledOperation> | undefined = ready === undefined ? undefined : Promise.resolve(ready)
  const entry = {
    operation,
    operationId: operation.operationId,
    ready,
    compiled: async () => await (pending ??= compile().then((compiled) => (entry.ready = compiled), (error: unknown) => {
      const problem = asProblem(error, operation)
      onFailure(problem)
      throw problem
    }))
  }
  return entry
}
