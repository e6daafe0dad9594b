import t from 'tap'
import { formatJunit, formatTap, type CaseResult, type VerifyReport } from '../dist/index.js'
import { parseJunit, parseTap } from './verify/parse-output.js'

function result (name: string, overrides: Partial<CaseResult>): CaseResult {
  const [spec = '', operationId = '', caseName = ''] = name.split(' ')
  return {
    name,
    spec,
    operationId,
    case: caseName,
    source: 'example',
    request: { method: 'POST', url: `http://api.test/${operationId}`, headers: { authorization: 'Bearer secret' } },
    response: { status: 200, contentType: 'application/json', headers: {}, body: '{}' },
    durationMs: 12,
    ok: true,
    failures: [],
    ...overrides
  }
}

const REPORT: VerifyReport = {
  passed: 1,
  failed: 2,
  warnings: [],
  cases: [
    result('shop createOrder ok', { expectedStatus: '201', response: { status: 201, contentType: 'application/json', headers: {}, body: '{}' } }),
    result('shop createOrder outOfStock', {
      ok: false,
      expectedStatus: '409',
      failures: [{ kind: 'status-unexpected', message: 'expected status 409 (outOfStock), got 200', expected: '409', actual: '200' }]
    }),
    result('billing charge card#2', {
      ok: false,
      durationMs: 1500,
      response: undefined,
      failures: [
        { kind: 'unreachable', message: 'no complete response within 1500 ms', expected: 'a response within 1500 ms', actual: 'timed out after 1500 ms' },
        { kind: 'body-invalid', message: 'a <second> & "quoted" failure', expected: 'type integer', actual: '"x" (string)' }
      ]
    })
  ]
}

t.test('TAP: version, plan, one test point per case, a YAML diagnostic under each failure, the tally', async (t) => {
  const tap = formatTap(REPORT)
  t.equal(tap.split('\n').slice(0, 4).join('\n'), 'TAP version 14\n1..3\nok 1 - shop createOrder ok\nnot ok 2 - shop createOrder outOfStock')
  t.equal(tap.split('\n').slice(4, 16).join('\n'), [
    '  ---',
    '  kind: status-unexpected',
    '  message: expected status 409 (outOfStock), got 200',
    '  expected: "409"',
    '  actual: "200"',
    '  request:',
    '    method: POST',
    '    url: http://api.test/createOrder',
    '  response:',
    '    status: 200',
    '    contentType: application/json',
    '  ...'
  ].join('\n'))
  t.notMatch(tap, 'secret', 'request headers (credentials) are not printed')
  t.ok(tap.endsWith('# passed 1, failed 2\n'))

  const parsed = parseTap(tap)
  t.strictSame([parsed.count, parsed.pass, parsed.fail, parsed.plan, parsed.ok], [3, 1, 2, { start: 1, end: 3 }, false])
  t.strictSame(parsed.results.map((point) => [point.id, point.ok, point.name]), [
    [1, true, 'shop createOrder ok'],
    [2, false, 'shop createOrder outOfStock'],
    [3, false, 'billing charge card#2']
  ])
  t.strictSame(parsed.results[1]!.diag, {
    kind: 'status-unexpected',
    message: 'expected status 409 (outOfStock), got 200',
    expected: '409',
    actual: '200',
    request: { method: 'POST', url: 'http://api.test/createOrder' },
    response: { status: 200, contentType: 'application/json' }
  })
  t.strictSame(parsed.results[2]!.diag, {
    kind: 'unreachable',
    message: 'no complete response within 1500 ms',
    expected: 'a response within 1500 ms',
    actual: 'timed out after 1500 ms',
    request: { method: 'POST', url: 'http://api.test/charge' },
    failures: REPORT.cases[2]!.failures
  }, 'several failures: the first on top, all of them listed')
  t.strictSame(parsed.comments, ['# passed 1, failed 2'])
})

t.test('TAP with no cases is a valid empty plan', async (t) => {
  const parsed = parseTap(formatTap({ passed: 0, failed: 0, warnings: [], cases: [] }))
  t.strictSame([parsed.count, parsed.plan, parsed.ok], [0, { start: 1, end: 0 }, true])
})

t.test('JUnit: a testsuite per spec, a testcase per case, a failure element per failure', async (t) => {
  const xml = formatJunit(REPORT)
  t.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="understudy verify" tests="3" failures="2" errors="0" time="1.524">'))
  t.match(xml, '<failure message="a &lt;second&gt; &amp; &quot;quoted&quot; failure" type="body-invalid">', 'markup in messages is escaped')
  t.strictSame(parseJunit(xml), {
    tests: 3,
    failures: 2,
    suites: [
      {
        name: 'shop',
        tests: 2,
        failures: 1,
        testcases: [
          { name: 'ok', classname: 'shop.createOrder', failures: [], out: 'POST http://api.test/createOrder → 201' },
          {
            name: 'outOfStock',
            classname: 'shop.createOrder',
            failures: [{ message: 'expected status 409 (outOfStock), got 200', type: 'status-unexpected', text: 'expected: 409\nactual: 200' }],
            out: 'POST http://api.test/createOrder → 200'
          }
        ]
      },
      {
        name: 'billing',
        tests: 1,
        failures: 1,
        testcases: [{
          name: 'card#2',
          classname: 'billing.charge',
          failures: [
            { message: 'no complete response within 1500 ms', type: 'unreachable', text: 'expected: a response within 1500 ms\nactual: timed out after 1500 ms' },
            { message: 'a <second> & "quoted" failure', type: 'body-invalid', text: 'expected: type integer\nactual: "x" (string)' }
          ],
          out: 'POST http://api.test/charge'
        }]
      }
    ]
  })
})

t.test('JUnit: characters XML 1.0 forbids, quoted from a body, are escaped: the file stays well-formed', async (t) => {
  const body = 'a\x00b\x07c\x0Bd\x0Ce\x1Ff\uD800g\uDC00h\uFFFEi\uFFFFj\tk\nl😀'
  const report: VerifyReport = {
    passed: 0,
    failed: 1,
    warnings: [],
    cases: [result('shop get\x01Order weird\x02', {
      ok: false,
      failures: [{ kind: 'body-unparsable', message: `not JSON: ${body}`, expected: 'JSON', actual: body }]
    })]
  }
  const xml = formatJunit(report)
  t.notMatch(xml, /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/)
  const junit = parseJunit(xml)
  t.strictSame(junit.suites[0]!.testcases[0]!.failures[0]!.text, 'expected: JSON\nactual: a\\x00b\\x07c\\x0Bd\\x0Ce\\x1Ff\\uD800g\\uDC00h\\uFFFEi\\uFFFFj\tk\nl😀')
  t.equal(junit.suites[0]!.testcases[0]!.classname, 'shop.get\\x01Order')
  t.equal(junit.suites[0]!.testcases[0]!.name, 'weird\\x02')
})

t.test('JUnit: many cases of one spec, grouped in order', async (t) => {
  const cases = Array.from({ length: 2000 }, (_, index) => result(`${index % 2 === 0 ? 'a' : 'b'} op c${index}`, {}))
  const junit = parseJunit(formatJunit({ passed: cases.length, failed: 0, warnings: [], cases }))
  t.strictSame(junit.suites.map((suite) => [suite.name, suite.tests]), [['a', 1000], ['b', 1000]])
  t.equal(junit.suites[1]!.testcases[999]!.name, 'c1999')
})
