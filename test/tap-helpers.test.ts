import path from 'node:path'
import t from 'tap'
import { assertContract, startMock } from '../dist/testing/tap-helpers.js'
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
