import { XMLBuilder } from 'fast-xml-parser'
import type { CaseResult, VerifyReport } from './verify-report.js'

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', format: true, suppressEmptyNode: true })

/**
 * JUnit XML as CI servers read it: `testsuites` > a `testsuite` per spec > a `testcase` per
 * case (classname `<spec>.<operationId>`), each failure a `<failure type="<kind>">` with
 * expected and actual in its text, and the request line in `system-out`.
 */
export function formatJunit (report: VerifyReport, suite = 'understudy verify'): string {
  const bySpec = new Map<string, CaseResult[]>()
  for (const result of report.cases) {
    let cases = bySpec.get(result.spec)
    if (cases === undefined) bySpec.set(result.spec, cases = [])
    cases.push(result)
  }
  const testsuite = [...bySpec].map(([spec, cases]) => ({
    '@_name': xmlText(spec),
    '@_tests': cases.length,
    '@_failures': cases.filter((result) => !result.ok).length,
    '@_errors': 0,
    '@_skipped': 0,
    '@_time': seconds(cases),
    testcase: cases.map((result) => ({
      '@_name': xmlText(result.case),
      '@_classname': xmlText(`${result.spec}.${result.operationId}`),
      '@_time': seconds([result]),
      failure: result.failures.map((failure) => ({
        '@_message': xmlText(failure.message),
        '@_type': failure.kind,
        '#text': xmlText(`expected: ${failure.expected}\nactual: ${failure.actual}`)
      })),
      'system-out': xmlText(`${result.request.method} ${result.request.url}${result.response === undefined ? '' : ` → ${result.response.status}`}`)
    }))
  }))
  const document = {
    testsuites: {
      '@_name': suite,
      '@_tests': report.cases.length,
      '@_failures': report.failed,
      '@_errors': 0,
      '@_time': seconds(report.cases),
      testsuite
    }
  }
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + (builder.build(document) as string)
}

/**
 * Text XML 1.0 can hold: control characters (other than tab, LF, CR), unpaired surrogates
 * and U+FFFE/U+FFFF — a server's body quoted in a failure may have them — become `\xNN` /
 * `\uNNNN` escapes.
 */
export function xmlText (text: string): string {
  return text.replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (character) => {
    const code = character.charCodeAt(0)
    return code <= 0xFF ? `\\x${code.toString(16).padStart(2, '0').toUpperCase()}` : `\\u${code.toString(16).toUpperCase()}`
  })
}

function seconds (cases: readonly CaseResult[]): string {
  return (cases.reduce((total, result) => total + result.durationMs, 0) / 1000).toFixed(3)
}
