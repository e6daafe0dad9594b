import type { FastifyInstance } from 'fastify'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { buildMock } from './helpers.js'

const BEARER = { authorization: 'Bearer x' }
const STOP = '/studio/api/1/services/api/1/publish/stop.json?site_id=mysite'
const cancel = (postId: string = randomUUID()): string => `/api/v1/posts/${postId}/cancel`

// Fixtures of our own: the operations' defaults answer everything else, and nothing records state.
const fixtures = t.testdir({
  postmantis: {
    cancelScheduledPost: {
      'slow.yaml': 'status: 200\ndelayMs: 300\n',
      'glacial.yaml': 'status: 200\ndelayMs: 5000\n'
    }
  },
  'crafter-studio': {
    stopPublisher: {
      'broken.yaml': 'status: 200\nfault: empty\n',
      'odd.yaml': 'status: 200\nbody: {message: OKK}\n'
    }
  }
})
const app = await buildMock(t, { fixtures })
const port = await listen(app)

async function listen (server: FastifyInstance): Promise<number> {
  await server.listen({ port: 0, host: '127.0.0.1' })
  return (server.server.address() as net.AddressInfo).port
}

/** Time an injected POST. */
async function timed (server: FastifyInstance, url: string, headers: Record<string, string>) {
  const start = performance.now()
  const res = await server.inject({ method: 'POST', url, headers: { ...BEARER, ...headers } })
  return { res, ms: performance.now() - start }
}

/** Timers run on libuv's cached loop time, which can lag performance.now() by a millisecond or so. */
function tookAtLeast (t: Test, ms: number, floor: number): void {
  t.ok(ms >= floor - 2, `took ${Math.round(ms)} ms, at least ${floor}`)
}

/** One raw HTTP/1.1 POST on its own connection: every byte the server sent, and how the connection ended. */
async function raw (path: string, headers: Record<string, string>, serverPort = port, method = 'POST') {
  const socket = net.connect(serverPort, '127.0.0.1')
  const chunks: Buffer[] = []
  let error: string | undefined
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.on('error', (caught: NodeJS.ErrnoException) => { error = caught.code })
  const lines = Object.entries({ host: '127.0.0.1', ...BEARER, 'content-length': '0', connection: 'close', ...headers })
  socket.write(`${method} ${path} HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`)
  // Not once(socket, 'close'): it would reject on the 'error' a reset brings.
  await new Promise((resolve) => socket.on('close', resolve))
  return { bytes: Buffer.concat(chunks), error }
}

/** The bytes a fault-free request with these headers gets as its body. */
async function fullBody (path: string, headers: Record<string, string>): Promise<Buffer> {
  return (await app.inject({ method: 'POST', url: path, headers: { ...BEARER, ...headers } })).rawPayload
}

t.test('x-mock-delay holds the answer back', async (t) => {
  const fixed = await timed(app, STOP, { 'x-mock-delay': '200' })
  t.equal(fixed.res.statusCode, 200)
  t.strictSame(fixed.res.json(), { message: 'OK' })
  tookAtLeast(t, fixed.ms, 200)
  const range = await timed(app, STOP, { 'x-mock-delay': '100-150' })
  t.equal(range.res.statusCode, 200)
  tookAtLeast(t, range.ms, 100)
  t.ok(range.ms < 400, `a 100-150 range took ${Math.round(range.ms)} ms`)
})

t.test('maxDelayMs caps the header and fixture delays', async (t) => {
  const capped = await buildMock(t, { fixtures, maxDelayMs: 50 })
  const header = await timed(capped, STOP, { 'x-mock-delay': '5000' })
  t.equal(header.res.statusCode, 200)
  tookAtLeast(t, header.ms, 50)
  t.ok(header.ms < 2000, `x-mock-delay: 5000 took ${Math.round(header.ms)} ms`)
  const fixture = await timed(capped, cancel(), { 'x-mock-scenario': 'glacial' })
  t.equal(fixture.res.statusCode, 200)
  t.equal(fixture.res.headers['x-mock-scenario'], 'glacial')
  tookAtLeast(t, fixture.ms, 50)
  t.ok(fixture.ms < 2000, `delayMs: 5000 took ${Math.round(fixture.ms)} ms`)
})

