import path from 'node:path'
import t from 'tap'
import { assertContract, assertRequested, startMock } from '../dist/testing/tap-helpers.js'
import { SPECS } from './helpers.js'

const POSTMANTIS = path.join(SPECS, 'postmantis.yaml')

/** A stand-in for `t` that records the assertions instead of making them. */
function recorder (): { t: { teardown: () => void, ok: (...args: unknown[]) => boolean }, calls: unknown[][] } {
  const calls: unknown[][] = []
  return { t: { teardown: () => {}, ok: (...args) => { calls.push(args); return args[0] === true } }, calls }
}

t.test('startMock listens on 127.0.0.1 and closes with the test', async (t) => {
  let closed: (() => unknown) | undefined
  const { app, url } = await startMock({ teardown: (fn) => { closed = fn }, ok: () => true }, { specs: [POSTMANTIS], fixtures: false })
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal((await fetch(`${url}/__mock/health`)).status, 200)
  await closed?.()
  t.equal(app.server.listening, false)
})

t.test('assertContract: one assertion per verify case, failures as diagnostics', async (t) => {
  const { url } = await startMock(t, { specs: [POSTMANTIS], fixtures: false })
  const passing = recorder()
  const report = await assertContract(passing.t, { target: url, specs: [POSTMANTIS], fixtures: false, headers: { authorization: 'Bearer t' }, scenarioHeader: 'x-mock-scenario' })
  t.equal(report.failed, 0)
  t.strictSame(passing.calls.map(([ok, name, extra]) => [ok, name, extra]), report.cases.map(({ name }) => [true, name, {}]))
  t.strictSame(report.cases.map(({ name }) => name), [
    'postmantis cancelScheduledPost generated',
    ...['canceled', 'invalidRequest', 'unauthorized', 'forbidden', 'notFound', 'conflict', 'rateLimited'].map((name) => `postmantis cancelScheduledPost ${name}`)
  ])

  const failing = recorder()
  await assertContract(failing.t, { target: url, specs: [POSTMANTIS], fixtures: false, scenarioHeader: 'x-mock-scenario', only: ['cancelScheduledPost'] })
  const [first] = failing.calls
  t.equal(first?.[0], true, 'the generated case accepts any documented status (here the 401)')
  const canceled = failing.calls[1]!
  t.equal(canceled[0], false)
  t.equal(canceled[1], 'postmantis cancelScheduledPost canceled')
  t.strictSame(canceled[2], {
    failures: [{ kind: 'status-unexpected', message: 'expected status 200 (canceled), got 401', expected: '200', actual: '401' }],
    request: { method: 'POST', url: `${url}/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel` }
  })
})

t.test('assertRequested: one assertion on what the client sent, from the journal, with what it sent as diagnostics', async (t) => {
  const { app, url } = await startMock(t, { specs: [path.join(SPECS, 'crafter-studio.yaml')], fixtures: false })
  const send = async (body: object, session = 'default'): Promise<void> => {
    await fetch(`${url}/studio/api/1/services/api/1/publish/cancel-publish-requests.json`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json', 'x-mock-session': session }, body: JSON.stringify(body) })
  }
  const ok = { site_id: 'mysite', package_ids: ['588d5441-9aa9-4fb7-9a51-8c9a80f4f1d5'] }
  await send(ok)
  await send({ site_id: 'other', package_ids: [] }, 'alice')
  const checks = recorder()
  assertRequested(checks.t, app, { operationId: 'cancelPublishRequests' })
  assertRequested(checks.t, app, { operationId: 'cancelPublishRequests', times: 2 })
  assertRequested(checks.t, app, { operationId: 'cancelPublishRequests', times: 1, body: ok })
  assertRequested(checks.t, app, { operationId: 'cancelPublishRequests', session: 'alice', body: ok })
  assertRequested(checks.t, app, { operationId: 'getPackages' })
  const path0 = '/studio/api/1/services/api/1/publish/cancel-publish-requests.json'
  const sent = [
    { method: 'POST', url: path0, status: 400, body: '{"site_id":"other","package_ids":[]}' },
    { method: 'POST', url: path0, status: 200, body: JSON.stringify(ok) }
  ]
  t.strictSame(checks.calls, [
    [true, 'cancelPublishRequests requested at least once: 2', { sent }],
    [true, 'cancelPublishRequests requested 2 times: 2', { sent }],
    [true, 'cancelPublishRequests requested 1 time with that body: 1', { sent }],
    [false, 'cancelPublishRequests requested at least once with that body in session alice: 0', { sent: sent.slice(0, 1) }],
    [false, 'getPackages requested at least once: 0', { sent: [] }]
  ])
})
