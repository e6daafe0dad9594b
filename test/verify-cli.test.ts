import { readFile } from 'node:fs/promises'
import t from 'tap'
import { buildMockServer, type CaseResult, formatJunit, formatTap, type VerifyReport } from '../dist/index.js'
import { FIXTURES, runCli, SPECS } from './helpers.js'
import { parseJunit, parseTap } from './verify/parse-output.js'
import { closedPort, startTarget, TARGET_FIXTURES, TARGET_SPEC } from './verify/target-server.js'

async function runVerify (args: string[]): ReturnType<typeof runCli> {
  return await runCli(['verify', ...args])
}

t.test('verify the mock with the scenario header: TAP all ok, JUnit written, exit 0', async (t) => {
  const app = await buildMockServer({ specs: [SPECS], fixtures: FIXTURES })
  t.teardown(async () => await app.close())
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const junit = `${t.testdir()}/report.xml`
  const { code, stdout, stderr } = await runVerify([
    '--target', address, '--header', 'Authorization: Bearer t', '--header', 'uforge=Authorization: Basic dTpw', '--scenario-header', '--junit', junit
  ])
  t.equal(stderr, '')
  t.equal(code, 0)
  const tap = parseTap(stdout)
  t.strictSame([tap.count, tap.pass, tap.fail, tap.ok], [58, 58, 0, true])
  t.strictSame(tap.results.slice(0, 3).map((point) => point.name), [
    'crafter-studio cancelPublishRequests ok',
    'crafter-studio cancelPublishRequests nosuchSite',
    'crafter-studio cancelPublishRequests unknownPackage'
  ])
  t.strictSame(tap.comments, ['# passed 58, failed 0'])
  const report = parseJunit(await readFile(junit, 'utf8'))
  t.strictSame([report.tests, report.failures], [58, 0])
  t.strictSame(report.suites.map((suite) => [suite.name, suite.tests, suite.failures]), [['crafter-studio', 28], ['postmantis', 15], ['uforge', 15]].map(([name, tests]) => [name, tests, 0]))
  t.strictSame(report.suites[2]!.testcases[3], { name: 'cancelled', classname: 'uforge.cancelMachineImagePublish', failures: [], out: `DELETE ${address}/api/users/root/appliances/12/images/34/pimages/56/cancel → 200` })
})

t.test('verify a wrong server: TAP with diagnostics, JUnit failures by kind, exit 1', async (t) => {
  const target = await startTarget(t, { correct: false })
  const dir = t.testdir({ fixtures: TARGET_FIXTURES })
  const { code, stdout, stderr } = await runVerify([TARGET_SPEC, '--target', target.address, '--fixtures', `${dir}/fixtures`, '--junit', `${dir}/junit.xml`, '--only', 'getItem,health'])
  t.equal(stderr, '')
  t.equal(code, 1)
  const tap = parseTap(stdout)
  t.strictSame([tap.count, tap.pass, tap.fail], [4, 0, 4])
  t.strictSame(tap.results.map((point) => [point.ok, point.name]), [
    [false, 'verify-target getItem found'],
    [false, 'verify-target getItem missing'],
    [false, 'verify-target getItem deleted'],
    [false, 'verify-target health generated']
  ])
  t.strictSame(tap.results[2]!.diag, {
    kind: 'status-unexpected',
    message: 'expected status 404 (deleted), got 200',
    expected: '404',
    actual: '200',
    request: { method: 'GET', url: `${target.address}/v1/items/7` },
    response: { status: 200, contentType: 'application/json; charset=utf-8' }
  })
  t.strictSame(tap.comments, ['# passed 0, failed 4'])
  const junit = parseJunit(await readFile(`${dir}/junit.xml`, 'utf8'))
  t.strictSame([junit.tests, junit.failures], [4, 4])
  t.strictSame(junit.suites[0]!.testcases.map((testcase) => [testcase.classname, testcase.name, testcase.failures.map((failure) => failure.type)]), [
    ['verify-target.getItem', 'found', ['header-missing']],
    ['verify-target.getItem', 'missing', ['content-type-undeclared']],
    ['verify-target.getItem', 'deleted', ['status-unexpected']],
    ['verify-target.health', 'generated', ['status-undocumented']]
  ])
  t.strictSame(junit.suites[0]!.testcases[1]!.failures[0], {
    message: 'Content-Type text/html is not declared for the 404 response',
    type: 'content-type-undeclared',
    text: 'expected: application/problem+json\nactual: text/html'
  })
})

