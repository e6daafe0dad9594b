import t from 'tap'
import { buildMock, invalidRequest, testSpec } from './helpers.js'

const SPEC = testSpec('form-bodies.yaml')
const app = await buildMock(t, { specs: [SPEC], fixtures: false })
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const BOUNDARY = 'understudy-boundary'
const MULTIPART = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }

interface Part { name: string, value: string | Buffer, filename?: string, type?: string }

/** A multipart/form-data body, written out as a browser would. */
function multipart (parts: readonly Part[]): Buffer {
  const chunks: Buffer[] = []
  for (const { name, value, filename, type } of parts) {
    const disposition = `form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}`
    const head = `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${type === undefined ? '' : `Content-Type: ${type}\r\n`}\r\n`
    chunks.push(Buffer.from(head), Buffer.from(value), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`))
  return Buffer.concat(chunks)
}

async function post (url: string, headers: Record<string, string>, payload: string | Buffer): Promise<{ status: number, body: unknown, violations?: unknown }> {
  const res = await app.inject({ method: 'POST', url, headers, payload })
  const header = res.headers['x-mock-violations']
  return { status: res.statusCode, body: res.json(), ...(header === undefined ? {} : { violations: JSON.parse(String(header)) }) }
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff])

t.test('a urlencoded body is read by its encoding and coerced to the schema\'s types', async (t) => {
  const body = [
    'name=Ada+Lovelace', 'age=36', 'subscribed=true', 'nickname=', 'tags=a', 'tags=b', 'colors=red,green',
    'ids=1|2|3', 'address[city]=London', 'address[zip]=12345', `meta=${encodeURIComponent('{"source":"web","campaign":7}')}`
  ].join('&')
  t.strictSame(await post('/signup', FORM, body), { status: 201, body: { id: 1 } })
  t.strictSame(await post('/signup', FORM, 'name=Ada&age=36&tags=c'), { status: 201, body: { id: 1 } }, 'one value of an array field is a list of one')
})

t.test('an invalid urlencoded field is an invalid request, pointing at the field', async (t) => {
  const body = `name=&age=old&tags=a&tags=z&colors=&ids=1|x&address[zip]=1&meta=${encodeURIComponent('{"campaign":"7"}')}&extra=1`
  t.strictSame(await post('/signup', FORM, body), {
    status: 400,
    body: invalidRequest('signup', [
      { in: 'body', path: '', message: 'must NOT have additional properties' },
      { in: 'body', path: '/name', message: 'must NOT have fewer than 1 characters' },
      { in: 'body', path: '/age', message: 'must be integer' },
      { in: 'body', path: '/tags/1', message: 'must be equal to one of the allowed values: a, b, c' },
      { in: 'body', path: '/ids/1', message: 'must be integer' },
      { in: 'body', path: '/address/zip', message: 'must match pattern "^[0-9]{5}$"' },
      { in: 'body', path: '/meta/source', message: "must have required property 'source'" }
    ])
  })
  t.strictSame(await post('/signup', FORM, 'age=3&meta={oops'), {
    status: 400,
    body: invalidRequest('signup', [
      { in: 'body', path: '/meta', message: 'must be valid JSON' },
      { in: 'body', path: '/name', message: "must have required property 'name'" }
    ])
  }, 'a JSON field that does not parse is reported once')
})

t.test('fixtures match the fields of a form body', async (t) => {
  const fixtures = t.testdir({ 'form-bodies': { signup: { 'taken.yaml': 'status: 409\nwhen: {body: {/name: taken, /age: "5"}}' } } })
  const mock = await buildMock(t, { specs: [SPEC], fixtures })
  const taken = await mock.inject({ method: 'POST', url: '/signup', headers: FORM, payload: 'name=taken&age=5' })
  t.equal(taken.statusCode, 409)
  t.strictSame(taken.json(), { error: 'name taken' })
  const free = await mock.inject({ method: 'POST', url: '/signup', headers: FORM, payload: 'name=free&age=5' })
  t.equal(free.statusCode, 201)
})

t.test('a multipart body: files as bytes, text coerced, objects and JSON parts parsed', async (t) => {
  const body = multipart([
    { name: 'title', value: 'Holiday' },
    { name: 'count', value: '2' },
    { name: 'file', value: PNG, filename: 'a.png', type: 'image/png' },
    { name: 'photos', value: PNG, filename: 'b.png', type: 'image/png' },
    { name: 'photos', value: 'not even an image', filename: 'c.txt' },
    { name: 'labels', value: 'x' },
    { name: 'labels', value: 'y' },
    { name: 'meta', value: '{"kind":"image"}' },
    { name: 'extra', value: '{"n":1}', type: 'application/json' },
    { name: 'undeclared', value: 'kept' }
  ])
  t.strictSame(await post('/uploads', MULTIPART, body), { status: 201, body: { stored: true } })
  t.strictSame(await post('/uploads', MULTIPART, multipart([{ name: 'title', value: 'T' }, { name: 'file', value: '' }])), { status: 201, body: { stored: true } }, 'an empty file is still a file')
})

t.test('an invalid multipart field gets the documented 400, with the violations', async (t) => {
  const body = multipart([
    { name: 'title', value: 'x'.repeat(21) },
    { name: 'count', value: 'two' },
    { name: 'labels', value: 'z' },
    { name: 'meta', value: '{"kind":"video"}' },
    { name: 'extra', value: '{"n":' }
  ])
  t.strictSame(await post('/uploads', MULTIPART, body), {
    status: 400,
    body: { error: 'invalid upload' },
    violations: [
      { in: 'body', path: '/extra', message: 'must be valid JSON' },
      { in: 'body', path: '/file', message: "must have required property 'file'" },
      { in: 'body', path: '/title', message: 'must NOT have more than 20 characters' },
      { in: 'body', path: '/count', message: 'must be integer' },
      { in: 'body', path: '/labels/0', message: 'must be equal to one of the allowed values: x, y' },
      { in: 'body', path: '/meta/kind', message: 'must be equal to one of the allowed values: doc, image' }
    ]
  })
})

t.test('malformed multipart is an invalid request answered with the malformed example, never a 500', async (t) => {
  const cut = multipart([{ name: 'title', value: 'T' }, { name: 'file', value: PNG }]).subarray(0, 60)
  const cases: Array<[Record<string, string>, string | Buffer, string]> = [
    [{ 'content-type': 'multipart/form-data' }, multipart([{ name: 'title', value: 'T' }]), 'body is not valid multipart/form-data: the Content-Type has no boundary'],
    [MULTIPART, cut, 'body is not valid multipart/form-data: Multipart stream not finished'],
    [MULTIPART, 'plain text where the parts should be', 'body is not valid multipart/form-data: Invalid multipart stream: missing initial boundary'],
    [MULTIPART, `--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--\r\n`, 'body is not valid multipart/form-data: a part has no Content-Disposition name']
  ]
  for (const [headers, payload, message] of cases) {
    t.strictSame(await post('/uploads', headers, payload), { status: 400, body: { error: 'unreadable upload' }, violations: [{ in: 'body', path: '', message }] })
  }
})

t.test('multipart is bounded by the body limit', async (t) => {
  const small = await buildMock(t, { specs: [SPEC], fixtures: false, bodyLimit: 256 })
  const res = await small.inject({ method: 'POST', url: '/uploads', headers: MULTIPART, payload: multipart([{ name: 'title', value: 'T' }, { name: 'file', value: Buffer.alloc(300) }]) })
  t.equal(res.statusCode, 413)
  t.strictSame(res.json(), { type: 'urn:understudy:error:payload-too-large', title: 'Payload too large', status: 413, detail: 'The request body is larger than the server accepts.' })
})

t.test('form media types without a schema: any well-formed body, read but not validated', async (t) => {
  const form = await app.inject({ method: 'POST', url: '/anything', headers: FORM, payload: 'a=1&a=2' })
  t.equal(form.statusCode, 204)
  const parts = await app.inject({ method: 'POST', url: '/anything', headers: MULTIPART, payload: multipart([{ name: 'a', value: PNG, filename: 'a.png' }]) })
  t.equal(parts.statusCode, 204)
  const broken = await app.inject({ method: 'POST', url: '/anything', headers: MULTIPART, payload: 'plain text where the parts should be' })
  t.equal(broken.statusCode, 400)
  t.strictSame(broken.json(), invalidRequest('anyForm', [{ in: 'body', path: '', message: 'body is not valid multipart/form-data: Invalid multipart stream: missing initial boundary' }]))
})

t.test('a form body where the operation takes only JSON is 415; JSON still goes as JSON', async (t) => {
  const multi = await app.inject({ method: 'POST', url: '/signup', headers: MULTIPART, payload: multipart([{ name: 'name', value: 'A' }]) })
  t.equal(multi.statusCode, 415)
  t.strictSame(multi.json().supported, ['application/x-www-form-urlencoded', 'application/json'])
  t.strictSame(await post('/signup', { 'content-type': 'application/json' }, '{"name":"A"}'), { status: 201, body: { id: 1 } })
})
