import { UnderstudyError } from '../errors.js'
import type { CompiledFixture, FixtureBehaviour } from '../fixture/compile-fixture.js'
import type { PreparedResponse } from '../respond/prepare-responses.js'
import type { IndexedOperation } from '../spec/index-operations.js'

export interface Scenario {
  name: string
  response: PreparedResponse
  /**
   * `example`: a named example in the spec; `status`: a response with no example, named by
   * its status key; `fixture`: a file under fixtures/.
   */
  source: 'example' | 'status' | 'fixture'
  fixture?: FixtureBehaviour
}

/**
 * Every named example of every response is a scenario; a response without examples (a 204,
 * say) is one too, named by its status key. Names are unique within an operation.
 */
export function collectScenarios (operation: IndexedOperation, responses: readonly PreparedResponse[]): Scenario[] {
  const scenarios: Scenario[] = []
  const seen = new Map<string, string>()
  for (const response of responses) {
    const named = response.exampleNames.length > 0
    for (const name of scenarioNames(response.statusKey, response.exampleNames)) {
      const clash = seen.get(name)
      if (clash !== undefined) {
        throw new UnderstudyError('UNDERSTUDY_SCENARIO_DUPLICATE', `'${name}' names an example of both ${clash} and ${response.statusKey} in ${operation.operationId}`, { file: operation.spec.file, pointer: operation.pointer })
      }
      seen.set(name, response.statusKey)
      scenarios.push({ name, response, source: named ? 'example' : 'status' })
    }
  }
  return scenarios
}

/** A response's scenarios: its named examples, or, without any, one named by its status key. */
export function scenarioNames (statusKey: string, exampleNames: readonly string[]): readonly string[] {
  return exampleNames.length > 0 ? exampleNames : [statusKey]
}

/** The lowest 2xx response's first scenario; with no 2xx, the lowest status documented. */
export function pickDefaultScenario (scenarios: readonly Scenario[]): Scenario | undefined {
  const rank = (scenario: Scenario): number => {
    const status = scenario.response.status
    return (status >= 200 && status < 300 ? 0 : 1000) + status + (scenario.response.statusKey === 'default' ? 2000 : 0)
  }
  return [...scenarios].sort((a, b) => rank(a) - rank(b))[0]
}

/** A fixture joins the operation's scenarios; its name may not repeat an example's. */
export function fixtureScenario (operation: IndexedOperation, scenarios: readonly Scenario[], fixture: CompiledFixture): Scenario {
  const clash = scenarios.find((scenario) => scenario.name === fixture.name)
  if (clash !== undefined) {
    const other = clash.fixture?.file ?? `${clash.source} of ${clash.response.statusKey}`
    throw new UnderstudyError('UNDERSTUDY_SCENARIO_DUPLICATE', `'${fixture.name}' is also the name of the ${other} in ${operation.operationId}`, { file: fixture.behaviour.file })
  }
  return { name: fixture.name, response: fixture.response, source: 'fixture', fixture: fixture.behaviour }
}
