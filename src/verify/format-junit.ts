import { XMLBuilder } from 'fast-xml-parser'
import type { CaseResult, VerifyReport } from './verify-report.js'

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', format: true, suppressEmptyNode: true })

/**
 * JUnit XML as CI servers read it: `testsuites` > a `testsuite` per spec > a `testcase` per
 * case (classname `<spec>.<operationId>`), each failure a `<failure type="<kind>">` with
 * expected and actual in its text, and the request line in `system-out`.
 */
export function formatJunit (report: VerifyReport): string {
  const bySpec = new Map<string, CaseResult[]>()
  for (const result of report.cases) bySpec.set(result.spec, [...(bySpec.get(result.spec) ?? []), result])
  const testsuite = [...bySpec].map(([spec, cases]) => ({
    '@_name': spec,
    '@_tests': cases.length,
    '@_failures': cases.filter((result) => !result.ok).length,
    '@_errors': 0,
    '@_skipped': 0,
    '@_time': seconds(cases),
    testcase: cases.map((result) => ({
      '@_name': result.case,
      '@_classname': `${result.spec}.${result.operationId}`,
      '@_time': seconds([result]),
      failure: result.failures.map((failure) => ({
        '@_message': failure.message,
        '@_type': failure.kind,
        '#text': `expected: ${failure.expected}\nactual: ${failure.actual}`
      })),
      'system-out': `${result.request.method} ${result.request.url}${result.response === undefined ? '' : ` → ${result.response.status}`}`
    }))
  }))
  const document = {
    testsuites: {
      '@_name': 'understudy verify',
      '@_tests': report.cases.length,
      '@_failures': report.failed,
      '@_errors': 0,
      '@_time': seconds(report.cases),
      testsuite
    }
  }
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + (builder.build(document) as string)
}

function seconds (cases: readonly CaseResult[]): string {
  return (cases.reduce((total, result) => total + result.durationMs, 0) / 1000).toFixed(3)
}
