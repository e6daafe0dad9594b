import t from 'tap'
import { buildMock, testSpec } from './helpers.js'

const app = await buildMock(t, { specs: [testSpec('edge-cases.yaml')] })
const mocks = await buildMock(t)

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
