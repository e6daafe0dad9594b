import t from 'tap'
import { buildMock, testSpec } from './helpers.js'

const app = await buildMock(t, { specs: [testSpec('answers.yaml')], fixtures: false })

t.test('with no 2xx, a default response is the success answer (200), as Prism does', async (t) => {
  const list = await app.inject({ url: '/pets' })
  t.equal(list.statusCode, 200)
  t.equal(list.headers['x-mock-scenario'], 'example')
  t.strictSame(list.json(), [{ name: 'rex' }])
  const one = await app.inject({ url: '/pets/1' })
  t.equal(one.statusCode, 200, 'default beats a documented 404')
  t.strictSame(one.json(), { name: 'rex' })
  const missing = await app.inject({ url: '/pets/1', headers: { prefer: 'code=404' } })
  t.equal(missing.statusCode, 404)
  t.strictSame(missing.json(), { message: 'missing' })
})

t.test('Accept with media-type parameters and +json types negotiate by essence', async (t) => {
  for (const accept of ['application/vnd.archa.api+json; version=1', 'application/vnd.archa.api+json;q=0.9, text/html;q=0.1', 'application/json', '*/*']) {
    const res = await app.inject({ url: '/vendor', headers: { accept } })
    t.equal(res.statusCode, 200, accept)
    t.equal(res.headers['content-type'], 'application/vnd.archa.api+json', accept)
    t.strictSame(res.json(), { a: 1 }, accept)
  }
  const html = await app.inject({ url: '/vendor', headers: { accept: 'text/html' } })
  t.equal(html.statusCode, 406)
  t.strictSame(html.json(), {
    type: 'urn:understudy:error:not-acceptable',
    title: 'Not acceptable',
    status: 406,
    detail: 'This response is available as application/vnd.archa.api+json, not as text/html',
    available: ['application/vnd.archa.api+json']
  })
})

t.test('a documented OPTIONS answers as documented; a CORS preflight is still a preflight', async (t) => {
  const documented = await app.inject({ method: 'OPTIONS', url: '/vendor' })
  t.equal(documented.statusCode, 200)
  t.equal(documented.headers['x-mock-scenario'], 'example')
  t.strictSame(documented.json(), { methods: ['GET', 'OPTIONS'] })
  const preflight = await app.inject({ method: 'OPTIONS', url: '/vendor', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' } })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.body, '')
  t.equal(preflight.headers['access-control-allow-origin'], 'http://localhost:5173')
  const undocumented = await app.inject({ method: 'OPTIONS', url: '/orders', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } })
  t.equal(undocumented.statusCode, 204)
})

t.test('an invalid request gets the documented 400; Prefer: code=422, example= picks the 422', async (t) => {
  const request = { method: 'POST' as const, url: '/orders', headers: { 'content-type': 'application/json' }, payload: '{}' }
  const violations = [{ in: 'body', path: '/item', message: "must have required property 'item'" }]
  const plain = await app.inject(request)
  t.equal(plain.statusCode, 400)
  t.strictSame(plain.json(), { error: 'bad' })
  t.strictSame(JSON.parse(plain.headers['x-mock-violations'] as string), violations)
  for (const prefer of ['code=422, example=missingItem', 'code=422']) {
    const preferred = await app.inject({ ...request, headers: { ...request.headers, prefer } })
    t.equal(preferred.statusCode, 422, prefer)
    t.strictSame(preferred.json(), { error: 'item is required' }, prefer)
    t.strictSame(JSON.parse(preferred.headers['x-mock-violations'] as string), violations, prefer)
  }
  const success = await app.inject({ ...request, headers: { ...request.headers, prefer: 'code=201' } })
  t.equal(success.statusCode, 400, 'a 2xx preference does not make an invalid request valid')
  const valid = await app.inject({ ...request, payload: '{"item":"x"}', headers: { ...request.headers, prefer: 'code=422' } })
  t.equal(valid.statusCode, 422, 'a valid request still gets what it prefers')
})

t.test('status ranges and default (ranges.yaml)', async (t) => {
  const app = await buildMock(t, { specs: [testSpec('ranges.yaml')] })

  t.test('an operation without operationId gets one from its method and path', async (t) => {
    t.strictSame(app.understudy.operations.map(({ operationId, path }) => [operationId, path]), [['getThingsId', '/things/{id}']])
  })

  t.test('a 2XX range answers 200; default answers 500, or the code Prefer asks for', async (t) => {
    const ok = await app.inject({ url: '/things/1' })
    t.equal(ok.statusCode, 200)
    t.strictSame(ok.json(), { ok: true })
    const fallback = await app.inject({ url: '/things/1', headers: { 'x-mock-scenario': 'broken' } })
    t.equal(fallback.statusCode, 500)
    t.strictSame(fallback.json(), { ok: false })
    const teapot = await app.inject({ url: '/things/1', headers: { prefer: 'code=418' } })
    t.equal(teapot.statusCode, 418)
    t.strictSame(teapot.json(), { ok: false })
    const ranged = await app.inject({ url: '/things/1', headers: { prefer: 'code=202' } })
    t.equal(ranged.statusCode, 202)
    t.strictSame(ranged.json(), { ok: true })
  })
})
