import addFormatsModule from 'ajv-formats'
import { Ajv2020 } from 'ajv/dist/2020.js'
import path from 'node:path'
import t from 'tap'
import { ERROR_CODES } from '../dist/index.js'
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
  const listed = (await edges.inject({ url: '/__mock/operations' })).json() as Array<{ operationId: string, scenarios: unknown }>
  t.strictSame(listed.find((o) => o.operationId === 'getItem')?.scenarios, [{ name: 'local', status: 200, source: 'example' }])
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

t.test('answers as documented (answers.yaml)', async (t) => {
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
})

t.test('response validation', async (t) => {
  const DRIFT = testSpec('contract-drift.yaml')
  const VIOLATIONS = 'x-mock-response-violations'
  const STALE_TOTAL = [{ in: 'body', path: '/total', message: 'must be number' }]
  const IMPOSSIBLE_N = [{ in: 'body', path: '/n', message: 'must be <= 5' }]
  const LIMIT_HEADERS = [
    { in: 'header', path: '/x-rate-remaining', message: 'must be integer' },
    { in: 'header', path: '/x-window', message: 'is required but has no value' }
  ]

  function invalidResponse (source: string, operationId: string, response: string, scenario: string, errors: object[]): object {
    const count = `${errors.length} violation${errors.length === 1 ? '' : 's'}`
    return {
      type: 'urn:understudy:error:invalid-response',
      title: 'Invalid response',
      status: 500,
      detail: `The ${source} does not match ${operationId}'s ${response} response in the spec: ${count}.`,
      operationId,
      source,
      response,
      scenario,
      errors
    }
  }

  t.test('by default a response that breaks the spec is sent, with its violations in a header', async (t) => {
    const app = await buildMock(t, { specs: [DRIFT], fixtures: false })
    const current = await app.inject({ url: '/orders/a1', headers: { 'x-mock-scenario': 'current' } })
    t.equal(current.statusCode, 200)
    t.equal(current.headers[VIOLATIONS], undefined, 'a conforming example carries no header')
    t.strictSame(current.json(), { id: 'a1', total: 9.5 })

    const stale = await app.inject({ url: '/orders/a1', headers: { 'x-mock-scenario': 'stale' } })
    t.equal(stale.statusCode, 200)
    t.strictSame(stale.json(), { id: 'a1', total: '9.50' })
    t.strictSame(JSON.parse(stale.headers[VIOLATIONS] as string), STALE_TOTAL)

    const partial = await app.inject({ url: '/orders/a1', headers: { 'x-mock-scenario': 'partial' } })
    t.strictSame(JSON.parse(partial.headers[VIOLATIONS] as string), [{ in: 'body', path: '/total', message: "must have required property 'total'" }])

    const limits = await app.inject({ url: '/limits' })
    t.equal(limits.statusCode, 200)
    t.equal(limits.headers['x-rate-remaining'], 'many')
    t.strictSame(JSON.parse(limits.headers[VIOLATIONS] as string), LIMIT_HEADERS, 'a header against its schema, and a required one with no value')

    const faked = await app.inject({ url: '/quote' })
    t.strictSame(faked.json(), { n: 10 })
    t.strictSame(JSON.parse(faked.headers[VIOLATIONS] as string), IMPOSSIBLE_N, 'the body faked at start')
    const dynamic = await app.inject({ url: '/quote', headers: { 'x-mock-dynamic': 'true', 'x-mock-seed': '7' } })
    t.strictSame(dynamic.json(), { n: 10 })
    t.strictSame(JSON.parse(dynamic.headers[VIOLATIONS] as string), IMPOSSIBLE_N, 'a body faked per request is checked per request')

    const preflight = await app.inject({ method: 'OPTIONS', url: '/orders/a1', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' } })
    t.equal(preflight.statusCode, 204)
    const cors = await app.inject({ url: '/orders/a1', headers: { origin: 'http://localhost:5173', 'x-mock-scenario': 'stale' } })
    t.match(cors.headers['access-control-expose-headers'], /\bx-mock-response-violations\b/, 'a browser may read the header')
  })

  t.test('the default answer conforms: the first example that does, else a body faked from the schema; a broken example answers by name', async (t) => {
    const app = await buildMock(t, { specs: [testSpec('invalid-examples.yaml')], fixtures: false, strict: true })
    const receipt = await app.inject({ url: '/receipts/r1' })
    t.equal(receipt.statusCode, 200)
    t.equal(receipt.headers['x-mock-scenario'], 'current', 'the stale first example is passed over')
    t.strictSame(receipt.json(), { id: 'r1', total: 9.5 })

    const invoice = await app.inject({ url: '/invoices/i1' })
    t.equal(invoice.statusCode, 200)
    t.equal(invoice.headers['x-mock-scenario'], '200', 'the scenario named by the status')
    t.strictSame(invoice.json(), { id: 'r9', total: 12.5 }, 'faked from the schema, with its property examples')
    t.strictSame((await app.inject({ url: '/invoices/i1', headers: { 'x-mock-scenario': '200' } })).json(), { id: 'r9', total: 12.5 })
    const refusedAnswer = await app.inject({ url: '/invoices/i1', headers: { prefer: 'code=400' } })
    t.equal(refusedAnswer.statusCode, 400)
    t.strictSame(refusedAnswer.json(), { message: 'bad id' }, 'an error response is held to its schema the same way')

    const asWritten = await app.inject({ url: '/invoices/i1', headers: { 'x-mock-scenario': 'example' } })
    t.equal(asWritten.statusCode, 500, 'strict: the example as written breaks the schema')
    t.strictSame(asWritten.json(), invalidResponse("spec example 'example'", 'getInvoice', '200', 'example', STALE_TOTAL))

    const listed = (await app.inject({ url: '/__mock/operations' })).json() as Array<{ operationId: string, default: string, scenarios: unknown[] }>
    t.strictSame(listed.map(({ operationId, default: chosen, scenarios }) => ({ operationId, default: chosen, scenarios })), [
      {
        operationId: 'getReceipt',
        default: 'current',
        scenarios: [{ name: 'stale', status: 200, source: 'example' }, { name: 'current', status: 200, source: 'example' }]
      },
      {
        operationId: 'getInvoice',
        default: '200',
        scenarios: [
          { name: '200', status: 200, source: 'status' },
          { name: 'example', status: 200, source: 'example' },
          { name: '400', status: 400, source: 'status' },
          { name: '400:example', status: 400, source: 'example' }
        ]
      }
    ])
  })

  t.test('strict: the response becomes a 500 invalid-response naming its source', async (t) => {
    const app = await buildMock(t, { specs: [DRIFT], fixtures: false, strict: true })
    const current = await app.inject({ url: '/orders/a1' })
    t.equal(current.statusCode, 200)
    t.strictSame(current.json(), { id: 'a1', total: 9.5 })

    const stale = await app.inject({ url: '/orders/a1', headers: { 'x-mock-scenario': 'stale' } })
    t.equal(stale.statusCode, 500)
    t.equal(stale.headers['content-type'], 'application/problem+json')
    t.equal(stale.headers['x-mock-scenario'], 'stale')
    t.equal(stale.headers[VIOLATIONS], undefined)
    t.strictSame(stale.json(), invalidResponse("spec example 'stale'", 'getOrder', '200', 'stale', STALE_TOTAL))

    const limits = await app.inject({ url: '/limits' })
    t.equal(limits.statusCode, 500)
    t.equal(limits.headers['x-rate-remaining'], undefined, 'nothing of the refused response is sent')
    t.strictSame(limits.json(), invalidResponse("spec example 'limits'", 'getLimits', '200', 'limits', LIMIT_HEADERS))

    t.strictSame((await app.inject({ url: '/quote' })).json(), invalidResponse('faker (seed 1)', 'getQuote', '200', '200', IMPOSSIBLE_N))
    const text = await app.inject({ url: '/notes/latest', headers: { accept: 'text/plain' } })
    t.strictSame(text.json(), invalidResponse("spec example 'note' (given for application/json)", 'getNote', '200', 'note', [{ in: 'body', path: '', message: 'must be string' }]),
      'an example written for JSON, sent as text/plain')
    t.equal((await app.inject({ url: '/notes/latest' })).statusCode, 200, 'and as the JSON it was written for, it is fine')
    const dynamic = await app.inject({ url: '/quote', headers: { 'x-mock-dynamic': 'true', 'x-mock-seed': '7' } })
    t.strictSame(dynamic.json(), invalidResponse('faker (seed 7)', 'getQuote', '200', '200', IMPOSSIBLE_N))

    t.strictSame((await app.inject({ url: '/__mock/coverage' })).json().served, [
      { spec: 'contract-drift', operationId: 'getOrder', status: '200', scenario: 'current', session: 'default', count: 1 },
      { spec: 'contract-drift', operationId: 'getNote', status: '200', scenario: 'note', session: 'default', count: 1 }
    ], 'refused responses were not served')
  })

  t.test('fixtures: a header value is checked at start; lenient serves a drifted body and names the fixture', async (t) => {
    const header = t.testdir({ 'contract-drift': { getLimits: { 'busy.yaml': 'status: 200\nheaders: {X-Rate-Remaining: lots}' } } })
    const error = await buildMock(t, { specs: [DRIFT], fixtures: header }).then(() => undefined, (caught: unknown) => caught)
    const file = path.join(header, 'contract-drift/getLimits/busy.yaml')
    t.equal((error as Error).message, `${ERROR_CODES.UNDERSTUDY_FIXTURE_INVALID}: X-Rate-Remaining must be integer (the 200 response's schema)`)
    t.equal((error as { pointer: string }).pointer, '/headers/X-Rate-Remaining')
    t.equal((error as { file: string }).file, file)

    const fixtures = t.testdir({
      'contract-drift': {
        getOrder: { 'legacy.yaml': 'status: 200\nbody: {id: a1, total: cheap}' },
        getLimits: {
          'quiet.yaml': 'status: 200\nheaders: {X-Rate-Remaining: "12", X-Window: 1m}',
          'busy.yaml': 'status: 200\nheaders: {X-Rate-Remaining: lots}'
        }
      }
    })
    const legacy = path.join(fixtures, 'contract-drift/getOrder/legacy.yaml')
    const busy = path.join(fixtures, 'contract-drift/getLimits/busy.yaml')
    const lenient = await buildMock(t, { specs: [DRIFT], fixtures, lenient: true })
    t.strictSame(lenient.understudy.warnings, [
      `UNDERSTUDY_FIXTURE_INVALID ${legacy}#/body/total: ${ERROR_CODES.UNDERSTUDY_FIXTURE_INVALID}: the body does not match the 200 application/json schema: /total must be number`,
      `UNDERSTUDY_FIXTURE_INVALID ${busy}#/headers/X-Rate-Remaining: ${ERROR_CODES.UNDERSTUDY_FIXTURE_INVALID}: X-Rate-Remaining must be integer (the 200 response's schema)`
    ])
    const served = await lenient.inject({ url: '/orders/a1', headers: { 'x-mock-scenario': 'legacy' } })
    t.equal(served.statusCode, 200)
    t.strictSame(served.json(), { id: 'a1', total: 'cheap' })
    t.strictSame(JSON.parse(served.headers[VIOLATIONS] as string), STALE_TOTAL)
    const quiet = await lenient.inject({ url: '/limits', headers: { 'x-mock-scenario': 'quiet' } })
    t.equal(quiet.headers['x-rate-remaining'], '12')
    t.equal(quiet.headers['x-window'], '1m')
    t.equal(quiet.headers[VIOLATIONS], undefined, 'header text is coerced as OpenAPI says ("12" is an integer), and the fixture supplies the missing header')

    const strict = await buildMock(t, { specs: [DRIFT], fixtures, lenient: true, strict: true })
    const refused = await strict.inject({ url: '/orders/a1', headers: { 'x-mock-scenario': 'legacy' } })
    t.equal(refused.statusCode, 500)
    t.strictSame(refused.json(), invalidResponse(`fixture ${legacy}`, 'getOrder', '200', 'legacy', STALE_TOTAL))
    const headerOnly = await strict.inject({ url: '/limits', headers: { 'x-mock-scenario': 'busy' } })
    t.strictSame(headerOnly.json(), invalidResponse(`fixture ${busy}`, 'getLimits', '200', 'busy', [
      { in: 'header', path: '/x-rate-remaining', message: 'must be integer' },
      { in: 'header', path: '/x-window', message: 'is required but has no value' }
    ]), 'a fixture without a body still answers for what it sends')
  })
})
