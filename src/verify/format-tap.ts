import YAML from 'yaml'
import type { CaseResult, VerifyReport } from './verify-report.js'

/** The start of a TAP 14 stream: version and plan. */
export function formatTapHeader (total: number): string {
  return `TAP version 14\n1..${total}\n`
}

/**
 * One test point; a failure is followed by an indented YAML block with the first failure's
 * message, expected and actual, the request (method, url, never headers: they carry
 * credentials) and the status seen, and the full list when there is more than one.
 */
export function formatTapTestPoint (result: CaseResult, index: number): string {
  const line = `${result.ok ? 'ok' : 'not ok'} ${index + 1} - ${escapeDescription(result.name)}\n`
  const [first] = result.failures
  if (first === undefined) return line
  const diagnostic: Record<string, unknown> = {
    kind: first.kind,
    message: first.message,
    expected: first.expected,
    actual: first.actual,
    request: { method: result.request.method, url: result.request.url },
    ...(result.response === undefined ? {} : { response: { status: result.response.status, contentType: result.response.contentType ?? null } }),
    ...(result.failures.length > 1 ? { failures: result.failures } : {})
  }
  const yaml = YAML.stringify(diagnostic, { lineWidth: 0 }).trimEnd()
  return `${line}  ---\n${yaml.split('\n').map((text) => `  ${text}`).join('\n')}\n  ...\n`
}

export function formatTapFooter (report: Pick<VerifyReport, 'passed' | 'failed'>): string {
  return `# passed ${report.passed}, failed ${report.failed}\n`
}

/** The whole report as TAP version 14. */
export function formatTap (report: VerifyReport): string {
  return formatTapHeader(report.cases.length) + report.cases.map(formatTapTestPoint).join('') + formatTapFooter(report)
}

/** TAP reads `#` in a description as the start of a directive. */
function escapeDescription (text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/\\/g, '\\\\').replace(/#/g, '\\#')
}
