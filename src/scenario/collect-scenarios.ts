import { UnderstudyError } from '../errors.js'
import type { CompiledFixture, FixtureBehaviour } from '../fixture/compile-fixture.js'
import type { PreparedResponse } from '../respond/prepare-responses.js'
import type { IndexedOperation } from '../openapi/index-operations.js'

export interface Scenario {
  name: string
  /** The example it sends: its name in the spec (`example`); the scenario's own name may be `404:example`. */
  exampleName: string | undefined
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
 * say) is one too, named by its status key, and so is one whose examples all break its
 * schema (its body faked). See `nameScenarios` for names used twice.
 */
export function collectScenarios (responses: readonly PreparedResponse[]): Scenario[] {
  return nameScenarios(responses).map(({ name, example, response }) =>
    ({ name, exampleName: example, response, source: example === undefined ? 'status' : 'example' }))
}

export interface NamedScenario<R> {
  name: string
  /** The example's name in the spec; undefined for a response without examples. */
  example: string | undefined
  response: R
}

/**
 * The scenarios of an operation's responses: each named example, or, for a response
 * without any, its status key. One example name may be used under two responses (valid
 * OpenAPI; swagger2openapi names every converted example `response`): the bare name is
 * the lowest status's, and every example is also `<status>:<name>` (`404:example`), which
 * is the name a repeated one is listed under.
 */
export function nameScenarios<R extends { statusKey: string, exampleNames: readonly string[], fakesDefault?: boolean }> (responses: readonly R[]): Array<NamedScenario<R>> {
  const taken = new Set<string>()
  const named = new Map<R, Array<NamedScenario<R>>>()
  for (const response of [...responses].sort((a, b) => statusRank(a.statusKey) - statusRank(b.statusKey))) {
    const byStatus = response.exampleNames.length === 0 || response.fakesDefault === true ? [{ name: response.statusKey, example: undefined, response }] : []
    const entries = [
      ...byStatus,
      ...response.exampleNames.map((example) => ({ name: taken.has(example) ? qualifiedName(response.statusKey, example) : example, example, response }))
    ]
    for (const entry of entries) taken.add(entry.name)
    named.set(response, entries)
  }
  // Listed in document order.
  return responses.flatMap((response) => named.get(response) ?? [])
}

export function qualifiedName (statusKey: string, example: string): string {
  return `${statusKey}:${example}`
}

/** `200` < `2XX` < `404` < … < `default`. */
function statusRank (statusKey: string): number {
  if (/^\d{3}$/.test(statusKey)) return Number(statusKey) * 2
  if (/^[1-5]XX$/i.test(statusKey)) return Number(statusKey[0]) * 200 + 199
  return 10_000
}

/**
 * The lowest 2xx response's default answer (a `default` standing for success counts); else
 * the lowest status's. A response's default answer is its first example that conforms to
 * the schema, else its scenario named by the status (see prepareResponses).
 */
export function pickDefaultScenario (scenarios: readonly Scenario[]): Scenario | undefined {
  const rank = (scenario: Scenario): number => {
    const { status, statusKey, defaultExample } = scenario.response
    // `default` is the last resort, unless it is the success answer (see prepareResponses).
    return (status >= 200 && status < 300 ? 0 : 1000) + status + (statusKey === 'default' && status >= 300 ? 2000 : 0) +
      (scenario.source === 'example' && scenario.exampleName !== defaultExample ? 0.5 : 0)
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
  return { name: fixture.name, exampleName: undefined, response: fixture.response, source: 'fixture', fixture: fixture.behaviour }
}
