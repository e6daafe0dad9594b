import t from 'tap'
import { buildMockServer, verify, type VerifyOptions, type VerifyReport } from '../dist/index.js'
import { buildOperationIndex } from '../dist/openapi/index-operations.js'
import { loadSpecs } from '../dist/openapi/load-spec.js'
import { buildCases } from '../dist/verify/build-cases.js'
import { buildRequest } from '../dist/verify/build-request.js'
import { generateRequest } from '../dist/verify/generate-request.js'
import { FIXTURES, SPECS, testSpec } from './helpers.js'

/** The mock's credentials: bearer for Crafter and PostMantis, Basic for UForge. */
const CREDENTIALS: Pick<VerifyOptions, 'headers' | 'specHeaders'> = {
  headers: { Authorization: 'Bearer t' },
  specHeaders: { uforge: { Authorization: 'Basic dTpw' } }
}

async function startMock (t: { teardown: (fn: () => unknown) => void }): Promise<string> {
  const app = await buildMockServer({ specs: [SPECS], fixtures: FIXTURES })
  t.teardown(async () => await app.close())
  return await app.listen({ port: 0, host: '127.0.0.1' })
}

/** `[case name, source, expected status, status seen]` of each case. */
function summary (report: VerifyReport): Array<[string, string, string | null, number | undefined]> {
  return report.cases.map((result) => [result.name, result.source, result.expectedStatus ?? null, result.response?.status])
}

/** Without the scenario header: the examples, the fixtures' requests (their `when` does the choosing), and UForge's success. */
const PLAIN: Array<[string, string, string | null, number]> = [
  ['crafter-studio cancelPublishRequests ok', 'example', '200', 200],
  ['crafter-studio cancelPublishRequests nosuchSite', 'fixture', '404', 404],
  ['crafter-studio cancelPublishRequests unknownPackage', 'fixture', '404', 404],
  ['crafter-studio stopPublisher ok', 'example', '200', 200],
  ['crafter-studio stopPublisher noSiteId', 'fixture', '400', 400],
  ['crafter-studio stopPublisher nosuchSite', 'fixture', '404', 404],
  ['crafter-studio stopPublisher nosuchSiteInBody', 'fixture', '404', 404],
  ['crafter-studio rejectWorkflowItems rejected', 'example', '200', 200],
  ['crafter-studio rejectWorkflowItems emptyItems', 'fixture', '200', 200],
  ['postmantis cancelScheduledPost canceledPost', 'fixture', '409', 409],
  ['postmantis cancelScheduledPost completedPost', 'fixture', '409', 409],
  ['postmantis cancelScheduledPost draftPost', 'fixture', '409', 409],
  ['postmantis cancelScheduledPost missingPost', 'fixture', '404', 404],
  ['postmantis cancelScheduledPost pendingPost', 'fixture', '409', 409],
  ['postmantis cancelScheduledPost publishedDelivery', 'fixture', '409', 409],
  ['postmantis cancelScheduledPost scheduled', 'fixture', '200', 200],
  ['uforge cancelMachineImagePublish finishedPublish', 'fixture', '409', 409],
  ['uforge cancelMachineImagePublish unknownPublish', 'fixture', '404', 404],
  ['uforge cancelMachineImagePublish generated', 'generated', null, 200]
]

t.test('the mock against itself, no scenario header: every case passes', async (t) => {
  const target = await startMock(t)
  const report = await verify({ target, specs: [SPECS], fixtures: FIXTURES, ...CREDENTIALS })
  t.strictSame(summary(report), PLAIN)
  t.strictSame(report.cases.filter((result) => !result.ok).map((result) => [result.name, result.failures]), [])
  t.strictSame([report.passed, report.failed, report.warnings], [19, 0, []])
  const uforge = report.cases.find((result) => result.name === 'uforge cancelMachineImagePublish generated')!
  t.equal(uforge.response?.contentType, 'application/xml', 'UForge answers XML, read back through the schema')
  t.strictSame(uforge.request, {
    method: 'DELETE',
    url: `${target}/api/users/root/appliances/12/images/34/pimages/56/cancel`,
    headers: { authorization: 'Basic dTpw' }
  })
  const stop = report.cases.find((result) => result.name === 'crafter-studio stopPublisher nosuchSite')!
  t.equal(stop.request.url, `${target}/studio/api/1/services/api/1/publish/stop.json?site_id=nosuch`)
  t.equal(stop.request.body, undefined)
  t.equal(stop.response?.headers['x-mock-scenario'], 'nosuchSite', 'the fixture\'s when chose it')
})

