import t from 'tap'
import { BEARER, buildMock, invalidRequest, testSpec, unsupportedMediaType } from './helpers.js'

// plain.yaml documents no 400 (search) or only a 422 (createOrder); openapi30.yaml is OpenAPI 3.0.
const app = await buildMock(t, { specs: [testSpec('plain.yaml'), testSpec('openapi30.yaml')] })
const TRACE = { 'x-trace': 'beef' }
const JSON_TYPE = { 'content-type': 'application/json' }
const mocks = await buildMock(t)

t.test('mounted under the server URL path, variables at their defaults', async (t) => {
  const res = await app.inject({ url: '/v2/search?q=hello', headers: TRACE })
  t.equal(res.statusCode, 200)
  t.strictSame(res.json(), { q: 'hello' })
})

t.test('query, header and cookie parameters are coerced, split and validated', async (t) => {
  const ok = await app.inject({ url: '/v2/search?q=x&limit=50&tags=a,b', headers: { ...TRACE, cookie: 'theme=dark' } })
  t.equal(ok.statusCode, 200)
  const res = await app.inject({ url: '/v2/search?limit=51&tags=a,c', headers: { 'x-trace': 'XYZ', cookie: 'theme=pink' } })
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.strictSame(res.json(), invalidRequest('search', [
    { in: 'query', path: '/q', message: "must have required property 'q'" },
    { in: 'query', path: '/limit', message: 'must be <= 50' },
    { in: 'query', path: '/tags/1', message: 'must be equal to one of the allowed values: a, b' },
    { in: 'header', path: '/X-Trace', message: 'must match pattern "^[0-9a-f]+$"' },
    { in: 'cookie', path: '/theme', message: 'must be equal to one of the allowed values: dark, light' }
  ]))
})

t.test('wrong types in the query', async (t) => {
  const repeated = await app.inject({ url: '/v2/search?q=a&q=b', headers: TRACE })
  t.strictSame(repeated.json(), invalidRequest('search', [{ in: 'query', path: '/q', message: 'must be string' }]))
  const text = await app.inject({ url: '/v2/search?q=a&limit=abc', headers: TRACE })
  t.strictSame(text.json(), invalidRequest('search', [{ in: 'query', path: '/limit', message: 'must be integer' }]))
})

t.test('with no 400 but a 422 documented, an invalid body gets the 422 example', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/v2/orders', headers: JSON_TYPE, payload: '{"sku": 5}' })
  t.equal(res.statusCode, 422)
  t.strictSame(res.json(), { error: 'invalid order' })
  t.strictSame(JSON.parse(String(res.headers['x-mock-violations'])), [{ in: 'body', path: '/sku', message: 'must be string' }])
  const ok = await app.inject({ method: 'POST', url: '/v2/orders', headers: JSON_TYPE, payload: { sku: 'a' } })
  t.equal(ok.statusCode, 201)
  t.strictSame(ok.json(), { id: 1 })
})

t.test('malformed JSON where no error example exists: a problem, never Fastify\'s default body', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/notes', headers: JSON_TYPE, payload: '{"text": "a"' })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), invalidRequest('createNote', [{ in: 'body', path: '', message: "body is not valid JSON: Expected ',' or '}' after property value in JSON at position 12" }]))
})

t.test('OpenAPI 3.0 schemas: nullable and boolean exclusiveMinimum', async (t) => {
  const ok = await app.inject({ method: 'POST', url: '/notes', headers: JSON_TYPE, payload: { text: 'a', due: null, priority: 1 } })
  t.equal(ok.statusCode, 201)
  t.strictSame(ok.json(), { id: 9 }, 'a lone `example` is the default body')
  const res = await app.inject({ method: 'POST', url: '/notes', headers: JSON_TYPE, payload: { text: 'a', due: '2026-13-45', priority: 0 } })
  t.strictSame(res.json(), invalidRequest('createNote', [
    { in: 'body', path: '/due', message: 'must match format "date"' },
    { in: 'body', path: '/priority', message: 'must be > 0' }
  ]))
})

