import path from 'node:path'
import t from 'tap'
import { buildMock, FIXTURES, ROOT, SPECS } from './helpers.js'

const TODOS = { specs: [path.join(ROOT, 'templates/init/specs/todos.yaml')], fixtures: false as const }

t.test('dynamic: every body is faked unless a request says x-mock-dynamic: false; seed: the same bytes every time', async (t) => {
  const app = await buildMock(t, { ...TODOS, dynamic: true, seed: '7' })
  const first = await app.inject({ url: '/api/todos/1' })
  const second = await app.inject({ url: '/api/todos/1' })
  t.equal(first.statusCode, 200)
  t.not(first.body, '{"id":1,"title":"Buy milk","done":true}', 'not the example')
  t.equal(second.body, first.body, 'the server seed makes it repeatable')
  const other = await app.inject({ url: '/api/todos/1', headers: { 'x-mock-seed': '8' } })
  t.not(other.body, first.body, "a request's seed wins")
  const example = await app.inject({ url: '/api/todos/1', headers: { 'x-mock-dynamic': 'false' } })
  t.strictSame(example.json(), { id: 1, title: 'Buy milk', done: true })
  const preferred = await app.inject({ url: '/api/todos/1', headers: { prefer: 'dynamic=false' } })
  t.strictSame(preferred.json(), { id: 1, title: 'Buy milk', done: true })
})

t.test('cors: false sends no CORS headers and answers no preflight', async (t) => {
  const app = await buildMock(t, { ...TODOS, cors: false })
  const res = await app.inject({ url: '/api/todos/1', headers: { origin: 'http://localhost:5173' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['access-control-allow-origin'], undefined)
  const preflight = await app.inject({ method: 'OPTIONS', url: '/api/todos/1', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' } })
  t.equal(preflight.statusCode, 405)
  t.equal(preflight.headers.allow, 'GET')
  t.equal(preflight.headers['access-control-allow-origin'], undefined)
})

t.test('POST /__mock/stop: only with onStopRequest, from this machine, without an Origin', async (t) => {
  const none = await buildMock(t, TODOS)
  t.equal((await none.inject({ method: 'POST', url: '/__mock/stop' })).statusCode, 404, 'a mock in tests offers no stop')
  let stops = 0
  const app = await buildMock(t, { ...TODOS, onStopRequest: () => { stops++ } })
  const forbidden = {
    type: 'urn:understudy:error:forbidden',
    title: 'Forbidden',
    status: 403,
    detail: 'The mock is stopped from this machine, with `understudy stop`, not from a web page or another host.'
  }
  const page = await app.inject({ method: 'POST', url: '/__mock/stop', headers: { origin: 'http://localhost:5173' } })
  t.equal(page.statusCode, 403)
  t.strictSame(page.json(), forbidden)
  const remote = await app.inject({ method: 'POST', url: '/__mock/stop', remoteAddress: '10.0.0.7' })
  t.equal(remote.statusCode, 403)
  t.equal(stops, 0)
  const local = await app.inject({ method: 'POST', url: '/__mock/stop' })
  t.equal(local.statusCode, 202)
  t.strictSame(local.json(), { status: 'stopping' })
  t.equal(stops, 1)
})

t.test('one spec of several: one warning line per skipped fixtures folder and per scenario set', async (t) => {
  const app = await buildMock(t, { specs: [path.join(SPECS, 'postmantis.yaml')] })
  const sets = path.join(FIXTURES, 'sets')
  t.strictSame(app.understudy.warnings, [
    `${path.join(FIXTURES, 'crafter-studio')}: no loaded spec is named 'crafter-studio'; its fixtures are not used`,
    `${path.join(FIXTURES, 'uforge')}: no loaded spec is named 'uforge'; its fixtures are not used`,
    `${sets}/logged-out.yaml: no loaded operation is named 'cancelPublishRequests', 'stopPublisher', 'rejectWorkflowItems', 'cancelMachineImagePublish'; the set leaves them out`,
    `${sets}/publisher-down.yaml: no loaded operation is named 'stopPublisher', 'cancelPublishRequests'; the set leaves them out`
  ])
})

t.test('logger: one line per request, with operationId, scenario, status and duration', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const stream = { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } }
  const app = await buildMock(t, { ...TODOS, logger: { level: 'info', stream } })
  await app.inject({ url: '/api/todos/1' })
  await app.inject({ url: '/nowhere' })
  const logged = lines.map(({ msg, method, url, status, operationId, scenario, ms }) => ({ msg: String(msg).replace(/ [\d.]+ ms$/, ' <ms> ms'), method, url, status, operationId, scenario, ms: typeof ms }))
  t.strictSame(logged, [
    { msg: 'GET /api/todos/1 200 getTodo/example <ms> ms', method: 'GET', url: '/api/todos/1', status: 200, operationId: 'getTodo', scenario: 'example', ms: 'number' },
    { msg: 'GET /nowhere 404 <ms> ms', method: 'GET', url: '/nowhere', status: 404, operationId: undefined, scenario: undefined, ms: 'number' }
  ])
})
