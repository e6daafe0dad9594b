import Fastify from 'fastify'
import path from 'node:path'
import t from 'tap'
import understudy from '../dist/server/mock-plugin.js'
import { ROOT } from './helpers.js'

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
  t.strictSame(specs.json(), [{ name: 'todos', title: 'Todos', version: '1.0', openapi: '3.1.0', url: '/mock/__mock/specs/todos' }], 'links carry the prefix')
  const docs = await host.inject({ url: '/mock/__mock/docs' })
  t.match(docs.body, '<script src="/mock/__mock/docs/static/swagger-ui-bundle.js" charset="UTF-8"></script>', 'so do the docs page\'s')
  t.equal((await host.inject({ url: '/mock/__mock/docs/static/swagger-ui-bundle.js' })).statusCode, 200)
  t.match((await host.inject({ url: '/mock/__mock/docs/static/swagger-initializer.js' })).body, '"urls":[{"name":"todos","url":"/mock/__mock/specs/todos"}]')
  const unknown = await host.inject({ url: '/mock/nowhere' })
  t.equal(unknown.statusCode, 404)
  t.strictSame(unknown.json(), { type: 'urn:understudy:error:not-found', title: 'Not found', status: 404, detail: 'No operation for GET /mock/nowhere' })

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
})

t.test("a bad spec fails the host's startup with the typed error", async (t) => {
  const host = Fastify()
  t.teardown(() => host.close())
  await t.rejects(async () => { await host.register(understudy, { specs: [path.join(ROOT, 'nowhere.yaml')] }) }, { code: 'UNDERSTUDY_SPEC_NOT_FOUND' })
})