t.test('a +json type the operation does not declare is 415', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/notes', headers: { 'content-type': 'application/merge-patch+json' }, payload: '{"text":"a"}' })
  t.equal(res.statusCode, 415)
  t.strictSame(res.json(), unsupportedMediaType('createNote accepts application/json, not application/merge-patch+json', ['application/json']))
})

t.test('a body over the limit is 413', async (t) => {
  const small = await buildMock(t, { specs: [testSpec('openapi30.yaml')], bodyLimit: 64 })
  const res = await small.inject({ method: 'POST', url: '/notes', headers: JSON_TYPE, payload: JSON.stringify({ text: 'x'.repeat(100), due: null }) })
  t.equal(res.statusCode, 413)
  t.strictSame(res.json(), { type: 'urn:understudy:error:payload-too-large', title: 'Payload too large', status: 413, detail: 'The request body is larger than the server accepts.' })
})

t.test('unknown paths and unparsable URLs are problems', async (t) => {
  const missing = await app.inject({ url: '/v2/nothing-here?x=1' })
  t.equal(missing.statusCode, 404)
  t.strictSame(missing.json(), { type: 'urn:understudy:error:not-found', title: 'Not found', status: 404, detail: 'No operation for GET /v2/nothing-here' })
  const bad = await app.inject({ url: '/v2/%zz' })
  t.equal(bad.statusCode, 400)
  t.strictSame(bad.json(), { type: 'urn:understudy:error:bad-request', title: 'Bad request', status: 400, detail: "'/v2/%zz' is not a valid url component" })
})

t.test('the violations header stays bounded and ASCII', async (t) => {
  const payload = JSON.stringify(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 1])))
  const res = await app.inject({ method: 'POST', url: '/v2/orders', headers: JSON_TYPE, payload: `{"sku": ${payload}}` })
  t.equal(res.statusCode, 422)
  const header = String(res.headers['x-mock-violations'])
  t.ok(header.length <= 2048)
  t.strictSame(JSON.parse(header), [{ in: 'body', path: '/sku', message: 'must be string' }])
  const { violationsHeader } = await import('../dist/routes/handle-operation.js')
  const many = Array.from({ length: 100 }, (_, i) => ({ in: 'body' as const, path: `/é${i}`, message: 'must be string' }))
  const text = violationsHeader(many)
  t.ok(text.length <= 2048, 'cut to the limit')
  t.match(text, /^[\x20-\x7e]+$/, 'ASCII only')
  const parsed = JSON.parse(text) as Array<{ path?: string, truncated?: number }>
  t.equal(parsed[0]?.path, '/é0')
  t.equal(parsed.at(-1)?.truncated, 100 - (parsed.length - 1))
})

t.test('a 3.0 operation whose only parameter is optional starts and validates', async (t) => {
  const ok = await app.inject({ url: '/notes?limit=5' })
  t.equal(ok.statusCode, 200)
  t.strictSame(ok.json(), [])
  const bad = await app.inject({ url: '/notes?limit=x' })
  t.equal(bad.statusCode, 400)
  t.strictSame((bad.json() as { errors: unknown[] }).errors, [{ in: 'query', path: '/limit', message: 'must be integer,null' }])
})

t.test('a huge invalid body: the violations header is cut to its bound', async (t) => {
  const payload = { site_id: 'a', package_ids: Array.from({ length: 20000 }, () => 1) }
  const res = await mocks.inject({ method: 'POST', url: '/studio/api/1/services/api/1/publish/cancel-publish-requests.json', headers: { ...BEARER, 'content-type': 'application/json' }, payload })
  t.equal(res.statusCode, 400)
  const header = String(res.headers['x-mock-violations'])
  t.ok(header.length <= 2048)
  const parsed = JSON.parse(header) as Array<{ path?: string, truncated?: number }>
  t.strictSame(parsed[0], { in: 'body', path: '/package_ids/0', message: 'must be string' })
  t.equal(parsed.at(-1)?.truncated, 20000 - (parsed.length - 1))
})

