import t from 'tap'
import { BEARER, buildMock } from './helpers.js'

const app = await buildMock(t)
const POST = '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel'
const STOP = '/studio/api/1/services/api/1/publish/stop.json?site_id=mysite'
const UFORGE = '/api/users/root/appliances/12/images/34/pimages/56/cancel'

t.test('one header names scenarios for several operations', async (t) => {
  const header = { 'x-mock-scenario': 'cancelScheduledPost=conflict, stopPublisher=siteNotFound' }
  const post = await app.inject({ method: 'POST', url: POST, headers: { ...BEARER, ...header } })
  t.equal(post.statusCode, 409)
  t.equal(post.headers['x-mock-scenario'], 'conflict')
  const stop = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, ...header } })
  t.equal(stop.statusCode, 404)
  t.strictSame(stop.json(), { message: 'Site not found' })
  const uforge = await app.inject({ method: 'DELETE', url: UFORGE, headers: { ...BEARER, ...header, authorization: 'Basic dTpw' } })
  t.equal(uforge.statusCode, 200, 'an operation the header does not name gets its default')
})

t.test('an entry for the called operation wins over a bare name', async (t) => {
  const res = await app.inject({ method: 'POST', url: POST, headers: { ...BEARER, 'x-mock-scenario': 'notFound, cancelScheduledPost=forbidden' } })
  t.equal(res.statusCode, 403)
})

t.test('an unknown scenario is a 404 problem listing the operation\'s scenarios', async (t) => {
  const res = await app.inject({ method: 'POST', url: POST, headers: { ...BEARER, 'x-mock-scenario': 'nope' } })
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], 'application/problem+json')
  const scenarios = ['canceled', 'invalidRequest', 'unauthorized', 'forbidden', 'notFound', 'conflict', 'rateLimited',
    'alreadyCanceled', 'canceledPost', 'completedPost', 'draftPost', 'missingPost', 'pendingPost', 'publishedDelivery', 'scheduled']
  t.strictSame(res.json(), {
    type: 'urn:understudy:error:unknown-scenario',
    title: 'Unknown scenario',
    status: 404,
    detail: `cancelScheduledPost has no scenario 'nope'. Known: ${scenarios.join(', ')}`,
    operationId: 'cancelScheduledPost',
    scenarios,
    sets: ['logged-out', 'publisher-down', 'rate-limited']
  })
})

t.test('Prefer: code= picks the status, example= the example, both must agree', async (t) => {
  const code = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, prefer: 'code=404' } })
  t.equal(code.statusCode, 404)
  t.strictSame(code.json(), { message: 'Site not found' })
  const both = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, prefer: 'code=400, example=missingSiteId' } })
  t.equal(both.statusCode, 400)
  t.strictSame(both.json(), { message: 'Invalid parameter: site_id' })
  const example = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, prefer: 'example=forbidden' } })
  t.equal(example.statusCode, 403)
  const mismatch = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, prefer: 'code=500; example=siteNotFound' } })
  t.equal(mismatch.statusCode, 404)
  t.equal((mismatch.json() as { type: string, detail: string }).detail.startsWith("stopPublisher has no scenario 'code=500, example=siteNotFound'"), true)
  const undocumented = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, prefer: 'code=418' } })
  t.equal(undocumented.statusCode, 404)
  t.equal((undocumented.json() as { type: string }).type, 'urn:understudy:error:unknown-scenario')
})

t.test('the scenario header wins over Prefer', async (t) => {
  const res = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, prefer: 'code=500', 'x-mock-scenario': 'forbidden' } })
  t.equal(res.statusCode, 403)
})

t.test('dynamic=true with a seed: same seed, same bytes, in XML too', async (t) => {
  const headers = { authorization: 'Basic dTpw', prefer: 'dynamic=true, seed=7' }
  const a = await app.inject({ method: 'DELETE', url: UFORGE, headers })
  const b = await app.inject({ method: 'DELETE', url: UFORGE, headers: { authorization: 'Basic dTpw', 'x-mock-dynamic': 'true', 'x-mock-seed': '7' } })
  t.equal(a.statusCode, 200)
  t.equal(a.headers['content-type'], 'application/xml')
  t.match(a.body, /^<\?xml version="1\.0" encoding="UTF-8"\?><ns0:status xmlns:ns0="http:\/\/www\.usharesoft\.com\/uforge">.*<\/ns0:status>$/)
  t.equal(a.body, b.body)
  t.not(a.body, (await app.inject({ method: 'DELETE', url: UFORGE, headers: { ...headers, prefer: 'dynamic=true, seed=8' } })).body)
})

t.test('a scenario chosen for an error status can be faked too', async (t) => {
  const res = await app.inject({ method: 'POST', url: POST, headers: { ...BEARER, 'x-mock-scenario': 'conflict', 'x-mock-dynamic': 'true', 'x-mock-seed': '1' } })
  t.equal(res.statusCode, 409)
  t.same(Object.keys(res.json() as object).sort(), ['code', 'detail', 'status', 'title', 'type'])
})
