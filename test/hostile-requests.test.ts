import { connect } from 'node:net'
import t from 'tap'
import { buildMock } from './helpers.js'

// Hostile and malformed requests over raw sockets, since no HTTP client sends most of them.
// Each gets its exact status and body (a typed problem, or the API's own documented answer),
// the connection closes (by HTTP's rules, or because the request asked), and the server
// goes on answering. What Node's parser refuses never reaches a route.
const app = await buildMock(t, { fixtures: false, requestTimeoutMs: 1000 })
await app.listen({ port: 0, host: '127.0.0.1' })
const { port } = app.server.address() as { port: number }

/** Writes `raw` (then `after`, 100 ms later), and reads until the server closes the connection. */
async function exchange (raw: string | Buffer, after?: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    // A server that answers before the whole upload is read may reset the rest of it: what it answered still counts.
    socket.on('error', () => {})
    socket.on('close', () => { clearTimeout(open); resolve(Buffer.concat(chunks).toString('latin1')) })
    socket.write(raw)
    if (after !== undefined) setTimeout(() => socket.write(after), 100)
    const open = setTimeout(() => { socket.destroy(); reject(new Error('the connection stayed open')) }, 5000)
  })
}

const CLOSE = 'Host: 127.0.0.1\r\nConnection: close\r\n'
/** A request that asks for the connection to close after it, with Content-Length when it has a body. */
function request (method: string, url: string, headers = '', body?: string): string {
  const length = body === undefined ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`
  return `${method} ${url} HTTP/1.1\r\n${CLOSE}${headers}${length}\r\n${body ?? ''}`
}
const HOST = 'Host: 127.0.0.1\r\n'
const POST = '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel'
const CRAFTER = '/studio/api/1/services/api/1/publish/cancel-publish-requests.json'
const BEARER = 'Authorization: Bearer t\r\n'
const JSON_BODY = `${BEARER}Content-Type: application/json\r\n`
const CRAFTER_OK = '{"site_id":"mysite","package_ids":["588d5441-9aa9-4fb7-9a51-8c9a80f4f1d5"]}'

const ours = (kind: string, title: string, status: number, detail: string, extensions: object = {}): object =>
  ({ type: `urn:understudy:error:${kind}`, title, status, detail, ...extensions })
const badRequest = (detail: string): object => ours('bad-request', 'Bad request', 400, detail)
const notHttp = (reason: string): object => badRequest(`The request is not valid HTTP/1.1: ${reason}.`)
const CONTENT_LENGTH = badRequest('The Content-Length is not a number, is repeated, or is sent with Transfer-Encoding.')
const CHUNKED = badRequest('The chunked body cannot be read.')
const METHOD = badRequest('The request method is not one HTTP knows (methods are case-sensitive).')
const VERSION = ours('http-version-not-supported', 'HTTP version not supported', 505, 'Only HTTP/1.0 and HTTP/1.1 are served.')
const TIMEOUT = ours('request-timeout', 'Request timeout', 408, 'The request was not received in time (--request-timeout).')
const HEADERS_TOO_LARGE = ours('header-too-large', 'Request header fields too large', 431, 'The request line and headers are larger than the server accepts (16 KiB).')
const TOO_LARGE = ours('payload-too-large', 'Payload too large', 413, 'The request body is larger than the server accepts.')
const ONE_HOST = badRequest('The request needs exactly one Host header, a host name or address with an optional port.')
const foreignHost = (name: string): object => ours('forbidden', 'Forbidden', 403, `Host '${name}' is not a name of this mock, which listens on this machine only; allow it with --allow-host.`)
const FROM_A_PAGE = (origin: string): object => ours('forbidden', 'Forbidden', 403, `The mock's control surface does not take changes from a web page on ${origin}; allow it with --control-origin.`)
const notFound = (detail: string): object => ours('not-found', 'Not found', 404, detail)
const mockHeader = (header: string, value: string, expected: string): object =>
  ours('invalid-mock-header', 'Invalid mock header', 400, `${header}: '${value}' is not valid; expected ${expected}.`, { header })
const takesJson = (type: string): object =>
  ours('unsupported-media-type', 'Unsupported media type', 415, `cancelPublishRequests accepts application/json, not ${type}`, { supported: ['application/json'] })
const invalidSession = (...errors: string[]): object => ours('invalid-session', 'Invalid session', 400, errors.join('; '), { errors })
const SCENARIOS = ['canceled', 'invalidRequest', 'unauthorized', 'forbidden', 'notFound', 'conflict', 'rateLimited']
const unknownScenario = (name: string): object => ours('unknown-scenario', 'Unknown scenario', 404,
  `cancelScheduledPost has no scenario '${name}'. Known: ${SCENARIOS.join(', ')}`, { operationId: 'cancelScheduledPost', scenarios: SCENARIOS, sets: [] })
const PLAIN_NAME = 'a plain name (letters, digits, - and _, up to 128 characters)'

// The APIs' own documented answers.
const POSTMANTIS_401 = { type: 'https://postmantis.com/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'Authentication required.', code: 'unauthorized' }
const POSTMANTIS_400 = { type: 'https://postmantis.com/problems/invalid-request', title: 'Invalid request', status: 400, detail: 'The request payload failed validation.', code: 'invalidRequest' }
const CRAFTER_MALFORMED = { message: 'Bad Request' }
const CRAFTER_INVALID = { message: 'Invalid parameter(s)' }
const CRAFTER_200 = { message: 'OK' }
const HEALTH = { status: 'ok', specs: 3, operations: 5, loadedAt: app.understudy.loadedAt.toISOString() }
/** The canceled example, as a well-formed cancel gets it. */
const CANCELED = (await app.inject({ method: 'POST', url: POST, headers: { authorization: 'Bearer t' } })).json() as object

const REASONS: Record<number, string> = {
  200: 'OK', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 408: 'Request Timeout', 413: 'Payload Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 417: 'Expectation Failed', 431: 'Request Header Fields Too Large', 401: 'Unauthorized', 501: 'Not Implemented', 505: 'HTTP Version Not Supported'
}

interface Case { send: string | Buffer, status: number, body: object, after?: string }
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1')

const cases: Record<string, Record<string, Case>> = {
  'message framing': {
    'a Content-Length that is not a number': { send: `POST /x HTTP/1.1\r\n${HOST}Content-Length: abc\r\n\r\n`, status: 400, body: CONTENT_LENGTH },
    'a negative Content-Length': { send: `POST /x HTTP/1.1\r\n${HOST}Content-Length: -1\r\n\r\n`, status: 400, body: CONTENT_LENGTH },
    'a Content-Length with a space inside': { send: `POST /x HTTP/1.1\r\n${HOST}Content-Length: 1 2\r\n\r\n`, status: 400, body: CONTENT_LENGTH },
    'a Content-Length with a plus sign': { send: `POST /x HTTP/1.1\r\n${HOST}Content-Length: +5\r\n\r\nabcde`, status: 400, body: CONTENT_LENGTH },
    'a Content-Length of 20 digits': { send: `POST /x HTTP/1.1\r\n${HOST}Content-Length: 99999999999999999999\r\n\r\n`, status: 400, body: CONTENT_LENGTH },
    'two different Content-Lengths': { send: `POST /x HTTP/1.1\r\n${HOST}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`, status: 400, body: CONTENT_LENGTH },
    'two equal Content-Lengths': { send: `POST /x HTTP/1.1\r\n${HOST}Content-Length: 2\r\nContent-Length: 2\r\n\r\nab`, status: 400, body: CONTENT_LENGTH },
    'Content-Length with Transfer-Encoding (smuggling)': { send: `POST /x HTTP/1.1\r\n${HOST}Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400, body: CHUNKED },
    'Transfer-Encoding: gzip without chunked': { send: `POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding: gzip\r\n\r\n`, status: 400, body: CHUNKED },
    'Transfer-Encoding: chunked, gzip': { send: `POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked, gzip\r\n\r\n`, status: 400, body: CHUNKED },
    'Transfer-Encoding: chunked twice': { send: `POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400, body: CHUNKED },
    'Transfer-Encoding: identity': { send: `POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding: identity\r\n\r\n`, status: 400, body: CHUNKED },
    'a space before the colon of Transfer-Encoding': { send: `POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n`, status: 400, body: notHttp('Invalid header field char') },
    'a chunk size that is not hex': { send: `POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, status: 400, body: CHUNKED },
    'a chunk size that overflows': { send: `POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n`, status: 400, body: CHUNKED },
    'chunk data longer than its size': { send: `POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n1\r\naXX\r\n`, status: 400, body: notHttp('Expected LF after chunk data') },
    'a control byte in a chunk extension': { send: `POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n1;\x01\r\na\r\n0\r\n\r\n`, status: 400, body: notHttp('Invalid character in chunk extensions name') },
    'garbage where a request line should be': { send: `\x01\x02garbage\r\n\r\n`, status: 400, body: METHOD }
  },
  'bytes in the request line': {
    '0xFF in the path': { send: latin1(`GET /\xff HTTP/1.1\r\n${HOST}\r\n`), status: 400, body: notHttp('Invalid char in url path') },
    'NUL in the path': { send: `GET /a\0b HTTP/1.1\r\n${HOST}\r\n`, status: 400, body: notHttp('Invalid char in url path') },
    'DEL in the path': { send: `GET /a\x7fb HTTP/1.1\r\n${HOST}\r\n`, status: 400, body: notHttp('Invalid char in url path') },
    'raw UTF-8 in the path': { send: Buffer.from(`GET /caf\u00e9 HTTP/1.1\r\n${HOST}\r\n`), status: 400, body: notHttp('Invalid char in url path') },
    'a tab in the path': { send: `GET /a\tb HTTP/1.1\r\n${HOST}\r\n`, status: 400, body: notHttp('Invalid characters in url') },
    'a space in the path': { send: `GET /a b HTTP/1.1\r\n${HOST}\r\n`, status: 400, body: notHttp('Expected HTTP/, RTSP/ or ICE/') },
    'CR in the path': { send: `GET /a\rb HTTP/1.1\r\n${HOST}\r\n`, status: 400, body: notHttp('Expected CRLF') },
    'LF in the path': { send: `GET /a\nb HTTP/1.1\r\n${HOST}\r\n`, status: 400, body: notHttp('Invalid header token') },
    '0xFF in the query': { send: latin1(`GET /x?a=\xff HTTP/1.1\r\n${HOST}\r\n`), status: 400, body: notHttp('Invalid char in url query') },
    'NUL in the query': { send: `GET /x?a=\0 HTTP/1.1\r\n${HOST}\r\n`, status: 400, body: notHttp('Invalid char in url query') },
    'a request line ending in a bare LF': { send: `GET /__mock/health HTTP/1.1\n${HOST}\n`, status: 400, body: notHttp('Expected CRLF after version') }
  },
  headers: {
    'NUL in a header value': { send: `GET / HTTP/1.1\r\n${HOST}X-A: a\0b\r\n\r\n`, status: 400, body: notHttp('Invalid header value char') },
    'a bare CR in a header value': { send: `GET / HTTP/1.1\r\n${HOST}X-A: a\rb\r\n\r\n`, status: 400, body: notHttp('Missing expected LF after header value') },
    'an obs-fold header line': { send: `GET / HTTP/1.1\r\n${HOST}X-A: a\r\n b\r\n\r\n`, status: 400, body: notHttp('Unexpected whitespace after header value') },
    '0xFF in a header name': { send: latin1(`GET / HTTP/1.1\r\n${HOST}X-\xff: a\r\n\r\n`), status: 400, body: notHttp('Invalid header token') },
    'a space in a header name': { send: `GET / HTTP/1.1\r\n${HOST}X A: b\r\n\r\n`, status: 400, body: notHttp('Invalid header token') },
    'CR in a header name': { send: `GET / HTTP/1.1\r\n${HOST}X\rA: b\r\n\r\n`, status: 400, body: notHttp('Invalid header token') },
    'a header line without a colon': { send: `GET / HTTP/1.1\r\n${HOST}XA\r\n\r\n`, status: 400, body: notHttp('Invalid header token') },
    'a header with no name': { send: `GET / HTTP/1.1\r\n${HOST}: b\r\n\r\n`, status: 400, body: notHttp('Invalid header token') },
    '100 KB of headers': { send: `GET / HTTP/1.1\r\n${HOST}X-A: ${'a'.repeat(100_000)}\r\n\r\n`, status: 431, body: HEADERS_TOO_LARGE },
    'a 20 KB URL': { send: `GET /${'a'.repeat(20_000)} HTTP/1.1\r\n${HOST}\r\n`, status: 431, body: HEADERS_TOO_LARGE },
    'Expect: bogus': { send: `POST /x HTTP/1.1\r\n${HOST}Expect: bogus\r\nContent-Length: 0\r\n\r\n`, status: 417, body: ours('expectation-failed', 'Expectation failed', 417, "Only Expect: 100-continue is understood, not 'bogus'.") },
    'Expect: 100-continue for a body over the limit (refused before it is sent)': { send: `POST ${POST} HTTP/1.1\r\n${HOST}Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${5 * 1024 * 1024}\r\n\r\n`, status: 413, body: TOO_LARGE },
    '0xFF in a header value (obs-text, which HTTP allows)': { send: latin1(request('GET', '/__mock/health', 'X-A: \xff\r\n')), status: 200, body: HEALTH }
  },
  'methods and versions': {
    'a lower-case method': { send: `get / HTTP/1.1\r\n${HOST}\r\n`, status: 400, body: METHOD },
    'an unknown method': { send: `FOO / HTTP/1.1\r\n${HOST}\r\n`, status: 400, body: METHOD },
    'a method with a digit': { send: `G3T / HTTP/1.1\r\n${HOST}\r\n`, status: 400, body: METHOD },
    'a TLS ClientHello on the plain port': { send: Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0, 0, 0, 0]), status: 400, body: METHOD },
    'an SSH banner': { send: 'SSH-2.0-OpenSSH_9.0\r\n', status: 400, body: METHOD },
    'CONNECT (the mock is no proxy)': { send: 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n', status: 501, body: ours('not-implemented', 'Not implemented', 501, "CONNECT is not served: understudy is a mock server, not a proxy to 'evil.example:443'.") },
    'TRACE': { send: request('TRACE', '/__mock/health'), status: 404, body: notFound('No operation for TRACE /__mock/health') },
    'HTTP/1.2': { send: `GET / HTTP/1.2\r\n${HOST}\r\n`, status: 505, body: VERSION },
    'HTTP/3.0': { send: `GET / HTTP/3.0\r\n${HOST}\r\n`, status: 505, body: VERSION },
    'an HTTP/2.0 request line': { send: `GET /__mock/health HTTP/2.0\r\n${HOST}\r\n`, status: 505, body: VERSION },
    'an HTTP/0.9 request': { send: 'GET /__mock/health\r\n\r\n', status: 505, body: VERSION },
    'an HTTP/2 preface': { send: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', status: 505, body: ours('http-version-not-supported', 'HTTP version not supported', 505, 'HTTP/2 is not served here: send HTTP/1.1.') },
    'no version': { send: `GET / \r\n${HOST}\r\n`, status: 400, body: notHttp('Expected HTTP/, RTSP/ or ICE/') },
    'a lower-case http/1.1': { send: `GET / http/1.1\r\n${HOST}\r\n`, status: 400, body: notHttp('Expected HTTP/, RTSP/ or ICE/') },
    'HTTP/1.10': { send: `GET / HTTP/1.10\r\n${HOST}\r\n`, status: 400, body: notHttp('Expected CRLF after version') },
    'HTTP/1.0 without a Host (which it may omit)': { send: 'GET /__mock/health HTTP/1.0\r\n\r\n', status: 200, body: HEALTH },
    'an empty line before the request line (which HTTP allows)': { send: `\r\n${request('GET', '/__mock/health')}`, status: 200, body: HEALTH },
    'Upgrade: websocket (ignored)': { send: request('GET', '/__mock/health', 'Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'), status: 200, body: HEALTH }
  },
  'slow clients': {
    'headers that never end': { send: `GET /__mock/health HTTP/1.1\r\n${HOST}`, after: 'X-Slow: 1\r\n', status: 408, body: TIMEOUT },
    'a chunked body that never ends': { send: `POST /x HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n`, after: '1\r\na\r\n', status: 408, body: TIMEOUT },
    'a body shorter than its Content-Length': { send: `POST /x HTTP/1.1\r\n${HOST}Content-Length: 10\r\n\r\nab`, status: 408, body: TIMEOUT },
    'a connection that sends nothing': { send: '', status: 408, body: TIMEOUT }
  },
  'Host (DNS rebinding)': {
    'no Host in HTTP/1.1': { send: 'GET /__mock/health HTTP/1.1\r\nConnection: close\r\n\r\n', status: 400, body: badRequest('HTTP/1.1 requires a Host header.') },
    'two Host headers': { send: request('GET', '/__mock/health', 'Host: evil.example\r\n'), status: 400, body: ONE_HOST },
    'a Host with a space': { send: 'GET /__mock/health HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n', status: 400, body: ONE_HOST },
    'a Host with a path': { send: 'GET /__mock/health HTTP/1.1\r\nHost: localhost/x\r\nConnection: close\r\n\r\n', status: 400, body: ONE_HOST },
    'a foreign Host': { send: 'GET /__mock/health HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n', status: 403, body: foreignHost('attacker.example') },
    'a foreign Host with a port': { send: 'GET /__mock/health HTTP/1.1\r\nHost: Attacker.Example:4010\r\nConnection: close\r\n\r\n', status: 403, body: foreignHost('attacker.example') },
    'a foreign Host to the control surface': { send: `PUT /__mock/sessions/default HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`, status: 403, body: foreignHost('attacker.example') },
    'an empty Host': { send: 'GET /__mock/health HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n', status: 403, body: foreignHost('') },
    'a Host of 200 characters': { send: `GET /__mock/health HTTP/1.1\r\nHost: ${'h'.repeat(200)}\r\nConnection: close\r\n\r\n`, status: 403, body: foreignHost(`${'h'.repeat(100)}…`) },
    'Host: [::1] (loopback)': { send: 'GET /__mock/health HTTP/1.1\r\nHost: [::1]:4010\r\nConnection: close\r\n\r\n', status: 200, body: HEALTH },
    'Host: app.localhost (loopback)': { send: 'GET /__mock/health HTTP/1.1\r\nHost: app.localhost\r\nConnection: close\r\n\r\n', status: 200, body: HEALTH }
  },
  'request bodies': {
    'a Content-Length over the limit': { send: request('POST', CRAFTER, `${JSON_BODY}Content-Length: 6000000\r\n`) + '{', status: 413, body: TOO_LARGE },
    'a chunked body over the limit': { send: `POST ${CRAFTER} HTTP/1.1\r\n${CLOSE}${JSON_BODY}Transfer-Encoding: chunked\r\n\r\n` + `100000\r\n${'a'.repeat(0x100000)}\r\n`.repeat(2), status: 413, body: TOO_LARGE },
    'JSON cut short': { send: request('POST', CRAFTER, JSON_BODY, '{"site_id":'), status: 400, body: CRAFTER_MALFORMED },
    'a __proto__ key (prototype poisoning)': { send: request('POST', CRAFTER, JSON_BODY, '{"site_id":"a","package_ids":[],"__proto__":{"admin":true}}'), status: 400, body: CRAFTER_MALFORMED },
    'a constructor.prototype key': { send: request('POST', CRAFTER, JSON_BODY, '{"constructor":{"prototype":{"admin":true}}}'), status: 400, body: CRAFTER_MALFORMED },
    'a raw NUL inside a JSON string': { send: request('POST', CRAFTER, JSON_BODY, '{"site_id":"a\u0000b"}'), status: 400, body: CRAFTER_MALFORMED },
    '100,000 nested arrays': { send: request('POST', CRAFTER, JSON_BODY, '['.repeat(100_000) + ']'.repeat(100_000)), status: 400, body: CRAFTER_INVALID },
    '50,000 nested objects': { send: request('POST', CRAFTER, JSON_BODY, `{"site_id":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`), status: 400, body: CRAFTER_INVALID },
    '200,000 invalid items': { send: request('POST', CRAFTER, JSON_BODY, `{"site_id":"s","package_ids":[${Array(200_000).fill('1').join(',')}]}`), status: 400, body: CRAFTER_INVALID },
    'a 1 MB string': { send: request('POST', CRAFTER, JSON_BODY, `{"site_id":"${'a'.repeat(1_000_000)}"}`), status: 400, body: CRAFTER_INVALID },
    'no body where one is required': { send: request('POST', CRAFTER, JSON_BODY, ''), status: 400, body: CRAFTER_INVALID },
    'a charset the body is not in': { send: request('POST', CRAFTER, `${BEARER}Content-Type: application/json; charset=utf-7\r\n`, '{}'), status: 400, body: CRAFTER_INVALID },
    'a gzip Content-Encoding': { send: request('POST', CRAFTER, `${JSON_BODY}Content-Encoding: gzip\r\n`, 'not gzip'), status: 415, body: ours('unsupported-media-type', 'Unsupported media type', 415, "Content-Encoding: 'gzip' is not read here; send the body uncompressed.") },
    'a Content-Type that cannot be read': { send: request('POST', CRAFTER, `${BEARER}Content-Type: ;;;\r\n`, 'x'), status: 415, body: ours('unsupported-media-type', 'Unsupported media type', 415, "The Content-Type ';;;' cannot be read.") },
    'no Content-Type': { send: request('POST', CRAFTER, BEARER, '{}'), status: 415, body: takesJson('(none)') },
    'text/plain': { send: request('POST', CRAFTER, `${BEARER}Content-Type: text/plain\r\n`, 'hello'), status: 415, body: takesJson('text/plain') },
    'XML with an external entity': { send: request('POST', CRAFTER, `${BEARER}Content-Type: application/xml\r\n`, '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'), status: 415, body: takesJson('application/xml') },
    'a form with __proto__ fields': { send: request('POST', CRAFTER, `${BEARER}Content-Type: application/x-www-form-urlencoded\r\n`, '__proto__[admin]=1&site_id=x'), status: 415, body: takesJson('application/x-www-form-urlencoded') },
    'multipart': { send: request('POST', CRAFTER, `${BEARER}Content-Type: multipart/form-data; boundary=xx\r\n`, '--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xx--\r\n'), status: 415, body: takesJson('multipart/form-data; boundary=xx') },
    'a byte-order mark before JSON (tolerated)': { send: request('POST', CRAFTER, JSON_BODY, `\ufeff${CRAFTER_OK}`), status: 200, body: CRAFTER_200 }
  },
  'paths and parameters': {
    'no credentials': { send: request('POST', POST), status: 401, body: POSTMANTIS_401 },
    'Basic where Bearer is documented': { send: request('POST', POST, 'Authorization: Basic Zm9vOmJhcg==\r\n'), status: 401, body: POSTMANTIS_401 },
    'an empty Bearer token': { send: request('POST', POST, 'Authorization: Bearer \r\n'), status: 401, body: POSTMANTIS_401 },
    'a path parameter that breaks its schema': { send: request('POST', '/api/v1/posts/not-a-uuid/cancel', BEARER), status: 400, body: POSTMANTIS_400 },
    'a percent-encoded NUL in a path parameter': { send: request('POST', '/api/v1/posts/%00/cancel', BEARER), status: 400, body: POSTMANTIS_400 },
    'percent-encoding that is not hex': { send: request('POST', '/api/v1/posts/%zz/cancel', BEARER), status: 400, body: badRequest("The path '/api/v1/posts/%zz/cancel' is not valid percent-encoded UTF-8.") },
    'overlong UTF-8 (%c0%af, a disguised /)': { send: request('POST', '/api/v1/posts/%c0%af/cancel', BEARER), status: 400, body: badRequest("The path '/api/v1/posts/%c0%af/cancel' is not valid percent-encoded UTF-8.") },
    'a path parameter of 3,000 characters': { send: request('POST', `/api/v1/posts/${'a'.repeat(3000)}/cancel`, BEARER), status: 414, body: ours('uri-too-long', 'URI too long', 414, 'A path segment is longer than the server accepts (2048 characters).') },
    '2,000 query parameters': { send: request('POST', `${POST}?${Array(2000).fill('a=1').join('&')}`, BEARER), status: 200, body: CANCELED },
    'query keys that try to pollute prototypes': { send: request('POST', `${POST}?__proto__[admin]=1&constructor[prototype][admin]=1`, BEARER), status: 200, body: CANCELED },
    'the wrong method': { send: request('GET', POST, BEARER), status: 405, body: ours('method-not-allowed', 'Method not allowed', 405, 'GET is not allowed here; use POST', { allow: ['POST'] }) },
    'an Accept no response is available as': { send: request('POST', POST, `${BEARER}Accept: image/png\r\n`), status: 406, body: ours('not-acceptable', 'Not acceptable', 406, 'This response is available as application/json, not as image/png', { available: ['application/json'] }) },
    'an Accept that does not parse': { send: request('POST', POST, `${BEARER}Accept: ;;;q=x,\r\n`), status: 406, body: ours('not-acceptable', 'Not acceptable', 406, 'This response is available as application/json, not as ;;;q=x,', { available: ['application/json'] }) },
    'a path of dot segments': { send: request('GET', '/__mock/specs/../../../../etc/passwd'), status: 404, body: notFound('No operation for GET /__mock/specs/../../../../etc/passwd') },
    'a spec name of encoded dot segments': { send: request('GET', '/__mock/specs/%2e%2e%2f%2e%2e%2fetc%2fpasswd'), status: 404, body: notFound("No spec named '../../etc/passwd'. Known: crafter-studio, postmantis, uforge") },
    'a docs asset of encoded dot segments': { send: request('GET', '/__mock/docs/static/..%2f..%2fpackage.json'), status: 404, body: notFound("No docs asset named '../../package.json'.") },
    'an unknown path': { send: request('GET', '/nope'), status: 404, body: notFound('No operation for GET /nope') }
  },
  'mock headers': {
    'an unknown scenario': { send: request('POST', POST, `${BEARER}x-mock-scenario: nope\r\n`), status: 404, body: unknownScenario('nope') },
    'a scenario name of 8 KB (quoted in part)': { send: request('POST', POST, `${BEARER}x-mock-scenario: ${'a'.repeat(8000)}\r\n`), status: 404, body: unknownScenario(`${'a'.repeat(100)}…`) },
    'Prefer: a code that is not a status': { send: request('POST', POST, `${BEARER}Prefer: code=abc\r\n`), status: 404, body: unknownScenario('code=abc') },
    'x-mock-fault: bogus': { send: request('POST', POST, `${BEARER}x-mock-fault: bogus\r\n`), status: 400, body: mockHeader('x-mock-fault', 'bogus', 'reset, empty, timeout, malformed, none') },
    'a negative x-mock-delay': { send: request('POST', POST, `${BEARER}x-mock-delay: -5\r\n`), status: 400, body: mockHeader('x-mock-delay', '-5', 'milliseconds (250) or a range (250-800)') },
    'x-mock-delay of ten digits': { send: request('POST', POST, `${BEARER}x-mock-delay: 9999999999\r\n`), status: 400, body: mockHeader('x-mock-delay', '9999999999', 'milliseconds (250) or a range (250-800)') },
    'x-mock-validate: bogus': { send: request('POST', POST, `${BEARER}x-mock-validate: bogus\r\n`), status: 400, body: mockHeader('x-mock-validate', 'bogus', 'on, off or report') },
    'a session name of dot segments': { send: request('POST', POST, `${BEARER}x-mock-session: ../../etc\r\n`), status: 400, body: mockHeader('x-mock-session', '../../etc', PLAIN_NAME) },
    'a session name of 5,000 characters (quoted in part)': { send: request('POST', POST, `${BEARER}x-mock-session: ${'s'.repeat(5000)}\r\n`), status: 400, body: mockHeader('x-mock-session', `${'s'.repeat(100)}…`, PLAIN_NAME) },
    'a mock_session cookie that is no name (ignored)': { send: request('POST', POST, `${BEARER}Cookie: mock_session=%zz\r\n`), status: 200, body: CANCELED },
    'a Cookie header that does not parse (ignored)': { send: request('POST', POST, `${BEARER}Cookie: ;;;==;mock_session\r\n`), status: 200, body: CANCELED }
  },
  'the control surface': {
    'a session change from another site': { send: request('PUT', '/__mock/sessions/default', 'Origin: http://evil.example\r\nContent-Type: application/json\r\n', '{"set":"x"}'), status: 403, body: FROM_A_PAGE('http://evil.example') },
    'a text/plain reset from another site (no preflight)': { send: request('POST', '/__mock/reset', 'Origin: http://evil.example\r\nContent-Type: text/plain\r\n', 'x'), status: 403, body: FROM_A_PAGE('http://evil.example') },
    'a session deleted from another site': { send: request('DELETE', '/__mock/sessions/default', 'Origin: http://evil.example\r\n'), status: 403, body: FROM_A_PAGE('http://evil.example') },
    'a change from a sandboxed page (Origin: null)': { send: request('PUT', '/__mock/sessions/default', 'Origin: null\r\nContent-Type: application/json\r\n', '{}'), status: 403, body: FROM_A_PAGE('null') },
    'a preflight from another site': { send: request('OPTIONS', '/__mock/sessions/default', 'Origin: http://evil.example\r\nAccess-Control-Request-Method: PUT\r\n'), status: 403, body: FROM_A_PAGE('http://evil.example') },
    'a session choice that is not JSON': { send: request('PUT', '/__mock/sessions/alice', 'Content-Type: application/json\r\n', '{nope'), status: 400, body: invalidSession("body is not valid JSON: Expected property name or '}' in JSON at position 1") },
    'a session choice as text/plain': { send: request('PUT', '/__mock/sessions/alice', 'Content-Type: text/plain\r\n', '{}'), status: 415, body: ours('unsupported-media-type', 'Unsupported media type', 415, 'A session choice is JSON: send Content-Type: application/json.', { supported: ['application/json'] }) },
    'a session choice of the wrong shape': { send: request('PUT', '/__mock/sessions/alice', 'Content-Type: application/json\r\n', '{"set":1,"scenarios":[]}'), status: 400, body: invalidSession('/set must be string,null', '/scenarios must be object') },
    'an unknown scenario set': { send: request('PUT', '/__mock/sessions/alice', 'Content-Type: application/json\r\n', '{"set":"nope"}'), status: 400, body: invalidSession("no scenario set 'nope' (there are none)") },
    'an unknown scenario in a session choice': { send: request('PUT', '/__mock/sessions/alice', 'Content-Type: application/json\r\n', '{"scenarios":{"cancelScheduledPost":"nope"}}'), status: 400, body: invalidSession(`cancelScheduledPost has no scenario 'nope' (known: ${SCENARIOS.join(', ')})`) },
    'a session id with a space': { send: request('PUT', '/__mock/sessions/a%20b', 'Content-Type: application/json\r\n', '{}'), status: 400, body: invalidSession(`'a b' is not a session id: ${PLAIN_NAME}`) },
    'a session id of 3,000 characters': { send: request('PUT', `/__mock/sessions/${'n'.repeat(3000)}`, 'Content-Type: application/json\r\n', '{}'), status: 414, body: ours('uri-too-long', 'URI too long', 414, 'A path segment is longer than the server accepts (2048 characters).') },
    'an unknown session': { send: request('GET', '/__mock/sessions/nope'), status: 404, body: notFound("No session 'nope' (a session starts with a PUT, or when a fixture records state in it).") },
    'a page size of 0': { send: request('GET', '/__mock/sessions?limit=0'), status: 400, body: badRequest("limit is a whole number from 1 to 1000, not '0'.") },
    'a page size of 99,999': { send: request('GET', '/__mock/sessions?limit=99999'), status: 400, body: badRequest("limit is a whole number from 1 to 1000, not '99999'.") },
    'a reset of an unknown session': { send: request('POST', '/__mock/reset?session=nope'), status: 404, body: notFound("No session 'nope' to reset.") }
  }
}

const total = Object.values(cases).reduce((sum, group) => sum + Object.keys(group).length, 0)
t.ok(total >= 100, `${total} cases`)

for (const [group, members] of Object.entries(cases)) {
  t.test(group, async (t) => {
    // Side by side: the slow clients each wait a second for their 408.
    t.jobs = 4
    for (const [name, { send, after, status, body }] of Object.entries(members)) {
      t.test(`${name}: ${status}, then the connection closes`, async (t) => {
        // An interim 100 Continue is not the answer.
        const response = (await exchange(send, after)).replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '')
        const end = response.indexOf('\r\n\r\n')
        const head = response.slice(0, end)
        t.match(head, new RegExp(`^HTTP/1\\.1 ${status} ${REASONS[status] ?? ''}\\r\\n`), 'the status line')
        t.match(head.toLowerCase(), /\r\nconnection: close(\r\n|$)/, 'the connection closes')
        t.strictSame(JSON.parse(Buffer.from(response.slice(end + 4), 'latin1').toString()), body)
        const health = await fetch(`http://127.0.0.1:${port}/__mock/health`)
        t.equal(health.status, 200, 'the server goes on answering')
      })
    }
  })
}

t.test('garbage after a valid request: the request is answered, the garbage is a 400, then the connection closes', async (t) => {
  const response = await exchange(`GET /__mock/health HTTP/1.1\r\n${HOST}\r\n\x01\x02garbage\r\n\r\n`)
  t.match(response, /^HTTP\/1\.1 200 OK\r\n/)
  t.match(response, `${JSON.stringify(HEALTH)}HTTP/1.1 400 Bad Request\r\n`)
  t.strictSame(JSON.parse(response.slice(response.lastIndexOf('\r\n\r\n') + 4)), METHOD)
})

t.test('Expect: 100-continue for a body within the limit: the body is asked for', async (t) => {
  const asked = await exchange(`GET /__mock/health HTTP/1.1\r\n${CLOSE}Expect: 100-continue\r\nContent-Length: 2\r\n\r\n`, '{}')
  t.match(asked, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 /)
})
