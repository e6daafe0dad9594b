import { connect } from 'node:net'
import t from 'tap'
import { buildMock } from './helpers.js'

// Anyone who can reach the port could change every session; a web page the developer
// visits could too, and DNS rebinding lets a page reach a mock on loopback.
const FORBIDDEN_ORIGIN = {
  type: 'urn:understudy:error:forbidden',
  title: 'Forbidden',
  status: 403,
  detail: "The mock's control surface does not take changes from a web page on http://evil.example; allow it with --control-origin."
}
const SESSION = { method: 'PUT' as const, url: '/__mock/sessions/default', headers: { 'content-type': 'application/json' }, payload: '{"set":"logged-out"}' }

t.test('sessions, state and reset change only from this machine\'s pages, or from no page at all', async (t) => {
  const app = await buildMock(t)
  const evil = await app.inject({ ...SESSION, headers: { ...SESSION.headers, origin: 'http://evil.example' } })
  t.equal(evil.statusCode, 403)
  t.strictSame(evil.json(), FORBIDDEN_ORIGIN)
  const reset = await app.inject({ method: 'POST', url: '/__mock/reset', headers: { origin: 'http://evil.example', 'content-type': 'text/plain' }, payload: 'x' })
  t.strictSame([reset.statusCode, reset.json()], [403, FORBIDDEN_ORIGIN], 'a text/plain POST, which a page sends without a preflight')
  const removed = await app.inject({ method: 'DELETE', url: '/__mock/sessions/default', headers: { origin: 'http://evil.example' } })
  t.equal(removed.statusCode, 403)
  t.equal((await app.inject({ url: '/__mock/sessions/default' })).statusCode, 200, 'nothing was changed')
  for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://[::1]:8080', 'http://app.localhost']) {
    t.equal((await app.inject({ ...SESSION, headers: { ...SESSION.headers, origin } })).statusCode, 200, origin)
  }
  t.equal((await app.inject(SESSION)).statusCode, 200, 'curl, tests and the CLI send no Origin')
  t.equal((await app.inject({ method: 'POST', url: '/__mock/reset' })).statusCode, 204)
})

t.test('CORS on the control surface only for this machine\'s pages; the API stays open to every origin', async (t) => {
  const app = await buildMock(t, { fixtures: false })
  const preflight = (origin: string, url: string): Promise<{ headers: Record<string, unknown> }> =>
    app.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': 'PUT' } })
  t.equal((await preflight('http://evil.example', '/__mock/sessions/default')).headers['access-control-allow-origin'], undefined)
  t.equal((await preflight('http://localhost:5173', '/__mock/sessions/default')).headers['access-control-allow-origin'], 'http://localhost:5173')
  const read = await app.inject({ url: '/__mock/operations', headers: { origin: 'http://evil.example' } })
  t.equal(read.statusCode, 200)
  t.equal(read.headers['access-control-allow-origin'], undefined, 'a page elsewhere cannot read it')
  const api = await app.inject({ method: 'POST', url: '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel', headers: { origin: 'http://evil.example', authorization: 'Bearer t' } })
  t.equal(api.headers['access-control-allow-origin'], 'http://evil.example')
})

t.test('controlOrigins allows named origins; controlToken guards every change', async (t) => {
  const app = await buildMock(t, { controlOrigins: ['https://qa.example'], controlToken: 's3cret' })
  const put = (headers: Record<string, string>): Promise<{ statusCode: number, json: () => unknown }> => app.inject({ ...SESSION, headers: { ...SESSION.headers, ...headers } })
  t.equal((await put({ origin: 'https://qa.example', authorization: 'Bearer s3cret' })).statusCode, 200)
  const anonymous = await put({})
  t.equal(anonymous.statusCode, 401)
  t.strictSame(anonymous.json(), { type: 'urn:understudy:error:unauthorized', title: 'Unauthorized', status: 401, detail: "The mock's control surface needs Authorization: Bearer <the --control-token>." })
  t.equal((await put({ authorization: 'Bearer wrong' })).statusCode, 401)
  t.equal((await app.inject({ url: '/__mock/sessions' })).statusCode, 200, 'reads need no token')
})

/** One raw HTTP request to a listening mock; resolves with the whole answer once the server closes. */
async function raw (port: number, request: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    socket.on('data', (chunk: Buffer) => { answer += chunk.toString() })
    socket.on('error', reject)
    socket.on('close', () => resolve(answer))
    socket.write(request)
  })
}

t.test('on loopback, a request must name this machine (DNS rebinding), or a name given in allowedHosts', async (t) => {
  const app = await buildMock(t, { fixtures: false, allowedHosts: ['mock.test'] })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const get = (host: string): Promise<string> => raw(port, `GET /__mock/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
  const rebound = await get(`attacker.example:${port}`)
  t.match(rebound, /^HTTP\/1\.1 403 Forbidden\r\n/)
  t.strictSame(JSON.parse(rebound.split('\r\n\r\n')[1] ?? ''), {
    type: 'urn:understudy:error:forbidden',
    title: 'Forbidden',
    status: 403,
    detail: "Host 'attacker.example' is not a name of this mock, which listens on this machine only; allow it with --allow-host."
  })
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'api.localhost', 'mock.test:80']) {
    t.match(await get(host), /^HTTP\/1\.1 200 OK\r\n/, host)
  }
  const hostless = await raw(port, 'GET /__mock/health HTTP/1.1\r\nConnection: close\r\n\r\n')
  t.match(hostless, /^HTTP\/1\.1 400 Bad Request\r\n/)
  t.strictSame(JSON.parse(hostless.split('\r\n\r\n')[1] ?? ''), { type: 'urn:understudy:error:bad-request', title: 'Bad request', status: 400, detail: 'HTTP/1.1 requires a Host header.' })
  t.match(await raw(port, 'GET /__mock/health HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 200 OK\r\n/, 'HTTP/1.0 may send none')
})
