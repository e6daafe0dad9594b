import t from 'tap'
import { buildMock, testSpec } from './helpers.js'

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
