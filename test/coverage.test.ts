import path from 'node:path'
import t from 'tap'
import { assertCoverage } from '../dist/testing/tap-helpers.js'
import { BEARER, SPECS, buildMock } from './helpers.js'

const POSTMANTIS = path.join(SPECS, 'postmantis.yaml')
const POST = '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel'
const SCENARIOS: Record<string, string> = { 200: 'canceled', 400: 'invalidRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'notFound', 409: 'conflict', 429: 'rateLimited' }
const op = { spec: 'postmantis', operationId: 'cancelScheduledPost' }
const never = (...statuses: string[]): object[] => statuses.map((status) => ({ ...op, status, scenarios: [SCENARIOS[status]] }))

t.test('coverage: what was served, per session, and what never was', async (t) => {
  const app = await buildMock(t, { specs: [POSTMANTIS], fixtures: false })
  const post = async (url: string, headers: Record<string, string>): Promise<number> => (await app.inject({ method: 'POST', url, headers })).statusCode

  const empty = await app.inject({ url: '/__mock/coverage' })
  t.equal(empty.statusCode, 200)
  t.equal(empty.headers['content-type'], 'application/json; charset=utf-8')
  t.strictSame(empty.json(), {
    session: null,
    responses: { documented: 7, served: 0, percent: 0 },
    scenarios: { documented: 7, served: 0, percent: 0 },
    served: [],
    neverServed: { responses: never('200', '400', '401', '403', '404', '409', '429'), scenarios: [] },
    dropped: 0
  })

  t.equal(await post(POST, BEARER), 200)
  t.equal(await post(POST, BEARER), 200)
  t.equal(await post(POST, {}), 401, 'a refusal answers with the documented 401: served')
  t.equal(await post('/api/v1/posts/not-a-uuid/cancel', BEARER), 400, 'and the documented 400')
  t.equal(await post(POST, { ...BEARER, 'x-mock-session': 'alice', 'x-mock-scenario': 'conflict' }), 409)
  t.equal(await post(POST, { ...BEARER, 'x-mock-scenario': 'nope' }), 404, "understudy's own answers are not documented responses")
  t.equal(await post(POST, { ...BEARER, accept: 'text/html' }), 406)
  await app.inject({ method: 'POST', url: POST, headers: { ...BEARER, 'x-mock-scenario': 'forbidden', 'x-mock-fault': 'empty' } }).catch(() => undefined)

  const served = (await app.inject({ url: '/__mock/coverage' })).json()
  t.strictSame(served, {
    session: null,
    responses: { documented: 7, served: 4, percent: 57.1 },
    scenarios: { documented: 7, served: 4, percent: 57.1 },
    served: [
      { ...op, status: '200', scenario: 'canceled', session: 'default', count: 2 },
      { ...op, status: '400', scenario: 'invalidRequest', session: 'default', count: 1 },
      { ...op, status: '401', scenario: 'unauthorized', session: 'default', count: 1 },
      { ...op, status: '409', scenario: 'conflict', session: 'alice', count: 1 }
    ],
    neverServed: { responses: never('403', '404', '429'), scenarios: [] },
    dropped: 0
  }, 'a fault sent no response: the forbidden scenario was not served')

  const alice = (await app.inject({ url: '/__mock/coverage?session=alice' })).json()
  t.strictSame(alice.responses, { documented: 7, served: 1, percent: 14.3 })
  t.strictSame(alice.served, [{ ...op, status: '409', scenario: 'conflict', session: 'alice', count: 1 }])
  t.equal(alice.session, 'alice')

  t.equal((await app.inject({ method: 'DELETE', url: '/__mock/coverage?session=alice' })).statusCode, 204)
  t.strictSame((await app.inject({ url: '/__mock/coverage' })).json().responses, { documented: 7, served: 3, percent: 42.9 })
  t.equal((await app.inject({ method: 'DELETE', url: '/__mock/coverage' })).statusCode, 204)
  t.strictSame((await app.inject({ url: '/__mock/coverage' })).json(), empty.json())

  for (const url of ['/__mock/coverage?session=../x', '/__mock/coverage?session=a&session=b']) {
    const bad = await app.inject({ url })
    t.equal(bad.statusCode, 400, url)
    t.equal(bad.json().type, 'urn:understudy:error:invalid-session')
  }
})

t.test('coverage: a fixture counts for its documented response; unserved scenarios of served responses are listed', async (t) => {
  const fixtures = t.testdir({ postmantis: { cancelScheduledPost: { 'gone.yaml': 'status: 404\nbody: {type: "https://postmantis.com/problems/not-found", title: Gone, status: 404, detail: Gone., code: notFound}' } } })
  const app = await buildMock(t, { specs: [POSTMANTIS], fixtures })
  const res = await app.inject({ method: 'POST', url: POST, headers: { ...BEARER, 'x-mock-scenario': 'gone' } })
  t.equal(res.statusCode, 404)
  const report = (await app.inject({ url: '/__mock/coverage' })).json()
  t.strictSame(report.responses, { documented: 7, served: 1, percent: 14.3 })
  t.strictSame(report.scenarios, { documented: 8, served: 1, percent: 12.5 })
  t.strictSame(report.served, [{ ...op, status: '404', scenario: 'gone', session: 'default', count: 1 }])
  t.strictSame(report.neverServed.scenarios, [{ ...op, status: '404', scenario: 'notFound' }])
  t.strictSame(await app.understudy.coverage(), report, 'the in-process report is the same')
})

t.test('assertCoverage: one assertion, failing below the share, listing what was never served', async (t) => {
  const app = await buildMock(t, { specs: [POSTMANTIS], fixtures: false })
  await app.inject({ method: 'POST', url: POST, headers: BEARER })
  const calls: unknown[][] = []
  const recorder = { teardown: () => {}, ok: (...args: unknown[]) => { calls.push(args); return args[0] === true } }
  await assertCoverage(recorder, app, { atLeast: 20 })
  await assertCoverage(recorder, app, { atLeast: 14 })
  await assertCoverage(recorder, app, { atLeast: 100, session: 'alice' })
  const listed = ['200', '400', '401', '403', '404', '409', '429'].map((status) => `postmantis#cancelScheduledPost ${status}`)
  t.strictSame(calls, [
    [false, '1 of 7 documented responses served (14.3%), at least 20% expected', { neverServed: listed.slice(1) }],
    [true, '1 of 7 documented responses served (14.3%), at least 14% expected', { neverServed: listed.slice(1) }],
    [false, '0 of 7 documented responses served (0%), at least 100% expected', { neverServed: listed }]
  ])
})