t.test('the mock against itself with --scenario-header: every scenario of every operation, each passes', async (t) => {
  const target = await startMock(t)
  const report = await verify({ target, specs: [SPECS], fixtures: FIXTURES, scenarioHeader: 'x-mock-scenario', ...CREDENTIALS })
  const scenario = (name: string, status: string): [string, string, string, number] => [name, 'scenario', status, Number(status)]
  const at = (index: number): [string, string, string | null, number] => PLAIN[index]!
  t.strictSame(summary(report), [
    at(0), at(1), at(2),
    ...[['invalidParameters', '400'], ['badRequest', '400'], ['unauthorized', '401'], ['forbidden', '403'], ['siteNotFound', '404'], ['packageNotFound', '404'], ['internalError', '500']]
      .map(([name, status]) => scenario(`crafter-studio cancelPublishRequests ${name!}`, status!)),
    at(3), at(4), at(5), at(6),
    ...[['invalidParameters', '400'], ['missingSiteId', '400'], ['badRequest', '400'], ['unauthorized', '401'], ['forbidden', '403'], ['siteNotFound', '404'], ['internalError', '500']]
      .map(([name, status]) => scenario(`crafter-studio stopPublisher ${name!}`, status!)),
    at(7), at(8),
    ...[['noItems', '200'], ['missingSiteId', '400'], ['missingItems', '400'], ['badRequest', '400'], ['unauthorized', '401']]
      .map(([name, status]) => scenario(`crafter-studio rejectWorkflowItems ${name!}`, status!)),
    at(9), at(10), at(11), at(12), at(13), at(14), at(15),
    ...[['canceled', '200'], ['invalidRequest', '400'], ['unauthorized', '401'], ['forbidden', '403'], ['notFound', '404'], ['conflict', '409'], ['rateLimited', '429'], ['alreadyCanceled', '409']]
      .map(([name, status]) => scenario(`postmantis cancelScheduledPost ${name!}`, status!)),
    at(16), at(17), at(18),
    ...[['cancelled', '200'], ['204', '204'], ['badRequest', '400'], ['unauthorized', '401'], ['forbidden', '403'], ['notFound', '404'], ['alreadyFinished', '409'],
      ['unsupportedMediaType', '415'], ['internalError', '500'], ['badGateway', '502'], ['serviceUnavailable', '503'], ['whileRunning', '200']]
      .map(([name, status]) => scenario(`uforge cancelMachineImagePublish ${name!}`, status!))
  ])
  t.strictSame(report.cases.filter((result) => !result.ok).map((result) => [result.name, result.failures]), [])
  t.strictSame([report.passed, report.failed], [58, 0])
  for (const result of report.cases) {
    t.equal(result.request.headers['x-mock-scenario'], result.scenario, `${result.name}: the scenario header names its pair`)
    if (result.scenario !== undefined) t.equal(result.response?.headers['x-mock-scenario'], result.scenario, `${result.name}: the mock answered it`)
  }
})

t.test('the mock remembers a cancel: a second run in the same session fails scheduled; a fresh x-mock-session passes', async (t) => {
  const target = await startMock(t)
  const options: VerifyOptions = { target, specs: [SPECS], fixtures: FIXTURES, only: ['cancelScheduledPost'], ...CREDENTIALS }
  t.equal((await verify(options)).failed, 0)
  const again = await verify(options)
  t.strictSame(again.cases.filter((result) => !result.ok).map((result) => [result.case, result.failures]), [
    ['scheduled', [{ kind: 'status-unexpected', message: 'expected status 200 (scheduled), got 409', expected: '200', actual: '409' }]]
  ])
  const fresh = await verify({ ...options, headers: { ...options.headers, 'x-mock-session': 'second-run' } })
  t.equal(fresh.failed, 0)
})

t.test('the mock against itself with the wrong credentials: each case reports the 401 it did not expect', async (t) => {
  const target = await startMock(t)
  const report = await verify({ target, specs: [SPECS], fixtures: FIXTURES, only: ['cancelScheduledPost'] })
  t.equal(report.failed, 7, 'every case that states a status fails')
  t.strictSame(report.cases[0]!.failures, [{ kind: 'status-unexpected', message: 'expected status 409 (canceledPost), got 401', expected: '409', actual: '401' }])
})

t.test('the requests verify sends (verify-generate.yaml)', async (t) => {
  const [operation] = buildOperationIndex(await loadSpecs([testSpec('verify-generate.yaml')]))
  const target = { target: 'http://api.test/', basePath: undefined, headers: { cookie: 'JSESSIONID=1' }, scenario: undefined }

  t.test('a generated request: examples, examples, schema examples, default, enum, faked with a fixed seed', async (t) => {
    const request = await generateRequest(operation!)
    const trace = request.headers['x-trace']
    t.match(trace, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a uuid, faked')
    t.strictSame(request, {
      path: { kind: 'a b', ids: [1, 2] },
      query: { tags: ['x', 'y'], sort: ['a', 'b'], page: 3 },
      headers: { 'x-trace': trace },
      cookies: { session: 'abc' },
      body: { value: { n: 5 }, mediaType: 'application/json' }
    })
    t.strictSame(await generateRequest(operation!), request, 'the same on every run')
  })

  t.test('the request written: path values encoded, query per style, cookies joined to a user Cookie, JSON body', async (t) => {
    const request = await generateRequest(operation!)
    t.strictSame(buildRequest(operation!, request, target), {
      method: 'POST',
      url: 'http://api.test/things/a%20b/1,2?tags=x&tags=y&sort=a%7Cb&page=3',
      headers: { cookie: 'JSESSIONID=1; session=abc', 'x-trace': request.headers['x-trace'] as string, 'content-type': 'application/json' },
      body: '{"n":5}'
    })
  })

  t.test('a parameter example name is a case; with no 2xx expected, a generated case follows', async (t) => {
    const cases = await buildCases(operation!, [], true)
    t.strictSame(cases.map((c) => [c.name, c.source, c.scenario ?? null, c.expectedStatus ?? null]), [
      ['first', 'example', null, null],
      ['generated', 'generated', null, null],
      ['200', 'scenario', '200', '200']
    ])
    t.strictSame(cases[0]!.request.query, { tags: ['x', 'y'], sort: ['a', 'b'], page: 3 })
  })
})
