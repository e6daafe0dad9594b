import type { CompiledOperation } from '../routes/compile-operation.js'

/** Distinct (session, operation, status, scenario) entries kept; past this, new ones are counted as dropped. */
export const MAX_COVERAGE_ENTRIES = 100_000

export interface CoverageEntry {
  session: string
  operationId: string
  statusKey: string
  scenario: string
  count: number
}

export interface CoverageShare {
  documented: number
  served: number
  /** served / documented, in percent, to one decimal (100 when nothing is documented). */
  percent: number
}

export interface CoverageReport {
  /** The session the report is about; null: all of them. */
  session: string | null
  /** Documented responses (operation × status key) served at least once. */
  responses: CoverageShare
  /** Scenarios (examples, fixtures, responses without examples) served at least once. */
  scenarios: CoverageShare
  served: Array<{ spec: string, operationId: string, status: string, scenario: string, session: string, count: number }>
  neverServed: {
    /** Documented responses not served at all, with the scenarios that would serve them. */
    responses: Array<{ spec: string, operationId: string, status: string, scenarios: string[] }>
    /** Scenarios not served, of responses that were served in another scenario. */
    scenarios: Array<{ spec: string, operationId: string, status: string, scenario: string }>
  }
  /** Entries not recorded because the table was full. */
  dropped: number
}

/**
 * Which operation × documented response × scenario the mock served, per session. A request
 * costs one string key and one Map lookup; the report is worked out when asked for.
 */
export class CoverageRecorder {
  /** Every operation compiled: coverage counts every scenario of every operation. */
  #operations: () => Promise<readonly CompiledOperation[]> = async () => []
  readonly #entries = new Map<string, CoverageEntry>()
  #dropped = 0
  #shared: ((key: string) => void) | undefined

  /** The operations served now, which a report counts (after a reload, what was served of the vanished ones is left out). */
  measure (operations: () => Promise<readonly CompiledOperation[]>): void {
    this.#operations = operations
  }

  /**
   * Every answer recorded is handed on instead (to a store replicas share), as its entry's
   * key: reports are then of the store's entries, so none are kept here.
   */
  share (shared: (key: string) => void): void {
    this.#shared = shared
  }

  record (session: string, operationId: string, statusKey: string, scenario: string): void {
    const key = coverageKey(session, operationId, statusKey, scenario)
    if (this.#shared !== undefined) {
      this.#shared(key)
      return
    }
    const entry = this.#entries.get(key)
    if (entry !== undefined) entry.count++
    else if (this.#entries.size < MAX_COVERAGE_ENTRIES) this.#entries.set(key, { session, operationId, statusKey, scenario, count: 1 })
    else this.#dropped++
  }

  /** Forgets what was served: in every session, or in one. */
  reset (session?: string): void {
    for (const [key, entry] of this.#entries) {
      if (session === undefined || entry.session === session) this.#entries.delete(key)
    }
    if (session === undefined) this.#dropped = 0
  }

  /** What was served, of the operations served now: here, or, given them, of `entries` (a shared store's). */
  async report (session?: string, entries: Iterable<CoverageEntry> = this.#entries.values(), dropped = this.#dropped): Promise<CoverageReport> {
    const operations = await this.#operations()
    const bySlot = new Map<string, CoverageEntry[]>()
    for (const entry of entries) {
      if (session !== undefined && entry.session !== session) continue
      const slot = `${entry.operationId}\n${entry.statusKey}\n${entry.scenario}`
      const entries = bySlot.get(slot)
      if (entries === undefined) bySlot.set(slot, [entry])
      else entries.push(entry)
    }
    const report: CoverageReport = {
      session: session ?? null,
      responses: { documented: 0, served: 0, percent: 0 },
      scenarios: { documented: 0, served: 0, percent: 0 },
      served: [],
      neverServed: { responses: [], scenarios: [] },
      dropped
    }
    for (const { operation, operationId, scenarios } of operations) {
      const spec = operation.spec.name
      for (const { statusKey: status } of operation.responses) {
        const names = scenarios.filter((scenario) => scenario.response.statusKey === status).map((scenario) => scenario.name)
        const unserved = names.filter((name) => !bySlot.has(`${operationId}\n${status}\n${name}`))
        for (const name of names) {
          const entries = (bySlot.get(`${operationId}\n${status}\n${name}`) ?? []).sort((a, b) => a.session < b.session ? -1 : 1)
          for (const { session, count } of entries) report.served.push({ spec, operationId, status, scenario: name, session, count })
        }
        report.responses.documented++
        report.scenarios.documented += names.length
        report.scenarios.served += names.length - unserved.length
        if (unserved.length === names.length) {
          report.neverServed.responses.push({ spec, operationId, status, scenarios: names })
        } else {
          report.responses.served++
          for (const scenario of unserved) report.neverServed.scenarios.push({ spec, operationId, status, scenario })
        }
      }
    }
    report.responses.percent = percent(report.responses)
    report.scenarios.percent = percent(report.scenarios)
    return report
  }
}

/** An entry's key: its session, operation and status, then its scenario (the one part a newline might be in). */
export function coverageKey (session: string, operationId: string, statusKey: string, scenario: string): string {
  return `${session}\n${operationId}\n${statusKey}\n${scenario}`
}

export function entryOf (key: string, count: number): CoverageEntry {
  const [session = '', operationId = '', statusKey = '', ...scenario] = key.split('\n')
  return { session, operationId, statusKey, scenario: scenario.join('\n'), count }
}

function percent ({ documented, served }: CoverageShare): number {
  return documented === 0 ? 100 : Math.round(served / documented * 1000) / 10
}
