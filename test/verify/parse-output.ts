import { XMLParser } from 'fast-xml-parser'
import { Parser, type Result } from 'tap-parser'

export interface ParsedTap {
  results: Result[]
  comments: string[]
  count: number
  pass: number
  fail: number
  plan: { start: number, end: number }
  ok: boolean
}

/** A TAP stream as tap-parser reads it: test points (with their YAML diagnostics), comments, the plan. */
export function parseTap (text: string): ParsedTap {
  const results: Result[] = []
  const comments: string[] = []
  let parsed: ParsedTap | undefined
  const parser = new Parser((final) => {
    parsed = { results, comments, count: final.count, pass: final.pass, fail: final.fail, plan: { start: final.plan.start ?? 0, end: final.plan.end ?? 0 }, ok: final.ok }
  })
  parser.on('assert', (result: Result) => results.push(result))
  parser.on('comment', (comment: string) => comments.push(comment.trim()))
  parser.end(text)
  if (parsed === undefined) throw new Error('tap-parser did not finish')
  return parsed
}

export interface JunitCase { name: string, classname: string, failures: Array<{ message: string, type: string, text: string }>, out: string }
export interface JunitSuite { name: string, tests: number, failures: number, testcases: JunitCase[] }

/** A JUnit XML report read back with fast-xml-parser. */
export function parseJunit (xml: string): { tests: number, failures: number, suites: JunitSuite[] } {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => ['testsuite', 'testcase', 'failure'].includes(name)
  })
  const document = parser.parse(xml) as { testsuites: Record<string, unknown> & { testsuite?: Array<Record<string, unknown>> } }
  const root = document.testsuites
  return {
    tests: Number(root.tests),
    failures: Number(root.failures),
    suites: (root.testsuite ?? []).map((suite) => ({
      name: String(suite.name),
      tests: Number(suite.tests),
      failures: Number(suite.failures),
      testcases: ((suite.testcase ?? []) as Array<Record<string, unknown>>).map((testcase) => ({
        name: String(testcase.name),
        classname: String(testcase.classname),
        failures: ((testcase.failure ?? []) as Array<Record<string, string>>).map((failure) => ({ message: failure.message ?? '', type: failure.type ?? '', text: failure['#text'] ?? '' })),
        out: String(testcase['system-out'] ?? '')
      }))
    }))
  }
}