t.test('an unreadable Content-Type is 415 unsupported-media-type', async (t) => {
  const res = await mocks.inject({ method: 'POST', url: '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel', headers: { ...BEARER, 'content-type': 'foo' }, payload: 'x' })
  t.equal(res.statusCode, 415)
  t.strictSame(res.json(), { type: 'urn:understudy:error:unsupported-media-type', title: 'Unsupported media type', status: 415, detail: "The Content-Type 'foo' cannot be read." })
})

t.test('a query that is not valid percent-encoding is 400 bad-request', async (t) => {
  const res = await mocks.inject({ method: 'POST', url: '/studio/api/1/services/api/1/publish/stop.json?site_id=%E0%A4%A', headers: BEARER })
  t.equal(res.statusCode, 400)
  const detail = "The query string cannot be decoded: '%E0%A4%A' is not valid percent-encoding."
  t.strictSame(res.json(), { type: 'urn:understudy:error:bad-request', title: 'Bad request', status: 400, detail })
  const fine = await mocks.inject({ method: 'POST', url: '/studio/api/1/services/api/1/publish/stop.json?site_id=caf%C3%A9', headers: BEARER })
  t.equal(fine.statusCode, 200)
})

t.test('routing (edge-cases.yaml and the seeds)', async (t) => {
  const app = await buildMock(t, { specs: [testSpec('edge-cases.yaml')] })

  t.test('a parameter name with a dash is matched and validated under its own name', async (t) => {
    const ok = await app.inject({ url: '/items/abc' })
    t.equal(ok.statusCode, 200)
    const bad = await app.inject({ url: '/items/ab' })
    t.strictSame((bad.json() as { errors: unknown[] }).errors, [{ in: 'path', path: '/item-id', message: 'must NOT have fewer than 3 characters' }])
  })

  t.test('a literal colon after a parameter', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/jobs/nightly:cancel' })
    t.equal(res.statusCode, 204)
  })

  t.test('a declared HEAD answers for itself; other methods of a path are 405', async (t) => {
    const head = await app.inject({ method: 'HEAD', url: '/items/abc' })
    t.equal(head.statusCode, 204)
    const post = await app.inject({ method: 'POST', url: '/items/abc' })
    t.equal(post.statusCode, 405)
    t.equal(post.headers.allow, 'DELETE, GET, HEAD')
  })

  t.test('one route, two parameter names: both operations answer and 405 knows both', async (t) => {
    t.equal((await app.inject({ url: '/shelves/a' })).statusCode, 200)
    t.equal((await app.inject({ method: 'PUT', url: '/shelves/a' })).statusCode, 204)
    const other = await app.inject({ method: 'DELETE', url: '/shelves/a' })
    t.equal(other.statusCode, 405)
    t.equal(other.headers.allow, 'GET, PUT')
  })

  t.test('long path parameters are not refused with 414', async (t) => {
    const res = await mocks.inject({ method: 'DELETE', url: `/api/users/${'u'.repeat(300)}/appliances/12/images/34/pimages/56/cancel`, headers: { authorization: 'Basic dTpw', accept: 'application/json' } })
    t.equal(res.statusCode, 200)
  })

  t.test('a browser may preflight DELETE; an OPTIONS without Origin is not an error', async (t) => {
    const preflight = await mocks.inject({
      method: 'OPTIONS',
      url: '/api/users/root/appliances/12/images/34/pimages/56/cancel',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'DELETE' }
    })
    t.equal(preflight.statusCode, 204)
    t.equal(preflight.headers['access-control-allow-methods'], 'GET, HEAD, POST, PUT, PATCH, DELETE')
    t.equal((await mocks.inject({ method: 'OPTIONS', url: '/nope' })).statusCode, 204)
  })
})