t.test('bad options: exit 1 with one line, no stack trace', async (t) => {
  const target = 'http://127.0.0.1:9'
  const runs = await Promise.all([
    runVerify([TARGET_SPEC, '--target', target, '--only', 'nope']),
    runVerify([TARGET_SPEC, '--target', target, '--header', 'no colon here']),
    runVerify([TARGET_SPEC, '--target', target, '--base-path', 'nope=/x']),
    runVerify([TARGET_SPEC, '--target', target, '--base-path', '/x']),
    runVerify([TARGET_SPEC, '--target', target, '--fixtures', '/nonexistent/fixtures'])
  ])
  t.strictSame(runs.map(({ code, stdout, stderr }) => [code, stdout, stderr]), [
    [1, '', "understudy: UNDERSTUDY_VERIFY_OPTION_INVALID: A verify option is invalid: --only: no operation 'nope' (operations: listItems, createItem, getItem, ping, health, slow)\n"],
    [1, '', "understudy: UNDERSTUDY_VERIFY_OPTION_INVALID: A verify option is invalid: --header: 'no …' is not 'Name: value'\n"],
    [1, '', "understudy: UNDERSTUDY_VERIFY_OPTION_INVALID: A verify option is invalid: --base-path: no spec 'nope' (specs: verify-target)\n"],
    [1, '', "understudy: UNDERSTUDY_VERIFY_OPTION_INVALID: A verify option is invalid: --base-path: '/x' is not 'spec=/prefix'\n"],
    [1, '', 'understudy: UNDERSTUDY_FIXTURES_NOT_FOUND /nonexistent/fixtures: The fixtures folder does not exist: /nonexistent/fixtures\n']
  ])
})

t.test('a bad --target: exit 1 with one line (no help), credentials refused and never echoed', async (t) => {
  const runs = await Promise.all([
    runVerify([TARGET_SPEC, '--target', 'ftp://x']),
    runVerify([TARGET_SPEC, '--target', 'nonsense']),
    runVerify([TARGET_SPEC, '--target', 'http://bob:hunter2@127.0.0.1:9']),
    runVerify([TARGET_SPEC, '--target', 'http://127.0.0.1:9', '--header', 'Authorization Bearer s3cr3t']),
    runVerify([TARGET_SPEC, '--target', 'http://127.0.0.1:9', '--header', '=Authorization: Bearer s3cr3t'])
  ])
  t.strictSame(runs.map(({ code, stdout, stderr }) => [code, stdout, stderr]), [
    [1, '', "understudy: UNDERSTUDY_VERIFY_OPTION_INVALID: A verify option is invalid: --target: 'ftp://x' is not an http:// or https:// URL\n"],
    [1, '', "understudy: UNDERSTUDY_VERIFY_OPTION_INVALID: A verify option is invalid: --target: 'nonsense' is not a URL\n"],
    [1, '', "understudy: UNDERSTUDY_VERIFY_OPTION_INVALID: A verify option is invalid: --target: the URL has credentials in it (http://…@127.0.0.1:9); send them with --header 'Authorization: Basic …' instead\n"],
    [1, '', "understudy: UNDERSTUDY_VERIFY_OPTION_INVALID: A verify option is invalid: --header: 'Authorization …' is not 'Name: value'\n"],
    [1, '', "understudy: UNDERSTUDY_VERIFY_OPTION_INVALID: A verify option is invalid: --header: '=Authorization …' is not 'Name: value' or 'spec=Name: value'\n"]
  ])
  for (const { stderr } of runs) t.notMatch(stderr, /hunter2|s3cr3t|bob/)
})

t.test('an unreachable target: one line before any case, exit 1', async (t) => {
  const port = await closedPort()
  const { code, stdout, stderr } = await runVerify([TARGET_SPEC, '--target', `http://127.0.0.1:${port}`, '--no-fixtures', '--timeout', '2000'])
  t.equal(code, 1)
  t.equal(stdout, '')
  t.equal(stderr, `understudy: UNDERSTUDY_VERIFY_TARGET_UNREACHABLE: Nothing answers at the verify target: http://127.0.0.1:${port}: ECONNREFUSED; is the server under test running?\n`)
})

t.test('an unwritable --junit is refused before any request is sent', async (t) => {
  const port = await closedPort()
  const { code, stdout, stderr } = await runVerify([TARGET_SPEC, '--target', `http://127.0.0.1:${port}`, '--junit', '/no-such-folder/verify.xml'])
  t.equal(code, 1)
  t.equal(stdout, '')
  t.equal(stderr, 'understudy: UNDERSTUDY_VERIFY_OPTION_INVALID: A verify option is invalid: --junit: cannot write /no-such-folder/verify.xml: /no-such-folder: ENOENT\n')
})

t.test('TAP and JUnit output', async (t) => {
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
})