t.test('a fixture\'s delayMs applies; x-mock-delay overrides it', async (t) => {
  const slow = await timed(app, cancel(), { 'x-mock-scenario': 'slow' })
  t.equal(slow.res.statusCode, 200)
  t.equal(slow.res.headers['x-mock-scenario'], 'slow')
  tookAtLeast(t, slow.ms, 300)
  const quick = await timed(app, cancel(), { 'x-mock-scenario': 'slow', 'x-mock-delay': '0' })
  t.equal(quick.res.statusCode, 200)
  t.equal(quick.res.headers['x-mock-scenario'], 'slow')
  t.ok(quick.ms < 200, `x-mock-delay: 0 took ${Math.round(quick.ms)} ms`)
})

t.test('a delayed request does not hold up the others', async (t) => {
  const finished: string[] = []
  const start = performance.now()
  const call = async (name: string, headers: Record<string, string>) => {
    const res = await fetch(`http://127.0.0.1:${port}${STOP}`, { method: 'POST', headers: { ...BEARER, ...headers } })
    const body: unknown = await res.json()
    finished.push(name)
    return { status: res.status, body, ms: performance.now() - start }
  }
  const delayed = call('delayed', { 'x-mock-delay': '600' })
  const plain = await call('plain', {})
  t.strictSame(plain, { status: 200, body: { message: 'OK' }, ms: plain.ms })
  t.ok(plain.ms < 300, `the plain request took ${Math.round(plain.ms)} ms`)
  const late = await delayed
  t.strictSame(late, { status: 200, body: { message: 'OK' }, ms: late.ms })
  tookAtLeast(t, late.ms, 600)
  t.strictSame(finished, ['plain', 'delayed'])
})

t.test('many delayed requests at once: all answered, and no warning on stderr', async (t) => {
  const warnings: string[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning.name) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })
  const statuses = await Promise.all(Array.from({ length: 30 }, async () =>
    (await fetch(`http://127.0.0.1:${port}${STOP}`, { method: 'POST', headers: { ...BEARER, 'x-mock-delay': '50' } })).status))
  t.strictSame(statuses, Array(30).fill(200))
  // Node emits the warning on the next tick.
  await new Promise((resolve) => setImmediate(resolve))
  t.strictSame(warnings, [], 'no MaxListenersExceededWarning')
})

t.test('reset: the client sees ECONNRESET and no bytes', async (t) => {
  t.strictSame(await raw(STOP, { 'x-mock-fault': 'reset' }), { bytes: Buffer.alloc(0), error: 'ECONNRESET' })
})

t.test('empty: the connection closes cleanly without a byte', async (t) => {
  t.strictSame(await raw(STOP, { 'x-mock-fault': 'empty' }), { bytes: Buffer.alloc(0), error: undefined })
})

t.test('malformed: status line, full Content-Length, half the body, then close', async (t) => {
  // 17 bytes: half is 8, rounded down.
  const full = await fullBody(STOP, { 'x-mock-scenario': 'odd' })
  t.equal(full.toString(), '{"message":"OKK"}')
  const { bytes, error } = await raw(STOP, { 'x-mock-scenario': 'odd', 'x-mock-fault': 'malformed' })
  t.equal(error, undefined)
  const text = bytes.toString('latin1')
  const split = text.indexOf('\r\n\r\n')
  const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n')
  t.equal(statusLine, 'HTTP/1.1 200 OK')
  const header = (name: string) => headerLines.filter((line) => line.toLowerCase().startsWith(`${name}: `)).map((line) => line.slice(name.length + 2))
  t.strictSame(header('content-length'), ['17'])
  t.strictSame(header('content-type'), ['application/json'])
  t.strictSame(header('x-mock-scenario'), ['odd'])
  t.strictSame(header('transfer-encoding'), [])
  t.equal(text.slice(split + 4), '{"messag')
})

