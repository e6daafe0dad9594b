import type { ScenarioSet } from '../fixture/compile-scenario-sets.js'
import { documentedResponseFor } from '../respond/prepare-responses.js'
import type { Session } from '../session/session-store.js'
import type { Scenario } from './collect-scenarios.js'
import { parsePrefer, scenarioFor, single, type Preference } from './parse-headers.js'

export interface ScenarioTable {
  operationId: string
  scenarios: readonly Scenario[]
  byName: ReadonlyMap<string, Scenario>
  defaultScenario: Scenario | undefined
  /** Fixtures with `when`, in name order: the first that matches a request answers it. */
  matchers: readonly Scenario[]
}

export interface SelectionHeaders {
  'x-mock-scenario'?: string | string[]
  'x-mock-dynamic'?: string | string[]
  'x-mock-seed'?: string | string[]
  prefer?: string | string[]
}

export interface SelectionInput {
  headers: SelectionHeaders
  sets: ReadonlyMap<string, ScenarioSet>
  /** What holds when a request does not say: `--dynamic`, `--seed`. */
  defaults: { dynamic: boolean, seed: string | undefined }
  session: Session | undefined
  /** Whether a fixture's `when` holds for this request. */
  matches: (scenario: Scenario) => boolean
}

export type Selection =
  | { ok: true, scenario: Scenario, status: number, dynamic: boolean, seed: string | undefined }
  | { ok: false, requested: string }

/**
 * 1. `x-mock-scenario`: a scenario of the operation, or a scenario set (an operation the
 *    set leaves out carries on down this list);
 * 2. `Prefer: code=, example=`;
 * 3. the session's choice: its scenario for the operation, else its set's;
 * 4. the first fixture, in name order, whose `when` matches;
 * 5. the default scenario.
 * `dynamic` (Prefer or `x-mock-dynamic`, else the server's default) asks for a body faked
 * from the schema.
 */
export function selectScenario (table: ScenarioTable, { headers, sets, defaults, session, matches }: SelectionInput): Selection {
  const prefer = parsePrefer(single(headers.prefer))
  const header = single(headers['x-mock-dynamic'])
  const dynamic = prefer.dynamic ?? (header === undefined ? defaults.dynamic : header === 'true')
  const seed = single(headers['x-mock-seed']) ?? prefer.seed ?? defaults.seed
  const named = scenarioFor(single(headers['x-mock-scenario']), table.operationId)
  const chosen = (scenario: Scenario | undefined, status?: number): Selection =>
    scenario === undefined
      ? { ok: false, requested: describe(named, prefer.code, prefer.example) }
      : { ok: true, scenario, status: status ?? scenario.response.status, dynamic, seed }

  if (named !== undefined) {
    const scenario = table.byName.get(named)
    const set = scenario === undefined ? sets.get(named) : undefined
    if (set === undefined) return chosen(scenario)
    const inSet = set.scenarios.get(table.operationId)
    if (inSet !== undefined) return chosen(table.byName.get(inSet))
  }
  if (prefer.example !== undefined || prefer.code !== undefined) {
    return chosen(preferredScenario(table, prefer), prefer.code === undefined ? undefined : Number(prefer.code))
  }
  if (session !== undefined) {
    const name = session.scenarios.get(table.operationId) ??
      (session.set === undefined ? undefined : sets.get(session.set)?.scenarios.get(table.operationId))
    const scenario = name === undefined ? undefined : table.byName.get(name)
    if (scenario !== undefined) return chosen(scenario)
  }
  for (const scenario of table.matchers) {
    if (matches(scenario)) return chosen(scenario)
  }
  return chosen(table.defaultScenario)
}

/** `Prefer: code=404, example=x`: that example of the 404 response (else 4XX, else default); either alone narrows by itself. */
export function preferredScenario (table: ScenarioTable, prefer: Preference): Scenario | undefined {
  const { code, example } = prefer
  if (code === undefined) return example === undefined ? undefined : table.byName.get(example)
  const candidates = example === undefined ? table.scenarios : table.scenarios.filter((s) => s.exampleName === example || s.name === example)
  return withCode(candidates, code)
}

/** For `code=404`: the first scenario of the response that documents 404 (`404`, else `4XX`, else `default`). */
function withCode (scenarios: readonly Scenario[], code: string): Scenario | undefined {
  if (!/^[1-5]\d\d$/.test(code)) return undefined
  const response = documentedResponseFor(scenarios.map((scenario) => scenario.response), Number(code))
  return scenarios.find((scenario) => scenario.response === response)
}

/** The operation's scenario names, as listed (without the `<status>:<name>` aliases `byName` also knows). */
export function scenarioNames (table: ScenarioTable): string[] {
  return table.scenarios.map((scenario) => scenario.name)
}

function describe (name: string | undefined, code: string | undefined, example: string | undefined): string {
  if (name !== undefined) return name
  return [code === undefined ? '' : `code=${code}`, example === undefined ? '' : `example=${example}`].filter(Boolean).join(', ')
}
