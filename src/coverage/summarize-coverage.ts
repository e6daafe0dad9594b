import type { CoverageReport } from './coverage-recorder.js'

/** Operations listed by name in the summary; the rest are counted, so it fits one screen. */
const LISTED = 15

/** A one-screen summary: the shares served, then each operation with the statuses never served. */
export function summarizeCoverage (report: CoverageReport): string[] {
  const { responses, scenarios } = report
  const lines = [
    `understudy: coverage: ${responses.served} of ${responses.documented} documented responses served (${responses.percent}%), ` +
      `${scenarios.served} of ${scenarios.documented} scenarios (${scenarios.percent}%)`
  ]
  const byOperation = new Map<string, string[]>()
  for (const { spec, operationId, status } of report.neverServed.responses) {
    const key = `${spec}#${operationId}`
    byOperation.set(key, [...byOperation.get(key) ?? [], status])
  }
  if (byOperation.size === 0) return lines
  const width = Math.max(...[...byOperation.keys()].map((key) => key.length))
  lines.push('  never served:')
  for (const [operation, statuses] of [...byOperation].slice(0, LISTED)) lines.push(`    ${operation.padEnd(width)}  ${statuses.join(', ')}`)
  if (byOperation.size > LISTED) lines.push(`    … and ${byOperation.size - LISTED} more operations (see GET /__mock/coverage)`)
  return lines
}

/** `--fail-under`: compared on the exact share, not the rounded one. */
export function isUnder (report: CoverageReport, percent: number): boolean {
  const { documented, served } = report.responses
  return documented > 0 && served / documented * 100 < percent
}
