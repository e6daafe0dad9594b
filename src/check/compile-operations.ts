import { UnderstudyError, escapePointerToken, type Reporter } from '../errors.js'
import type { FixtureSource } from '../fixture/read-fixtures.js'
import type { PreparedResponse } from '../respond/prepare-responses.js'
import { compileOperation, type CompiledOperation } from '../routes/compile-operation.js'
import { scenarioNames } from '../scenario/select-scenario.js'
import type { IndexedOperation } from '../openapi/index-operations.js'
import { childPointer } from '../openapi/resolve-ref.js'
import type { LoadedSpec } from '../openapi/load-spec.js'
import type { SchemaCompiler } from '../validate/create-schema-compiler.js'

/**
 * Compiles every operation with its fixtures as the server does at start, the problems
 * going to the reporter, with what the server's response validation would report: bodies
 * not written as is in the spec (faked, or an example given for another media type) that
 * break their schema, and required headers the mock has no value for. Returns operationId
 * → scenario names, for the scenario sets; an operation that cannot compile is
 * reported and left out.
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
      scenarios.set(operation.operationId, scenarioNames(compiled))
      reportResponses(compiled, reporter)
    } catch (error) {
      if (!(error instanceof UnderstudyError)) throw error
      reporter.problem(error)
    }
  }
  return scenarios
}

function reportResponses ({ operation, scenarios }: CompiledOperation, reporter: Reporter): void {
  const documented = new Set<PreparedResponse>(scenarios.filter((scenario) => scenario.source !== 'fixture').map((scenario) => scenario.response))
  for (const response of documented) {
    const located = operation.responses.find(({ statusKey }) => statusKey === response.statusKey)!.response
    const problem = (pointer: string, message: string): void =>
      reporter.problem(new UnderstudyError('UNDERSTUDY_RESPONSE_INVALID', message, { file: operation.spec.file, pointer }))
    // A value against its schema is reported as an example; a missing one here.
    for (const [name, header] of Object.entries(located.value.headers ?? {})) {
      if ((header as { required?: boolean }).required !== true || response.headerValues[name.toLowerCase()] !== undefined) continue
      if (name.toLowerCase() === 'content-type') continue
      problem(`${located.pointer}/headers/${escapePointerToken(name)}`, `${name} is required, and the mock has no value for it (give it a schema or an example)`)
    }
    const declared = Object.keys(located.value.content ?? {})
    response.media.forEach((media, index) => {
      for (const body of new Set([...media.bodies.values(), media.defaultBody])) {
        if (!body.derived || body.violations.length === 0) continue
        const violations = body.violations.map((violation) => `${violation.path === '' ? '/' : violation.path} ${violation.message}`).join('; ')
        problem(childPointer(located.pointer, 'content', declared[index]!), `the ${body.source} sent as ${media.mediaType} does not match its schema: ${violations}`)
      }
    })
  }
}
