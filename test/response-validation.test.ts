import path from 'node:path'
import t from 'tap'
import { ERROR_CODES } from '../dist/index.js'
import { buildMock, testSpec } from './helpers.js'

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
