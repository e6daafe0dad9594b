import { compileResponseCheck, type ResponseCheck } from '../verify/check-response.js'
import { once } from '../once.js'
import { UnderstudyError, type Reporter } from '../errors.js'
import { compileFixture } from '../fixture/compile-fixture.js'
import type { FixtureSource } from '../fixture/read-fixtures.js'
import type { IndexedOperation } from '../openapi/index-operations.js'
import { prepareResponses, type PreparedResponse } from '../respond/prepare-responses.js'
import { collectScenarios, fixtureScenario, pickDefaultScenario, qualifiedName, type Scenario } from '../scenario/collect-scenarios.js'
import type { ScenarioTable } from '../scenario/select-scenario.js'
import { compileRequestValidator, type RequestParts, type RequestValidator } from '../validate/compile-request-validator.js'
import type { SchemaCompiler } from '../validate/create-schema-compiler.js'
import { compileSecurityCheck, needsCookies, type SecurityCheck } from '../validate/compile-security-check.js'

/** One operation with everything a request needs computed at start. */
export interface CompiledOperation extends ScenarioTable {
  operation: IndexedOperation
  validateRequest: RequestValidator
  checkSecurity: SecurityCheck
  parseCookies: boolean
  /** The documented 400, else 422: the API's own answer to an invalid request. */
  invalidRequestResponse: PreparedResponse | undefined
  unauthorizedResponse: PreparedResponse | undefined
  /** The check of a real backend's answer against the spec (`--proxy`). */
  checkResponse: () => ResponseCheck
  /** What of a session's state its fixtures read: a shared store (`--store`) fetches it before choosing. Undefined: nothing. */
  stateReads: StateReads | undefined
}

export interface StateReads {
  /** The state keys the fixtures' `when.state` read for this request. */
  keys: (parts: RequestParts) => string[]
  /** Some answer reads `{{counter}}`. */
  counter: boolean
}

/**
 * `compileOperation`, with whatever goes wrong reported (lenient: the operation is left
 * out) and never a stack trace: an unexpected error names the operation's file and pointer.
 */
export async function compileOperationSafely (
  operation: IndexedOperation,
  compiler: SchemaCompiler,
  fixtures: readonly FixtureSource[],
  reporter: Reporter
): Promise<CompiledOperation | undefined> {
  try {
    return await compileOperation(operation, compiler, fixtures, reporter)
  } catch (error) {
    reporter.problem(asProblem(error, operation))
    return undefined
  }
}

/** Never a stack trace: an unexpected error names the operation's file and pointer. */
export function asProblem (error: unknown, operation: IndexedOperation): UnderstudyError {
  return error instanceof UnderstudyError
    ? error
    // One line: V8's own messages may run on ("Converting circular structure to JSON\n --> …").
    : new UnderstudyError('UNDERSTUDY_OPERATION_INVALID', `${operation.operationId}: ${(error instanceof Error ? error.message : String(error)).split('\n', 1)[0] ?? ''}`, { file: operation.spec.file, pointer: operation.pointer })
}

/**
 * Prepares the spec's responses, then adds the operation's fixtures (in name order); a
 * fixture that fails its checks goes to the reporter, which throws or, lenient, warns
 * (and the fixture is skipped, unless all that is wrong is a body or header value).
 */
export async function compileOperation (
  operation: IndexedOperation,
  compiler: SchemaCompiler,
  fixtures: readonly FixtureSource[],
  reporter: Reporter
): Promise<CompiledOperation> {
  const responses = await prepareResponses(operation, compiler)
  const scenarios = collectScenarios(responses)
  const defaultScenario = pickDefaultScenario(scenarios)
  const pathParams = operation.parameters.filter((p) => p.value.in === 'path').map((p) => p.value.name)
  for (const source of fixtures) {
    try {
      const fixture = compileFixture(source, responses, pathParams)
      // The reporter throws, or (lenient, check) records the problem: then the fixture is
      // served, and response validation reports it or, strict, refuses it per request.
      for (const problem of fixture.contractProblems) reporter.problem(problem)
      scenarios.push(fixtureScenario(operation, scenarios, fixture))
    } catch (error) {
      if (!(error instanceof UnderstudyError)) throw error
      reporter.problem(error)
    }
  }
  const byStatus = (key: string): PreparedResponse | undefined => responses.find((response) => response.statusKey === key)
  const behaviours = scenarios.flatMap((scenario) => scenario.fixture === undefined ? [] : [scenario.fixture])
  const stateKeys = behaviours.flatMap((behaviour) => behaviour.stateKeys)
  const counter = behaviours.some((behaviour) => behaviour.readsCounter)
  return {
    operation,
    operationId: operation.operationId,
    scenarios,
    byName: scenarioIndex(scenarios),
    defaultScenario,
    matchers: scenarios.filter((scenario) => scenario.fixture?.when !== undefined),
    validateRequest: compileRequestValidator(operation, compiler),
    checkSecurity: compileSecurityCheck(operation.security, operation.securitySchemes),
    parseCookies: needsCookies(operation.security, operation.securitySchemes) ||
      operation.parameters.some((p) => p.value.in === 'cookie') ||
      scenarios.some((scenario) => scenario.fixture?.readsCookies === true),
    invalidRequestResponse: byStatus('400') ?? byStatus('422'),
    unauthorizedResponse: byStatus('401'),
    // Only a proxy checks answers it did not make (as verify does): compiled on its first use.
    checkResponse: once(() => compileResponseCheck(operation, compiler)),
    stateReads: stateKeys.length === 0 && !counter ? undefined : { keys: (parts) => stateKeys.map((key) => key(parts)), counter }
  }
}

/** Scenarios by name; each example also by `<status>:<name>` (see nameScenarios). */
function scenarioIndex (scenarios: readonly Scenario[]): Map<string, Scenario> {
  const byName = new Map<string, Scenario>()
  for (const scenario of scenarios) {
    if (scenario.exampleName !== undefined) byName.set(qualifiedName(scenario.response.statusKey, scenario.exampleName), scenario)
  }
  for (const scenario of scenarios) byName.set(scenario.name, scenario)
  return byName
}