t.test('malformed on a larger body sends exactly half of it', async (t) => {
  const postId = randomUUID()
  const full = await fullBody(cancel(postId), {})
  const { bytes } = await raw(cancel(postId), { 'x-mock-fault': 'malformed' })
  const split = bytes.indexOf('\r\n\r\n')
  t.match(bytes.subarray(0, split).toString(), new RegExp(`^HTTP/1\\.1 200 OK\\r\\n[^]*\\r\\ncontent-length: ${full.length}(\\r\\n|$)`, 'i'))
  t.strictSame(bytes.subarray(split + 4), full.subarray(0, Math.floor(full.length / 2)))
})

t.test('malformed without a body cuts the head in half', async (t) => {
  const uforge = '/api/users/root/appliances/12/images/34/pimages/56/cancel'
  const { bytes, error } = await raw(uforge, { authorization: 'Basic dTpw', 'x-mock-scenario': '204', 'x-mock-fault': 'malformed' }, port, 'DELETE')
  t.equal(error, undefined)
  const text = bytes.toString('latin1')
  t.match(text, /^HTTP\/1\.1 204 No Content\r\n/)
  t.notMatch(text, '\r\n\r\n', 'the head never ends')
})

t.test('timeout: no answer; the server goes on answering others', async (t) => {
  const start = performance.now()
  const held = fetch(`http://127.0.0.1:${port}${STOP}`, {
    method: 'POST', headers: { ...BEARER, 'x-mock-fault': 'timeout' }, signal: AbortSignal.timeout(300)
  })
  const other = await fetch(`http://127.0.0.1:${port}${STOP}`, { method: 'POST', headers: BEARER })
  t.equal(other.status, 200)
  t.strictSame(await other.json(), { message: 'OK' })
  t.ok(performance.now() - start < 300, 'answered while the held request waits')
  await t.rejects(held, { name: 'TimeoutError' })
  tookAtLeast(t, performance.now() - start, 300)
})

t.test('closing the server drops a connection held by timeout', async (t) => {
  const closing = await buildMock(t, { fixtures })
  const held = raw(STOP, { 'x-mock-fault': 'timeout' }, await listen(closing))
  await once(closing.server, 'request')
  t.equal(await Promise.race([held, sleep(100, 'still held')]), 'still held')
  const start = performance.now()
  await closing.close()
  const ms = performance.now() - start
  t.ok(ms < 1000, `close took ${Math.round(ms)} ms`)
  t.strictSame(await held, { bytes: Buffer.alloc(0), error: undefined })
})

t.test('a fixture\'s fault applies when it answers; x-mock-fault overrides it', async (t) => {
  t.strictSame(await raw(STOP, { 'x-mock-scenario': 'broken' }), { bytes: Buffer.alloc(0), error: undefined })
  t.strictSame(await raw(STOP, { 'x-mock-scenario': 'broken', 'x-mock-fault': 'reset' }), { bytes: Buffer.alloc(0), error: 'ECONNRESET' })
  const res = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, 'x-mock-scenario': 'broken', 'x-mock-fault': 'none' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-mock-scenario'], 'broken')
  t.strictSame(res.json(), { message: 'OK' })
})

