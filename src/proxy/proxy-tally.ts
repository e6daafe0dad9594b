import type { CaseFailure, CaseResult, VerifyReport } from '../verify/verify-report.js'

/** Distinct violations kept per operation and status; past this they are counted only. */
const KEPT_FAILURES = 20

interface Entry {
  spec: string
  operationId: string
  status: number
  answers: number
  broken: number
  durationMs: number
  /** The first request answered so, as the journal shows it. */
  request: { method: string, url: string }
  failures: Map<string, CaseFailure>
}

/**
 * What the backend answered through the proxy, by operation and status: how many answers,
 * how many broke the spec and how (each distinct violation once). Read on exit for the
 * summary and `--junit`, as a verify report: one case per operation and status.
 */
export class ProxyTally {
  readonly #entries = new Map<string, Entry>()

  add (spec: string, operationId: string, request: { method: string, url: string }, status: number, failures: readonly CaseFailure[], durationMs: number): void {
    const key = `${spec}\n${operationId}\n${status}`
    let entry = this.#entries.get(key)
    if (entry === undefined) this.#entries.set(key, entry = { spec, operationId, status, answers: 0, broken: 0, durationMs: 0, request, failures: new Map() })
    entry.answers++
    entry.durationMs += durationMs
    if (failures.length > 0) entry.broken++
    for (const failure of failures) {
      if (entry.failures.size < KEPT_FAILURES) entry.failures.set(`${failure.kind}\n${failure.message}`, failure)
    }
  }

  /** The lines printed when the mock stops: how many answers, and each way one broke the spec. */
  summary (): string[] {
    const entries = [...this.#entries.values()]
    const answers = entries.reduce((sum, entry) => sum + entry.answers, 0)
    const broken = entries.reduce((sum, entry) => sum + entry.broken, 0)
    const lines = [`understudy: the backend answered ${answers} request${answers === 1 ? '' : 's'} through the mock; ${broken === 0 ? 'every answer matched the spec' : `${broken} broke it`}`]
    for (const result of this.report().cases.filter(({ ok }) => !ok)) {
      lines.push(`  ${result.spec} ${result.operationId} ${result.case}`)
      for (const failure of result.failures) lines.push(`    ${failure.kind}: ${failure.message}`)
    }
    return lines
  }

  report (): VerifyReport {
    const cases: CaseResult[] = [...this.#entries.values()]
      .sort((a, b) => `${a.spec} ${a.operationId} ${a.status}` < `${b.spec} ${b.operationId} ${b.status}` ? -1 : 1)
      .map((entry) => {
        const name = `${entry.status}: ${entry.answers} answer${entry.answers === 1 ? '' : 's'}${entry.broken === 0 ? '' : `, ${entry.broken} breaking the spec`}`
        return {
          name: `${entry.spec} ${entry.operationId} ${name}`,
          spec: entry.spec,
          operationId: entry.operationId,
          case: name,
          source: 'generated',
          request: { ...entry.request, headers: {} },
          response: { status: entry.status, headers: {}, body: '' },
          durationMs: entry.durationMs,
          ok: entry.broken === 0,
          failures: [...entry.failures.values()]
        }
      })
    const failed = cases.filter((result) => !result.ok).length
    return { passed: cases.length - failed, failed, cases, warnings: [] }
  }
}
