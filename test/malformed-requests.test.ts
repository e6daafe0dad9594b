import { connect } from 'node:net'
import t from 'tap'
import { buildMock } from './helpers.js'

// What Node's HTTP parser refuses never reaches a route: each still gets a typed problem,
// then the connection closes. Over raw sockets, since no HTTP client sends these.
const app = await buildMock(t, { fixtures: false, requestTimeoutMs: 1000 })
await app.listen({ port: 0, host: '127.0.0.1' })
const { port } = app.server.address() as { port: number }

/** Writes `raw`, then reads until the server closes the connection. */
async function exchange (raw: string | Buffer, after?: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
    socket.write(raw)
    if (after !== undefined) setTimeout(() => socket.write(after), 100)
    setTimeout(() => { socket.destroy(); reject(new Error('the connection stayed open')) }, 5000)
  })
}

const HOST = 'Host: 127.0.0.1\r\n'
const PROBLEMS = {
  badRequest: (detail: string) => ({ type: 'urn:understudy:error:bad-request', title: 'Bad request', status: 400, detail }),
  contentLength: { type: 'urn:understudy:error:bad-request', title: 'Bad request', status: 400, detail: 'The Content-Length is not a number, is repeated, or is sent with Transfer-Encoding.' },
  chunked: { type: 'urn:understudy:error:bad-request', title: 'Bad request', status: 400, detail: 'The chunked body cannot be read.' },
  method: { type: 'urn:understudy:error:bad-request', title: 'Bad request', status: 400, detail: 'The request method is not one HTTP knows (methods are case-sensitive).' },
  version: (detail: string) => ({ type: 'urn:understudy:error:http-version-not-supported', title: 'HTTP version not supported', status: 505, detail }),
  timeout: { type: 'urn:understudy:error:request-timeout', title: 'Request timeout', status: 408, detail: 'The request was not received in time (--request-timeout).' }
}
const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 417: 'Expectation Failed', 431: 'Request Header Fields Too Large', 505: 'HTTP Version Not Supported' }

const cases: Array<[string, string | Buffer, object, string?]> = [
  ['Content-Length that is not a number', `POST /x HTTP/1.1\r\n${HOST}Content-Length: abc\r\n\r\n`, PROBLEMS.contentLength],
  ['two Content-Lengths', `POST /x HTTP/1.1\r\n${HOST}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`, PROBLEMS.contentLength],
  ['Content-Length with Transfer-Encoding', `POST /x HTTP/1.1\r\n${HOST}Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, PROBLEMS.chunked],
  ['a chunk size that is not hex', `POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, PROBLEMS.chunked],
  ['0xFF in the path', Buffer.concat([Buffer.from('GET /\xff HTTP/1.1\r\n', 'latin1'), Buffer.from(`${HOST}\r\n`)]), PROBLEMS.badRequest('The request is not valid HTTP/1.1: Invalid char in url path.')],
  ['NUL in a header value', `GET / HTTP/1.1\r\n${HOST}X-A: a\0b\r\n\r\n`, PROBLEMS.badRequest('The request is not valid HTTP/1.1: Invalid header value char.')],
  ['an obs-fold header line', `GET / HTTP/1.1\r\n${HOST}X-A: a\r\n b\r\n\r\n`, PROBLEMS.badRequest('The request is not valid HTTP/1.1: Unexpected whitespace after header value.')],
  ['a lower-case method', `get / HTTP/1.1\r\n${HOST}\r\n`, PROBLEMS.method],
  ['an unknown method', `FOO / HTTP/1.1\r\n${HOST}\r\n`, PROBLEMS.method],
  ['HTTP/1.2', `GET / HTTP/1.2\r\n${HOST}\r\n`, PROBLEMS.version('Only HTTP/1.0 and HTTP/1.1 are served.')],
  ['an HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', PROBLEMS.version('HTTP/2 is not served here: send HTTP/1.1.')],
  ['100 KB of headers', `GET / HTTP/1.1\r\n${HOST}X-A: ${'a'.repeat(100_000)}\r\n\r\n`, { type: 'urn:understudy:error:header-too-large', title: 'Request header fields too large', status: 431, detail: 'The request line and headers are larger than the server accepts (16 KiB).' }],
  ['Expect: bogus', `POST /x HTTP/1.1\r\n${HOST}Expect: bogus\r\nContent-Length: 0\r\n\r\n`, { type: 'urn:understudy:error:expectation-failed', title: 'Expectation failed', status: 417, detail: "Only Expect: 100-continue is understood, not 'bogus'." }],
  ['headers that never end', `GET /__mock/health HTTP/1.1\r\n${HOST}`, PROBLEMS.timeout, 'X-Slow: 1\r\n'],
  ['a chunked body that never ends', `POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n`, PROBLEMS.timeout, '1\r\na\r\n']
]

for (const [name, raw, body, after] of cases) {
  t.test(`${name}: ${(body as { status: number }).status} ${(body as { type: string }).type}, then the connection closes`, async (t) => {
    const response = await exchange(raw, after)
    const [head = '', payload = ''] = response.split('\r\n\r\n')
    const status = (body as { status: number }).status
    t.match(head, new RegExp(`^HTTP/1\\.1 ${status} ${REASONS[status]}\\r\\n`, 'i'))
    t.match(head.toLowerCase(), 'content-type: application/problem+json')
    t.match(head.toLowerCase(), 'connection: close')
    t.strictSame(JSON.parse(payload), body)
    const health = await fetch(`http://127.0.0.1:${port}/__mock/health`)
    t.equal(health.status, 200, 'the server goes on answering')
  })
}

t.test('garbage after a valid request: the request is answered, the garbage is a 400, then the connection closes', async (t) => {
  const response = await exchange(`GET /__mock/health HTTP/1.1\r\n${HOST}\r\n\x01\x02garbage\r\n\r\n`)
  t.match(response, /^HTTP\/1\.1 200 OK\r\n/)
  t.match(response, '{"status":"ok","specs":3,"operations":5}HTTP/1.1 400 Bad Request\r\n')
  t.strictSame(JSON.parse(response.slice(response.lastIndexOf('\r\n\r\n') + 4)), PROBLEMS.method)
})

t.test('Expect: 100-continue: a body over the limit is refused before it is sent; one within it is asked for', async (t) => {
  const refused = await exchange(`POST /api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel HTTP/1.1\r\n${HOST}Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${5 * 1024 * 1024}\r\n\r\n`)
  const [head = '', payload = ''] = refused.split('\r\n\r\n')
  t.match(head, /^HTTP\/1\.1 413 Payload Too Large\r\n/, 'no 100 Continue first')
  t.match(head.toLowerCase(), 'connection: close')
  t.strictSame(JSON.parse(payload), { type: 'urn:understudy:error:payload-too-large', title: 'Payload too large', status: 413, detail: 'The request body is larger than the server accepts.' })
  const asked = await exchange(`GET /__mock/health HTTP/1.1\r\n${HOST}Connection: close\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n`, '{}')
  t.match(asked, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 /)
})