t.test('x-mock-validate', async (t) => {
  const invalid = cancel('not-a-uuid')
  const post = async (url: string, headers: Record<string, string>, payload?: string) =>
    await app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) })
  const valid = await post(cancel(), BEARER)
  t.equal(valid.statusCode, 200)
  t.equal(valid.headers['x-mock-scenario'], 'canceled')
  t.match(valid.json(), { data: { id: '497f6eca-6276-4993-bfeb-53cbbbba6f08', status: 'canceled' } })

  const off = await post(invalid, { 'x-mock-validate': 'off' })
  t.equal(off.statusCode, 200)
  t.equal(off.headers['x-mock-scenario'], 'canceled')
  t.equal(off.headers['x-mock-violations'], undefined)
  t.strictSame(off.json(), valid.json())

  const report = await post(invalid, { 'x-mock-validate': 'report' })
  t.equal(report.statusCode, 200)
  t.strictSame(report.json(), valid.json())
  t.equal(report.headers['x-mock-violations'], JSON.stringify([
    { in: 'security', path: '', message: 'requires credentials: bearerAuth' },
    { in: 'path', path: '/postId', message: 'must match format "uuid"' }
  ]))
  const crafter = await post(STOP, { 'x-mock-validate': 'report', 'content-type': 'text/plain' }, 'hello')
  t.equal(crafter.statusCode, 200)
  t.strictSame(crafter.json(), { message: 'OK' })
  t.equal(crafter.headers['x-mock-violations'], JSON.stringify([
    { in: 'security', path: '', message: 'requires credentials: bearerAuth or sessionCookie + xsrfHeader' },
    { in: 'header', path: '/content-type', message: 'must be one of application/json, not text/plain' }
  ]))
  t.equal((await post(cancel(), { ...BEARER, 'x-mock-validate': 'report' })).headers['x-mock-violations'], undefined, 'nothing to report, no header')

  for (const headers of [{}, { 'x-mock-validate': 'on' }] as Array<Record<string, string>>) {
    const refused = await post(invalid, headers)
    t.equal(refused.statusCode, 401)
    t.strictSame(refused.json(), { type: 'https://postmantis.com/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'Authentication required.', code: 'unauthorized' })
    const rejected = await post(invalid, { ...BEARER, ...headers })
    t.equal(rejected.statusCode, 400)
    t.strictSame(rejected.json(), { type: 'https://postmantis.com/problems/invalid-request', title: 'Invalid request', status: 400, detail: 'The request payload failed validation.', code: 'invalidRequest' })
  }
})

t.test('report mode keeps its violations on an unknown-scenario answer', async (t) => {
  const res = await app.inject({ method: 'POST', url: cancel('bad'), headers: { 'x-mock-validate': 'report', 'x-mock-scenario': 'nope' } })
  t.equal(res.statusCode, 404)
  t.strictSame(JSON.parse(String(res.headers['x-mock-violations'])), [
    { in: 'security', path: '', message: 'requires credentials: bearerAuth' },
    { in: 'path', path: '/postId', message: 'must match format "uuid"' }
  ])
})

t.test('unreadable mock headers are a 400 problem', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['x-mock-delay', 'abc', 'milliseconds (250) or a range (250-800)'],
    ['x-mock-delay', '500-100', 'milliseconds (250) or a range (250-800)'],
    ['x-mock-fault', 'explode', 'reset, empty, timeout, malformed, none'],
    ['x-mock-validate', 'maybe', 'on, off or report'],
    ['x-mock-session', '../x', 'a plain name (letters, digits, - and _, up to 128 characters)']
  ]
  for (const [header, value, expected] of cases) {
    const res = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, [header]: value } })
    t.equal(res.statusCode, 400, `${header}: ${value}`)
    t.equal(res.headers['content-type'], 'application/problem+json')
    t.strictSame(res.json(), {
      type: 'urn:understudy:error:invalid-mock-header',
      title: 'Invalid mock header',
      status: 400,
      detail: `${header}: '${value}' is not valid; expected ${expected}.`,
      header
    })
  }
  const after = await app.inject({ method: 'POST', url: STOP, headers: BEARER })
  t.equal(after.statusCode, 200)
  t.strictSame(after.json(), { message: 'OK' })
})
