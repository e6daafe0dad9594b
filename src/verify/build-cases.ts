import type { OpenAPIV3 } from 'openapi-types'
import type { FixtureRequest } from '../fixture/fixture-format.js'
import { responseExampleNames } from '../respond/prepare-responses.js'
import { nameScenarios } from '../scenario/collect-scenarios.js'
import type { IndexedOperation } from '../openapi/index-operations.js'
import { generateRequest, requestBodyOf, requestExampleNames, type CaseRequest } from './generate-request.js'
import type { FixtureCase } from './read-fixture-requests.js'
import type { CaseSource } from './verify-report.js'

/** The name of the case made up when the examples and fixtures leave an operation's success untried. */
export const GENERATED_CASE = 'generated'

export interface VerifyCase {
  operation: IndexedOperation
  name: string
  source: CaseSource
  /** The response example or fixture this case is paired with: what a mock is told to answer. */
  scenario: string | undefined
  expectedStatus: string | undefined
  request: CaseRequest
}

/** A scenario of the operation as the mock names them: an example, a response without one, a fixture. */
interface ScenarioRef {
  name: string
  /** The status key (`200`, `4XX`, `default`) or, for a fixture, its status. */
  expectedStatus: string
}

/**
 * The cases of one operation, in a stable order:
 * 1. each request example name N (body and parameter `examples`), paired with the response
 *    example or fixture named N when there is one;
 * 2. each fixture with a `request:` block, expecting the fixture's status;
 * 3. when no case so far expects a 2xx, a generated minimal request (no status stated),
 *    so the success path is always tried;
 * 4. with `withScenarios`, every scenario not paired above, sent with the minimal request.
 */
export async function buildCases (operation: IndexedOperation, fixtures: readonly FixtureCase[], withScenarios: boolean): Promise<VerifyCase[]> {
  const scenarios = [...responseScenarios(operation), ...fixtures.map((f) => ({ name: f.name, expectedStatus: String(f.status) }))]
  const byName = new Map(scenarios.map((scenario) => [scenario.name, scenario]))
  const cases: VerifyCase[] = []
  const add = (name: string, source: CaseSource, request: CaseRequest, scenario: ScenarioRef | undefined): void => {
    cases.push({ operation, name, source, scenario: scenario?.name, expectedStatus: scenario?.expectedStatus, request })
  }

  for (const name of requestExampleNames(operation)) {
    add(name, 'example', await generateRequest(operation, name), byName.get(name))
  }
  const minimal = await generateRequest(operation)
  for (const fixture of fixtures) {
    // A fixture named like a request example is already that example's pair.
    if (fixture.request === undefined || cases.some((c) => c.name === fixture.name)) continue
    add(fixture.name, 'fixture', applyFixtureRequest(operation, minimal, fixture.request), byName.get(fixture.name))
  }
  if (!cases.some((c) => c.expectedStatus?.startsWith('2') === true)) add(GENERATED_CASE, 'generated', minimal, undefined)
  if (withScenarios) {
    const paired = new Set(cases.map((c) => c.scenario))
    for (const scenario of scenarios) {
      if (!paired.has(scenario.name)) add(scenario.name, 'scenario', minimal, scenario)
    }
  }
  return cases
}

/** The mock's scenarios of the spec's responses, named as the mock names them. */
function responseScenarios (operation: IndexedOperation): ScenarioRef[] {
  const responses = operation.responses.map(({ statusKey, response }) =>
    ({ statusKey, exampleNames: responseExampleNames(operation.spec.dereferenced.at(response.pointer) as OpenAPIV3.ResponseObject) }))
  return nameScenarios(responses).map(({ name, response }) => ({ name, expectedStatus: response.statusKey }))
}

/** The fixture's `request:` over the minimal request: its values win, `null` leaves one out. */
function applyFixtureRequest (operation: IndexedOperation, minimal: CaseRequest, request: FixtureRequest): CaseRequest {
  const lowerCased = Object.fromEntries(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]))
  let body = minimal.body
  if (request.body !== undefined) {
    const mediaType = request.mediaType ?? minimal.body?.mediaType ?? Object.keys(requestBodyOf(operation)?.content ?? {})[0] ?? 'application/json'
    body = { value: request.body, mediaType }
  } else if (body !== undefined && request.mediaType !== undefined) {
    body = { ...body, mediaType: request.mediaType }
  }
  return {
    path: { ...minimal.path, ...request.path },
    query: { ...minimal.query, ...request.query },
    headers: { ...minimal.headers, ...lowerCased },
    cookies: { ...minimal.cookies, ...request.cookies },
    ...(body === undefined ? {} : { body })
  }
}
