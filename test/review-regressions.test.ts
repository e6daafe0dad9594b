import t from 'tap'
import { BEARER, buildMock, testSpec } from './helpers.js'

const app = await buildMock(t, { specs: [testSpec('edge-cases.yaml'), testSpec('openapi30.yaml')] })
const mocks = await buildMock(t)

t.test('a 3.0 operation whose only parameter is optional starts and validates', async (t) => {
  const ok = await app.inject({ url: '/notes?limit=5' })
  t.equal(ok.statusCode, 200)
  t.strictSame(ok.json(), [])
  const bad = await app.inject({ url: '/notes?limit=x' })
  t.equal(bad.statusCode, 400)
  t.strictSame((bad.json() as { errors: unknown[] }).errors, [{ in: 'query', path: '/limit', message: 'must be integer,null' }])
})

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

t.test('examples with only an externalValue are skipped; a */* response is sent as JSON; header values stay Latin-1', async (t) => {
  const res = await app.inject({ url: '/items/abc', headers: { accept: 'application/json' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-mock-scenario'], 'local')
  t.equal(res.headers['content-type'], 'application/json')
  t.equal(res.headers['x-price'], '10 %E2%82%AC')
  t.strictSame(res.json(), { id: 'abc' })
  t.strictSame(app.understudy.operations.find((o) => o.operationId === 'getItem')?.scenarios, [{ name: 'local', status: 200, source: 'example' }])
})

t.test('XML: a root array names items from items.xml; odd JSON keys become legal element names', async (t) => {
  const res = await app.inject({ url: '/shelves/a' })
  t.equal(res.body, '<?xml version="1.0" encoding="UTF-8"?><shelf><book><bad_key>x</bad_key><__attr>y</__attr><_text>z</_text></book></shelf>')
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

t.test('an unreadable Content-Type is 415 unsupported-media-type', async (t) => {
  const res = await mocks.inject({ method: 'POST', url: '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel', headers: { ...BEARER, 'content-type': 'foo' }, payload: 'x' })
  t.equal(res.statusCode, 415)
  t.strictSame(res.json(), { type: 'urn:understudy:error:unsupported-media-type', title: 'Unsupported media type', status: 415, detail: "The Content-Type 'foo' cannot be read." })
})

t.test('a 406 does not claim a scenario answered', async (t) => {
  const res = await mocks.inject({ method: 'POST', url: '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel', headers: { ...BEARER, accept: 'text/html' } })
  t.equal(res.statusCode, 406)
  t.equal(res.headers['x-mock-scenario'], undefined)
})

t.test('long path parameters are not refused with 414', async (t) => {
  const res = await mocks.inject({ method: 'DELETE', url: `/api/users/${'u'.repeat(300)}/appliances/12/images/34/pimages/56/cancel`, headers: { authorization: 'Basic dTpw', accept: 'application/json' } })
  t.equal(res.statusCode, 200)
})
