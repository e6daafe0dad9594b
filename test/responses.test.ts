import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import t from 'tap'
import { BEARER, buildMock, invalidRequest, testSpec } from './helpers.js'

const app = await buildMock(t, { specs: [testSpec('media-types.yaml'), testSpec('no-2xx.yaml'), testSpec('cross-file')] })
const edges = await buildMock(t, { specs: [testSpec('edge-cases.yaml')] })
const mocks = await buildMock(t)

t.test('XML from the JSON example, honouring the xml objects: root name, attributes, wrapped and unwrapped arrays, escaping', async (t) => {
  const res = await app.inject({ url: '/library', headers: { accept: 'application/xml' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/xml')
  t.equal(res.body, '<?xml version="1.0" encoding="UTF-8"?><Library id="42"><libraryName>Books &amp; &lt;Papers&gt;</libraryName>' +
    '<catalogue><book isbn="978-0"><title>Dune</title></book><book isbn="978-1"><title>Emma</title></book></catalogue>' +
    '<shelf>A</shelf><shelf>B</shelf></Library>')
})

t.test('several media types: the first declared without Accept, each one by Accept', async (t) => {
  const json = await app.inject({ url: '/library' })
  t.equal(json.headers['content-type'], 'application/json')
  t.strictSame(json.json(), { id: 42, name: 'Books & <Papers>', books: [{ isbn: '978-0', title: 'Dune' }, { isbn: '978-1', title: 'Emma' }], shelves: ['A', 'B'] })
  const text = await app.inject({ url: '/library', headers: { accept: 'text/plain' } })
  t.equal(text.headers['content-type'], 'text/plain')
  t.equal(text.body, 'Two books')
})

t.test('a response with only a schema: a body faked once at start, the same every time, valid', async (t) => {
  const first = await app.inject({ url: '/faked' })
  const second = await app.inject({ url: '/faked' })
  t.equal(first.statusCode, 200)
  t.equal(first.headers['x-mock-scenario'], '200', 'the scenario is named by its status')
  t.equal(first.body, second.body)
  const body = first.json() as { id: string, name: string, tags: string[] }
  t.match(body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  t.ok(body.name.length >= 3)
  t.ok(body.tags.length >= 1)
})

t.test('no 2xx documented: the lowest status is the default', async (t) => {
  const res = await app.inject({ url: '/gone' })
  t.equal(res.statusCode, 410)
  t.strictSame(res.json(), { reason: 'removed' })
  const down = await app.inject({ url: '/gone', headers: { 'x-mock-scenario': 'down' } })
  t.equal(down.statusCode, 503)
  t.strictSame(down.json(), { retry: true })
})

t.test('cross-file $refs: parameters and schemas from a sibling file', async (t) => {
  const ok = await app.inject({ url: '/widgets/7' })
  t.equal(ok.statusCode, 200)
  t.strictSame(ok.json(), { id: 7, colour: 'blue' })
  const bad = await app.inject({ url: '/widgets/0' })
  t.equal(bad.statusCode, 400)
  t.strictSame(bad.json(), invalidRequest('getWidget', [{ in: 'path', path: '/id', message: 'must be >= 1' }]))
})

t.test('dynamic bodies: valid against the schema, byte-identical for one seed, different for another', async (t) => {
  const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default
  const ajv = new Ajv2020({ strict: false })
  addFormats(ajv)
  const validate = ajv.compile({
    type: 'object',
    required: ['id', 'name', 'tags'],
    properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string', minLength: 3 }, tags: { type: 'array', minItems: 1, items: { type: 'string' } } }
  })
  const fetch = async (seed: string): Promise<string> => (await app.inject({ url: '/faked', headers: { 'x-mock-dynamic': 'true', 'x-mock-seed': seed } })).body
  const a = await fetch('7')
  t.equal(await fetch('7'), a)
  t.not(await fetch('8'), a)
  for (const seed of ['1', '2', '3', 'alice']) t.ok(validate(JSON.parse(await fetch(seed))), `seed ${seed} gives a valid body`)
})

t.test('examples with only an externalValue are skipped; a */* response is sent as JSON; header values stay Latin-1', async (t) => {
  const res = await edges.inject({ url: '/items/abc', headers: { accept: 'application/json' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-mock-scenario'], 'local')
  t.equal(res.headers['content-type'], 'application/json')
  t.equal(res.headers['x-price'], '10 %E2%82%AC')
  t.strictSame(res.json(), { id: 'abc' })
  t.strictSame(edges.understudy.operations.find((o) => o.operationId === 'getItem')?.scenarios, [{ name: 'local', status: 200, source: 'example' }])
})

t.test('XML: a root array names items from items.xml; odd JSON keys become legal element names', async (t) => {
  const res = await edges.inject({ url: '/shelves/a' })
  t.equal(res.body, '<?xml version="1.0" encoding="UTF-8"?><shelf><book><bad_key>x</bad_key><__attr>y</__attr><_text>z</_text></book></shelf>')
})

t.test('a 406 does not claim a scenario answered', async (t) => {
  const res = await mocks.inject({ method: 'POST', url: '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel', headers: { ...BEARER, accept: 'text/html' } })
  t.equal(res.statusCode, 406)
  t.equal(res.headers['x-mock-scenario'], undefined)
})
