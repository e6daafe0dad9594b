import Fastify, { type FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { cp, readFile, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t, { type Test } from 'tap'
import { buildMockServer, type MockServer } from '../dist/index.js'
import understudy from '../dist/server/mock-plugin.js'
import { watchMockServer } from '../dist/server/watch-mock-server.js'
import { ROOT, runCli, testSpec } from './helpers.js'

// A mock in front of a real backend (a second Fastify on 127.0.0.1): every answer held to the spec.

const SPEC = path.join(ROOT, 'templates/init/specs/todos.yaml')
const FIXTURES = path.join(ROOT, 'templates/init/fixtures')

interface Seen { method: string, url: string, headers: Record<string, unknown>, body: unknown }

/** The backend: lists todos as documented, drifts on one (its id a string), has no POST yet. */
async function backend (t: Test, prefix = '/api'): Promise<{ url: string, seen: Seen[], server: FastifyInstance }> {
  const seen: Seen[] = []
  const server = Fastify()
  server.addHook('onRequest', async (request) => { seen.push({ method: request.method, url: request.url, headers: request.headers, body: undefined }) })
  server.addHook('preHandler', async (request) => { seen.at(-1)!.body = request.body })
  server.get(`${prefix}/todos`, async (request, reply) => (request.query as { plain?: string }).plain === undefined
    ? reply.header('x-total', '1').type('application/json').send('[{"id":7,"title":"Real","done":false}]')
    : reply.type('text/plain').send('7 Real'))
  server.get(`${prefix}/todos/:id`, async (request) => {
    const { id } = request.params as { id: string }
    return id === '7' ? { id: 7, title: 'Real', done: false } : { id, title: 'Drifted', done: false }
  })
  await server.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => server.close())
  return { url: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`, seen, server }
}

async function proxyTo (t: Test, target: string, options: { fallback?: boolean, strict?: boolean, basePaths?: Record<string, string> } = {}): Promise<MockServer> {
  const { fallback, basePaths, strict } = options
  const mock = await buildMockServer({ specs: [SPEC], fixtures: FIXTURES, strict, proxy: { target, fallback, basePaths } })
  t.teardown(() => mock.close())
  return mock
}

t.test("a conforming answer passes through as the backend sent it; the mock's controls stay home", async (t) => {
  const { url, seen } = await backend(t)
  const mock = await proxyTo(t, url)
  const res = await mock.inject({ url: '/api/todos?page=1', headers: { 'x-mock-session': 'alice', 'x-trace': 'abc', connection: 'keep-alive, x-trace' } })
  t.equal(res.statusCode, 200)
  t.equal(res.body, '[{"id":7,"title":"Real","done":false}]', 'byte for byte')
  t.equal(res.headers['x-total'], '1')
  t.equal(res.headers['x-mock-response-violations'], undefined)
  t.equal(res.headers['x-mock-violations'], undefined)
  t.equal(seen.length, 1)
  t.equal(seen[0]!.url, '/api/todos?page=1')
  t.equal(seen[0]!.headers.host, url.slice('http://'.length), "Host: the backend's")
  t.equal(seen[0]!.headers['x-forwarded-for'], '127.0.0.1')
  t.equal(seen[0]!.headers['x-forwarded-host'], 'localhost:80')
  t.equal(seen[0]!.headers['accept-encoding'], 'identity', 'uncompressed, so it can be checked')
  t.equal(seen[0]!.headers['x-mock-session'], undefined, 'the mock\'s controls are not sent on')
  t.equal(seen[0]!.headers['x-trace'], undefined, 'nor what Connection names')
  const [entry] = mock.understudy.requests({ limit: 1 })
  t.strictSame({ operationId: entry!.operationId, status: entry!.status, session: entry!.session, scenario: entry!.scenario, backend: entry!.backend }, { operationId: 'listTodos', status: 200, session: 'alice', scenario: null, backend: url }, 'journalled, as answered by the backend')
})

t.test('drift: the answer is reported in x-mock-response-violations, or, strict, replaced by the 500 problem', async (t) => {
  const { url } = await backend(t)
  const violations = [{ kind: 'body-invalid', message: 'the 200 application/json body does not match its schema at /id: must be integer', expected: 'type integer', actual: '"5" (string)' }]
  const reported = await (await proxyTo(t, url)).inject({ url: '/api/todos/5' })
  t.equal(reported.statusCode, 200)
  t.strictSame(reported.json(), { id: '5', title: 'Drifted', done: false })
  t.strictSame(JSON.parse(reported.headers['x-mock-response-violations'] as string), violations)
  const strict = await (await proxyTo(t, url, { strict: true })).inject({ url: '/api/todos/5' })
  t.equal(strict.statusCode, 500)
  t.strictSame(strict.json(), {
    type: 'urn:understudy:error:invalid-response',
    title: 'Invalid response',
    status: 500,
    detail: "The backend's 200 answer does not match getTodo in the spec: 1 violation.",
    operationId: 'getTodo',
    source: 'backend',
    response: '200',
    errors: violations
  })
})

t.test('an invalid request is sent on as the app sent it, its violations reported', async (t) => {
  const { url, seen } = await backend(t)
  const res = await (await proxyTo(t, url)).inject({ url: '/api/todos/0' })
  t.equal(res.statusCode, 200)
  t.strictSame(JSON.parse(res.headers['x-mock-violations'] as string), [{ in: 'path', path: '/id', message: 'must be >= 1' }])
  t.equal(seen[0]!.url, '/api/todos/0')
})

t.test('a scenario header, Prefer or a session choice answers from the mock: an error state forced on a real backend', async (t) => {
  const { url, seen } = await backend(t)
  const mock = await proxyTo(t, url)
  const scenario = await mock.inject({ url: '/api/todos', headers: { 'x-mock-scenario': 'none' } })
  t.strictSame([scenario.statusCode, scenario.json(), scenario.headers['x-mock-scenario']], [200, [], 'none'])
  const prefer = await mock.inject({ url: '/api/todos/3', headers: { prefer: 'code=404' } })
  t.strictSame([prefer.statusCode, prefer.json()], [404, { message: 'No such todo' }])
  await mock.inject({ method: 'PUT', url: '/__mock/sessions/bob', payload: { set: 'empty' } })
  const set = await mock.inject({ url: '/api/todos', headers: { 'x-mock-session': 'bob' } })
  t.strictSame(set.json(), [], "bob's set")
  const other = await mock.inject({ url: '/api/todos/3', headers: { 'x-mock-session': 'bob' } })
  t.strictSame(other.json(), { id: '3', title: 'Drifted', done: false }, 'what the set does not name still goes to the backend')
  t.strictSame(seen.map(({ url }) => url), ['/api/todos/3'])
  t.strictSame(mock.understudy.requests({ session: 'bob' }).map(({ url, scenario, backend }) => ({ url, scenario, backend })), [
    { url: '/api/todos/3', scenario: null, backend: url },
    { url: '/api/todos', scenario: 'none', backend: undefined }
  ], 'the journal tells which answered')
})

t.test('the missing half: without --fallback the backend\'s 404 is passed on (and reported); with it, the mock answers', async (t) => {
  const { url } = await backend(t)
  const payload = { title: 'New' }
  const passed = await (await proxyTo(t, url)).inject({ method: 'POST', url: '/api/todos', payload })
  t.equal(passed.statusCode, 404)
  t.strictSame(JSON.parse(passed.headers['x-mock-response-violations'] as string), [{ kind: 'status-undocumented', message: 'status 404 is not documented for createTodo', expected: '201, 400', actual: '404' }])
  const mocked = await (await proxyTo(t, url, { fallback: true })).inject({ method: 'POST', url: '/api/todos', payload })
  t.equal(mocked.statusCode, 201)
  t.strictSame(mocked.json(), { id: 3, title: 'Call the plumber', done: false })
})

t.test('a backend that cannot be reached: a 502 problem, or with --fallback the mock', async (t) => {
  const { url, server } = await backend(t)
  await server.close()
  const res = await (await proxyTo(t, url)).inject({ url: '/api/todos' })
  t.equal(res.statusCode, 502)
  t.strictSame(res.json(), {
    type: 'urn:understudy:error:bad-gateway', title: 'Bad gateway', status: 502,
    detail: `The backend cannot be reached: ${url}: connect ECONNREFUSED ${url.slice('http://'.length)} (ECONNREFUSED).`
  })
  const mocked = await (await proxyTo(t, url, { fallback: true })).inject({ url: '/api/todos' })
  t.strictSame([mocked.statusCode, mocked.json()], [200, [{ id: 2, title: 'Water the plants', done: false }, { id: 1, title: 'Buy milk', done: true }]])
})

t.test('a backend too slow to answer, or to send its body: a 504 problem', async (t) => {
  const server = Fastify()
  server.get('/api/todos', async () => await new Promise(() => {}))
  server.get('/api/todos/:id', async (_request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'application/json' })
    reply.raw.write('{"id":')
    return reply
  })
  await server.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { server.server.closeAllConnections(); await server.close() })
  const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`
  const mock = await buildMockServer({ specs: [SPEC], fixtures: false, proxy: { target: url, timeoutMs: 100 } })
  t.teardown(() => mock.close())
  for (const [path, error] of [['/api/todos', 'Headers Timeout Error (UND_ERR_HEADERS_TIMEOUT)'], ['/api/todos/1', 'Body Timeout Error (UND_ERR_BODY_TIMEOUT)']]) {
    const res = await mock.inject({ url: path })
    t.equal(res.statusCode, 504, path)
    t.strictSame(res.json(), { type: 'urn:understudy:error:gateway-timeout', title: 'Gateway timeout', status: 504, detail: `The backend did not answer in time: ${url}: ${error}.` }, path)
  }
})

t.test('inside another Fastify app under a prefix: the backend is sent the path without it', async (t) => {
  const { url, seen } = await backend(t)
  const host = Fastify()
  await host.register(understudy, { prefix: '/mocks', specs: [SPEC], fixtures: false, proxy: { target: url } })
  t.teardown(() => host.close())
  const res = await host.inject({ url: '/mocks/api/todos?page=1' })
  t.strictSame([res.statusCode, res.body], [200, '[{"id":7,"title":"Real","done":false}]'])
  t.equal(seen[0]!.url, '/api/todos?page=1')
})

t.test('--base-path: the backend mounts the spec elsewhere than its servers path', async (t) => {
  const { url, seen } = await backend(t, '/v2')
  const res = await (await proxyTo(t, url, { basePaths: { todos: '/v2' } })).inject({ url: '/api/todos' })
  t.equal(res.statusCode, 200)
  t.equal(seen[0]!.url, '/v2/todos')
})

t.test('proxy options that cannot work are one line each', async (t) => {
  for (const [args, line] of [
    [['proxy', '--target', 'ftp://x', SPEC], "understudy: UNDERSTUDY_PROXY_OPTION_INVALID: A proxy option is invalid: --proxy: 'ftp://x' is not an http:// or https:// URL\n"],
    [['proxy', '--target', 'http://me:secret@x', SPEC], "understudy: UNDERSTUDY_PROXY_OPTION_INVALID: A proxy option is invalid: --proxy: the URL has credentials in it (http://…@x); the backend is sent the app's own Authorization header\n"],
    [['serve', '--proxy', 'http://127.0.0.1:1', '--base-path', 'nosuch=/x', SPEC], "understudy: UNDERSTUDY_PROXY_OPTION_INVALID: A proxy option is invalid: --base-path: no spec 'nosuch' (specs: todos)\n"],
    [['serve', '--fallback', SPEC], 'understudy: UNDERSTUDY_PROXY_OPTION_INVALID: A proxy option is invalid: --fallback: only with a backend (serve --proxy <url>, or understudy proxy --target <url>)\n']
  ] as const) {
    const { code, stderr } = await runCli([...args, '--port', '0'])
    t.equal(stderr, line, args.join(' '))
    t.equal(code, 1)
  }
})

t.test('--record: each distinct answer that matches the spec becomes a fixture, replayed byte for byte without the backend', async (t) => {
  const { url } = await backend(t)
  const dir = t.testdir({})
  const written: string[] = []
  let recorded: () => void = () => {}
  const mock = await buildMockServer({
    specs: [SPEC],
    fixtures: false,
    proxy: { target: url, record: { dir, overwrite: false, onRecorded: (file) => { written.push(file); recorded() } } }
  })
  t.teardown(() => mock.close())
  const send = async (request: { url: string, headers?: Record<string, string> }): Promise<string> => {
    const done = new Promise<void>((resolve) => { recorded = resolve })
    const res = await mock.inject(request)
    if (res.headers['x-mock-response-violations'] === undefined) await done
    return res.body
  }
  const list = await send({ url: '/api/todos?page=2', headers: { authorization: 'Bearer secret', cookie: 'sid=1' } })
  const seven = await send({ url: '/api/todos/7' })
  await send({ url: '/api/todos/5' })
  t.strictSame(written.map((file) => path.relative(dir, file)), [path.join('todos', 'listTodos', '200.yaml'), path.join('todos', 'getTodo', '200-7.yaml')], 'the drifted answer is not recorded')
  t.equal(await readFile(path.join(dir, 'todos/getTodo/200-7.yaml'), 'utf8'), [
    'description: "Recorded from the backend: 200 for id 7"',
    'status: 200',
    'when:',
    '  path:',
    '    id: "7"',
    'body:',
    '  id: 7',
    '  title: Real',
    '  done: false',
    'request:',
    '  path:',
    '    id: "7"',
    ''
  ].join('\n'))
  t.match(await readFile(path.join(dir, 'todos/listTodos/200.yaml'), 'utf8'), /^description: "Recorded from the backend: 200 for the request"\nstatus: 200\nwhen: {}\nbody:\n  - id: 7\n    title: Real\n    done: false\nrequest:\n  query:\n    page: "2"\n$/, 'no credentials, no cookies')

  const again = await mock.inject({ url: '/api/todos/7' })
  t.equal(again.statusCode, 200)
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(written.length, 2, 'recorded once: the file is kept without --overwrite')
  t.strictSame(await readdir(path.join(dir, 'todos/getTodo')), ['200-7.yaml'])

  const replay = await buildMockServer({ specs: [SPEC], fixtures: dir })
  t.teardown(() => replay.close())
  t.equal((await replay.inject({ url: '/api/todos' })).body, list, 'replayed, byte for byte')
  t.equal((await replay.inject({ url: '/api/todos/7' })).body, seven)
  t.equal((await replay.inject({ url: '/api/todos/7' })).headers['x-mock-scenario'], '200-7')
  const checked = await runCli(['check', SPEC, '--fixtures', dir])
  t.strictSame([checked.code, checked.stdout], [0, 'understudy check: 1 spec, 3 operations, 2 fixtures, 0 scenario sets, 6 examples: no problems\n'], 'fixtures like any other')
})

t.test('--record of answers real documents have: every recording loads back and replays', async (t) => {
  const shapes = testSpec('recorded-shapes.yaml')
  const real = await buildMockServer({ specs: [shapes], fixtures: false })
  t.teardown(() => real.close())
  const target = await real.listen({ port: 0, host: '127.0.0.1' })
  const dir = t.testdir({})
  const written: string[] = []
  const mock = await buildMockServer({ specs: [shapes], fixtures: false, proxy: { target, record: { dir, overwrite: false, onRecorded: (file) => { written.push(path.relative(dir, file)) } } } })
  t.teardown(() => mock.close())
  const requests = [{ url: '/reports' }, { url: '/teams/list' }, { url: '/files/a1' }, { method: 'DELETE' as const, url: '/tags/arn%3Aaws%3A1' }, { url: '/activities' }, { url: '/trackers' }, { url: '/incidents' }]
  const answers = []
  for (const request of requests) {
    const res = await mock.inject(request)
    t.equal(res.headers['x-mock-response-violations'], undefined, `${request.url}: the backend's answer matches`)
    answers.push(res)
  }
  t.equal(answers[3]!.headers['content-type'], undefined, 'no Content-Type added to an answer without one')
  t.strictSame([answers[2]!.headers['content-encoding'], answers[2]!.headers['transfer-encoding']], [undefined, undefined], 'a mock never sends the framing a spec documents (undici would refuse the answer)')
  const deadline = Date.now() + 5000
  while (written.length < requests.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  t.strictSame(written.sort(), [
    'recorded-shapes/getFile/200-a1.yaml',
    'recorded-shapes/listActivities/200.yaml',
    'recorded-shapes/listIncidents/200.yaml',
    'recorded-shapes/listReports/200-recorded.yaml',
    'recorded-shapes/listTrackers/200.yaml',
    'recorded-shapes/teams%2Flist-teams/200.yaml',
    'recorded-shapes/untag/204-arn_aws_1.yaml'
  ], "not the status scenario's name; a slash in an operationId escaped")
  t.equal(await readFile(path.join(dir, 'recorded-shapes/getFile/200-a1.yaml'), 'utf8'), [
    'description: "Recorded from the backend: 200 for id a1"',
    'status: 200',
    'when:',
    '  path:',
    '    id: a1',
    'headers:',
    '  x-version: v2',
    'body:',
    '  text: Hello \\{{name}}',
    'request:',
    '  path:',
    '    id: a1',
    ''
  ].join('\n'), 'no Content-Length; braces kept literal')
  t.equal(await readFile(path.join(dir, 'recorded-shapes/untag/204-arn_aws_1.yaml'), 'utf8'), [
    'description: "Recorded from the backend: 204 for resource-arn arn:aws:1"',
    'status: 204',
    'when:',
    '  path:',
    '    resource-arn: arn:aws:1',
    'request:',
    '  path:',
    '    resource-arn: arn:aws:1',
    ''
  ].join('\n'), "the spec's parameter name, not the router's")
  t.match(await readFile(path.join(dir, 'recorded-shapes/listActivities/200.yaml'), 'utf8'), /^body:\n {2}Items:\n {4}- Count: 50\n {4}- Count: 7\n/m, 'XML recorded as the value the mock writes')

  const replay = await buildMockServer({ specs: [shapes], fixtures: dir })
  t.teardown(() => replay.close())
  for (const [index, request] of requests.entries()) {
    const res = await replay.inject(request)
    t.strictSame([res.statusCode, res.body], [answers[index]!.statusCode, answers[index]!.body], `${request.url} replayed`)
  }
})

t.test('understudy proxy, on a port: what broke the spec, summed up on exit and written as JUnit', async (t) => {
  const { url } = await backend(t)
  const dir = t.testdir({})
  const junit = path.join(dir, 'proxy.xml')
  let output = ''
  const code = runCli(['proxy', '--target', url, SPEC, '--no-fixtures', '--port', '0', '--junit', junit], ROOT, (text) => { output += text })
  while (!/on http:\/\/127\.0\.0\.1:\d+\n/.test(output)) await new Promise((resolve) => setTimeout(resolve, 20))
  const mock = /on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(output)![1]!
  for (const path of ['/api/todos', '/api/todos', '/api/todos?plain=1', '/api/todos/5', '/api/todos/7']) await (await fetch(`${mock}${path}`)).arrayBuffer()
  await fetch(`${mock}/__mock/stop`, { method: 'POST' })
  t.equal((await code).code, 0)
  t.equal(output.slice(output.indexOf('understudy: stopped\n')), [
    'understudy: stopped',
    'understudy: the backend answered 5 requests through the mock; 2 broke it',
    '  todos getTodo 200: 2 answers, 1 breaking the spec',
    '    body-invalid: the 200 application/json body does not match its schema at /id: must be integer',
    '  todos listTodos 200: 3 answers, 1 breaking the spec',
    "    content-type-undeclared: Content-Type text/plain is not declared for the 200 response",
    `understudy: JUnit report written to ${junit}`,
    ''
  ].join('\n'))
  const xml = await readFile(junit, 'utf8')
  t.match(xml, '<testsuites name="understudy proxy" tests="2" failures="2" errors="0"')
  t.match(xml, '<failure message="the 200 application/json body does not match its schema at /id: must be integer" type="body-invalid">')
  t.match(xml, '<system-out>GET /api/todos/5 → 200</system-out>')
})

t.test('with --watch, the answers through the proxy are counted over reloads', async (t) => {
  const { url } = await backend(t)
  const dir = t.testdir({})
  await cp(path.join(ROOT, 'templates/init'), dir, { recursive: true })
  let reloaded: () => void = () => {}
  const mock = await watchMockServer({ specs: [path.join(dir, 'specs')], fixtures: path.join(dir, 'fixtures'), proxy: { target: url }, onReload: () => { reloaded() } })
  t.teardown(() => mock.close())
  await mock.current.inject({ url: '/api/todos' })
  const done = new Promise<void>((resolve) => { reloaded = resolve })
  await writeFile(path.join(dir, 'fixtures/todos/getTodo/missing.yaml'), 'status: 404\nwhen: { path: { id: 404 } }\nbody: { message: Gone }\n')
  await done
  await mock.current.inject({ url: '/api/todos' })
  t.equal(mock.understudy.proxied!.summary()[0], 'understudy: the backend answered 2 requests through the mock; every answer matched the spec')
})
