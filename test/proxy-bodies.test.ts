import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { readFile } from 'node:fs/promises'
import { PassThrough, Readable } from 'node:stream'
import { brotliCompressSync, gunzipSync, gzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { buildMockServer, type MockServer } from '../dist/index.js'
import { testSpec } from './helpers.js'

// How the proxy passes a backend's bodies on: compressed ones checked decoded and sent as they
// came, event streams and binary or very large bodies streamed through, unread.

const SPEC = testSpec('proxied-reports.yaml')
const REPORT = '{"id":1,"rows":["north","south"]}'
/** Over the 16 MiB the proxy reads to check: an array where the spec wants an object, never looked at. */
const HUGE = Buffer.from(`[${'"row",'.repeat(3_000_000)}"end"]`)

function compressed (reply: FastifyReply, encoding: string, bytes: Buffer): FastifyReply {
  return reply.header('x-request-id', 'r1').header('content-encoding', encoding).type('application/json').send(bytes)
}

/** The backend: compresses as asked, streams its events while `events` is written to, serves PDFs and huge reports. */
async function backend (t: Test): Promise<{ url: string, seen: Array<Record<string, unknown>>, events: PassThrough }> {
  const seen: Array<Record<string, unknown>> = []
  const events = new PassThrough()
  const server: FastifyInstance = Fastify()
  server.addHook('onRequest', async (request) => { seen.push(request.headers) })
  server.get('/v1/reports/:id', async (request, reply) => {
    switch ((request.params as { id: string }).id) {
      case '1': return request.headers['accept-encoding']?.startsWith('br') === true
        ? compressed(reply, 'br', brotliCompressSync(REPORT))
        : compressed(reply, 'gzip', gzipSync(REPORT))
      case '2': return compressed(reply, 'gzip', gzipSync('{"id":2,"rows":"none"}'))
      case '3': return compressed(reply, 'gzip', Buffer.from('not gzip at all'))
      case '4': return reply.header('x-request-id', 'r4').type('application/json').send(HUGE)
      case '5': return reply.header('x-request-id', 'r5').type('application/json').send(Readable.from([HUGE.subarray(0, 10_000_000), HUGE.subarray(10_000_000)]))
      case '6': return reply.header('x-request-id', 'r6').type('application/json').send('{"id":6,')
      default: return reply.type('application/json').send('{"id":9,"rows":[]}')
    }
  })
  server.delete('/v1/reports/:id', async (request, reply) => (request.params as { id: string }).id === '1'
    ? reply.code(202).type('text/plain').send('scheduled')
    : reply.code(204).send())
  server.get('/v1/reports/:id/pdf', async (_request, reply) => reply.type('application/pdf').send(Buffer.from('%PDF-1.7 \u0000\u00ff binary')))
  server.get('/v1/events', async (_request, reply) => reply.type('text/event-stream').send(events))
  await server.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { events.destroy(); await server.close() })
  return { url: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`, seen, events }
}

async function proxyTo (t: Test, target: string, record?: { dir: string, onRecorded: (file: string) => void }): Promise<MockServer> {
  const mock = await buildMockServer({ specs: [SPEC], fixtures: false, proxy: { target, ...(record === undefined ? {} : { record: { ...record, overwrite: false } }) } })
  t.teardown(() => mock.close())
  return mock
}

function violationsOf (headers: Record<string, unknown>): unknown {
  const header = headers['x-mock-response-violations']
  return header === undefined ? undefined : JSON.parse(header as string)
}

t.test("compressed answers: the backend is asked for the codings the proxy can decode, checks the body decoded, passes it on compressed", async (t) => {
  const { url, seen } = await backend(t)
  const dir = t.testdir({})
  let recorded: (file: string) => void = () => {}
  const written = new Promise<string>((resolve) => { recorded = resolve })
  const mock = await proxyTo(t, url, { dir, onRecorded: (file) => { recorded(file) } })
  const gzip = await mock.inject({ url: '/v1/reports/1', headers: { 'accept-encoding': 'gzip, deflate, br;q=0.5, zstd' } })
  t.equal(seen[0]!['accept-encoding'], 'gzip, deflate, br;q=0.5', 'zstd is not asked for: it could not be checked')
  t.equal(gzip.statusCode, 200)
  t.equal(gzip.headers['content-encoding'], 'gzip')
  t.equal(violationsOf(gzip.headers), undefined)
  t.equal(gunzipSync(gzip.rawPayload).toString(), REPORT, 'the bytes the backend sent')
  t.equal(await readFile(await written, 'utf8'), [
    'description: "Recorded from the backend: 200 for id 1"',
    'status: 200',
    'when:',
    '  path:',
    '    id: "1"',
    'headers:',
    '  x-request-id: r1',
    'body:',
    '  id: 1',
    '  rows:',
    '    - north',
    '    - south',
    'request:',
    '  path:',
    '    id: "1"',
    ''
  ].join('\n'), 'recorded decoded')

  const br = await mock.inject({ url: '/v1/reports/1', headers: { 'accept-encoding': 'br' } })
  t.strictSame([br.headers['content-encoding'], violationsOf(br.headers)], ['br', undefined])
  t.equal(seen[1]!['accept-encoding'], 'br')
  const none = await mock.inject({ url: '/v1/reports/9', headers: { 'accept-encoding': 'zstd' } })
  t.equal(seen[2]!['accept-encoding'], 'identity', 'nothing it can decode: identity')
  t.strictSame(violationsOf(none.headers), [{ kind: 'header-missing', message: 'the 200 response has no X-Request-Id header (required)', expected: 'header X-Request-Id', actual: 'absent' }], 'a required header the backend left out')

  const drifted = await mock.inject({ url: '/v1/reports/2', headers: { 'accept-encoding': 'gzip' } })
  t.strictSame(violationsOf(drifted.headers), [{ kind: 'body-invalid', message: 'the 200 application/json body does not match its schema at /rows: must be array', expected: 'type array', actual: '"none" (string)' }], 'drift found in a gzip body')
  const broken = await mock.inject({ url: '/v1/reports/3', headers: { 'accept-encoding': 'gzip' } })
  t.equal(broken.statusCode, 200)
  t.equal(broken.body, 'not gzip at all', 'passed on as it came')
  t.strictSame(violationsOf(broken.headers), [{ kind: 'body-unparsable', message: 'the 200 body cannot be decoded (gzip: incorrect header check)', expected: 'a body in gzip', actual: '15 bytes that are not' }])
})

t.test('an event stream reaches the app event by event, as the backend sends it', async (t) => {
  const { url, events } = await backend(t)
  const mock = await proxyTo(t, url)
  const address = await mock.listen({ port: 0, host: '127.0.0.1' })
  events.write('data: one\n\n')
  const res = await fetch(`${address}/v1/events`, { headers: { accept: 'text/event-stream' } })
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'text/event-stream')
  t.equal(res.headers.get('x-mock-response-violations'), null)
  const reader = res.body!.getReader()
  t.equal(new TextDecoder().decode((await reader.read()).value), 'data: one\n\n', 'the first event, while the backend keeps the stream open')
  events.end('data: two\n\n')
  t.equal(new TextDecoder().decode((await reader.read()).value), 'data: two\n\n')
  t.equal((await reader.read()).done, true)
  const [entry] = mock.understudy.requests({ limit: 1 })
  t.strictSame([entry!.operationId, entry!.status, entry!.scenario, entry!.backend], ['streamEvents', 200, null, url])
})

t.test('binary bodies and bodies over 16 MiB pass through byte for byte, unread: their status and headers are checked', async (t) => {
  const { url } = await backend(t)
  const mock = await proxyTo(t, url)
  const pdf = await mock.inject({ url: '/v1/reports/1/pdf' })
  t.strictSame([pdf.statusCode, pdf.headers['content-type'], violationsOf(pdf.headers)], [200, 'application/pdf', undefined])
  t.strictSame(pdf.rawPayload, Buffer.from('%PDF-1.7 \u0000\u00ff binary'))
  const digest = createHash('sha256').update(HUGE).digest('hex')
  for (const [id, how] of [['4', 'of a stated length'], ['5', 'chunked']] as const) {
    const huge = await mock.inject({ url: `/v1/reports/${id}` })
    t.equal(huge.statusCode, 200)
    t.equal(violationsOf(huge.headers), undefined, `${how}: not read, so not found to be an array`)
    t.equal(createHash('sha256').update(huge.rawPayload).digest('hex'), digest, `${how}: every byte`)
  }
})

t.test('a binary answer of an undocumented media type is still caught by its Content-Type', async (t) => {
  const server = Fastify()
  server.delete('/v1/reports/:id', async (request, reply) => (request.params as { id: string }).id === '1'
    ? reply.code(202).type('text/plain').send('scheduled')
    : reply.code(204).send())
  server.get('/v1/reports/:id/pdf', async (_request, reply) => reply.type('image/png').send(Buffer.from([0x89, 0x50, 0x4e, 0x47])))
  await server.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => server.close())
  const mock = await proxyTo(t, `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`)
  const res = await mock.inject({ url: '/v1/reports/1/pdf' })
  t.strictSame(res.rawPayload, Buffer.from([0x89, 0x50, 0x4e, 0x47]))
  t.strictSame(violationsOf(res.headers), [{ kind: 'content-type-undeclared', message: 'Content-Type image/png is not declared for the 200 response', expected: 'application/pdf', actual: 'image/png' }])
})

t.test('each way an answer breaks the spec is reported as verify reports it', async (t) => {
  const { url } = await backend(t)
  const mock = await proxyTo(t, url)
  const notJson = (() => { try { return JSON.parse('{"id":6,') as never } catch (error) { return (error as Error).message } })()
  const cases: Array<[{ method?: 'GET' | 'DELETE', url: string }, unknown]> = [
    [{ url: '/v1/reports/9' }, [{ kind: 'header-missing', message: 'the 200 response has no X-Request-Id header (required)', expected: 'header X-Request-Id', actual: 'absent' }]],
    [{ url: '/v1/reports/6' }, [{ kind: 'body-unparsable', message: `the 200 application/json body is not JSON: ${notJson}`, expected: 'JSON', actual: '{"id":6,' }]],
    [{ url: '/v1/reports/2' }, [{ kind: 'body-invalid', message: 'the 200 application/json body does not match its schema at /rows: must be array', expected: 'type array', actual: '"none" (string)' }]],
    [{ method: 'DELETE', url: '/v1/reports/1' }, [{ kind: 'body-undocumented', message: 'the 202 response documents no body, but one came', expected: 'no body', actual: 'scheduled' }]],
    [{ method: 'DELETE', url: '/v1/reports/2' }, [{ kind: 'status-undocumented', message: 'status 204 is not documented for deleteReport', expected: '202', actual: '204' }]],
    [{ url: '/v1/reports/1/pdf' }, undefined]
  ]
  for (const [request, violations] of cases) {
    const res = await mock.inject(request)
    t.strictSame(violationsOf(res.headers), violations, `${request.method ?? 'GET'} ${request.url}`)
  }
})
