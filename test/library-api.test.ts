import Fastify from 'fastify'
import path from 'node:path'
import t from 'tap'
import understudy from '../dist/server/mock-plugin.js'
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

t.test('as a Fastify plugin', async (t) => {
  const TODOS = path.join(ROOT, 'templates/init/specs/todos.yaml')
  const TODO_FIXTURES = path.join(ROOT, 'templates/init/fixtures')

  /** A host app with routes, a body parser and an error handler of its own. */
  async function hostWithMock (t: { teardown: (fn: () => unknown) => void }, prefix: string | undefined): Promise<ReturnType<typeof Fastify>> {
    const host = Fastify()
    t.teardown(() => host.close())
    host.addContentTypeParser('application/x-host', { parseAs: 'string' }, (_request, text, done) => done(null, { host: text }))
    host.setErrorHandler(async (_error, _request, reply) => reply.code(418).send({ host: 'error handler' }))
    host.post('/echo', async (request) => request.body)
    host.get('/boom', async () => { throw new Error('boom') })
    await host.register(understudy, { prefix, specs: [TODOS], fixtures: TODO_FIXTURES })
    return host
  }

  t.test('under a prefix: the mock answers there, the host keeps its parsers, error handler and routes', async (t) => {
    const host = await hostWithMock(t, '/mock')
    const todos = await host.inject({ url: '/mock/api/todos' })
    t.equal(todos.statusCode, 200)
    t.strictSame(todos.json(), [{ id: 2, title: 'Water the plants', done: false }, { id: 1, title: 'Buy milk', done: true }])
    const missing = await host.inject({ url: '/mock/api/todos/404' })
    t.equal(missing.statusCode, 404)
    t.strictSame(missing.json(), { message: 'No such todo' }, 'the fixture')
    const empty = await host.inject({ url: '/mock/api/todos', headers: { 'x-mock-scenario': 'empty' } })
    t.strictSame(empty.json(), [], 'the scenario set')
    const invalid = await host.inject({ method: 'POST', url: '/mock/api/todos', headers: { 'content-type': 'application/json' }, payload: '{}' })
    t.equal(invalid.statusCode, 400)
    t.strictSame(invalid.json(), { message: 'A todo needs a title' })
    t.strictSame(JSON.parse(invalid.headers['x-mock-violations'] as string), [{ in: 'body', path: '/title', message: "must have required property 'title'" }])

    const specs = await host.inject({ url: '/mock/__mock/specs' })
    t.strictSame(specs.json(), [{ name: 'todos', title: 'Todos', version: '1.0', openapi: '3.1.0', mount: '/mock/api', url: '/mock/__mock/specs/todos' }], 'links carry the prefix')
    const docs = await host.inject({ url: '/mock/__mock/docs' })
    t.match(docs.body, '<script src="/mock/__mock/docs/static/swagger-ui-bundle.js" charset="UTF-8"></script>', 'so do the docs page\'s')
    t.equal((await host.inject({ url: '/mock/__mock/docs/static/swagger-ui-bundle.js' })).statusCode, 200)
    t.match((await host.inject({ url: '/mock/__mock/docs/static/swagger-initializer.js' })).body, '"urls":[{"name":"todos","url":"/mock/__mock/docs/specs/todos"}]')
    const docsCopy = await host.inject({ url: '/mock/__mock/docs/specs/todos' })
    t.strictSame(docsCopy.json().servers, [{ url: '/mock/api', description: 'understudy: this mock' }, { url: '/api' }], '"Try it out" goes to the mock under its prefix')
    const unknown = await host.inject({ url: '/mock/nowhere' })
    t.equal(unknown.statusCode, 404)
    t.strictSame(unknown.json(), { type: 'urn:understudy:error:not-found', title: 'Not found', status: 404, detail: 'No operation for GET /mock/nowhere' })
    for (const [method, url, allow] of [['DELETE', '/mock/api/todos/1?force=true', ['GET']], ['PUT', '/mock/api/todos', ['GET', 'POST']]] as const) {
      const wrong = await host.inject({ method, url })
      t.equal(wrong.statusCode, 405, `${method} ${url}: a documented path, another method`)
      t.equal(wrong.headers.allow, allow.join(', '))
      t.strictSame(wrong.json(), { type: 'urn:understudy:error:method-not-allowed', title: 'Method not allowed', status: 405, detail: `${method} is not allowed here; use ${allow.join(', ')}`, allow })
    }

    const echoed = await host.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/x-host' }, payload: 'hi' })
    t.equal(echoed.statusCode, 200)
    t.strictSame(echoed.json(), { host: 'hi' }, "the host's parser")
    const json = await host.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' })
    t.strictSame(json.json(), { a: 1 }, "the host's JSON parser")
    const boom = await host.inject({ url: '/boom' })
    t.equal(boom.statusCode, 418)
    t.strictSame(boom.json(), { host: 'error handler' })
    t.equal(boom.headers['access-control-allow-origin'], undefined, 'no CORS on the host routes')
    t.equal((host as unknown as Record<string, unknown>).understudy, undefined, 'the decorator stays in the mock context')
  })

  t.test('without a prefix: the mock mounts at its servers path and the host keeps its own 404', async (t) => {
    const host = await hostWithMock(t, undefined)
    t.equal((await host.inject({ url: '/api/todos/1' })).statusCode, 200)
    const unknown = await host.inject({ url: '/nowhere' })
    t.equal(unknown.statusCode, 404)
    t.strictSame(unknown.json(), { message: 'Route GET:/nowhere not found', error: 'Not Found', statusCode: 404 }, "Fastify's 404, the host's")
    const wrong = await host.inject({ method: 'DELETE', url: '/api/todos/1' })
    t.equal(wrong.statusCode, 405, 'a documented path with another method is still the mock\'s')
    t.equal(wrong.headers.allow, 'GET')
    t.strictSame(wrong.json(), { type: 'urn:understudy:error:method-not-allowed', title: 'Method not allowed', status: 405, detail: 'DELETE is not allowed here; use GET', allow: ['GET'] })
  })

  t.test("a bad spec fails the host's startup with the typed error", async (t) => {
    const host = Fastify()
    t.teardown(() => host.close())
    await t.rejects(async () => { await host.register(understudy, { specs: [path.join(ROOT, 'nowhere.yaml')] }) }, { code: 'UNDERSTUDY_SPEC_NOT_FOUND' })
  })
})
