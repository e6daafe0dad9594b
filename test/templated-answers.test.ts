import t, { type Test } from 'tap'
import { UnderstudyError, buildMockServer, type MockServer } from '../dist/index.js'
import { runCli, testSpec } from './helpers.js'

const SPEC = testSpec('templated-answers.yaml')
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ITEM = '/orders/A-1/items/7'

type Files = Record<string, string>
type Reply = Awaited<ReturnType<MockServer['inject']>>

const ECHO = `status: 201
when: {}
body:
  order: '{{request.path.orderId}}'
  item: '{{ request.path.itemId }}'
  label: 'item {{request.path.itemId}} of {{request.path.orderId}}'
  limit: '{{request.query.limit}}'
  note: 'note: {{request.query.note}}'
  tenant: '{{request.headers.x-TENANT}}'
  theme: '{{request.cookies.theme}}'
  customer: '{{request.body#/customer/name}}'
  tags: '{{request.body#/tags}}'
  firstTag: '{{request.body#/tags/0}}'
  slashed: '{{request.body#/a~1b}}'
  absent: '{{request.body#/nope}}'
  list: ['{{request.query.limit}}', fixed]
  request: '{{request.method}} {{request.url}}'
  literal: '\\{{request.path.orderId}} is {{request.path.orderId}}'
`

/** A mock of the test spec with these fixtures (operationId → file name → YAML). */
async function mock (t: Test, fixtures: Record<string, Files>, strict = false): Promise<MockServer> {
  const dir = t.testdir({ 'templated-answers': fixtures })
  const app = await buildMockServer({ specs: [SPEC], fixtures: dir, strict })
  t.teardown(async () => await app.close())
  return app
}

/** The one-line startup error for a fixture of addItem. */
async function loadError (t: Test, file: string, yaml: string): Promise<string> {
  const dir = t.testdir({ 'templated-answers': { addItem: { [file]: yaml } } })
  const error = await buildMockServer({ specs: [SPEC], fixtures: dir }).then(async (app) => await app.close(), (caught: unknown) => caught)
  if (!(error instanceof UnderstudyError)) throw new Error(`expected an UnderstudyError, got ${String(error)}`)
  return error.format().replace(dir, '<fixtures>')
}

const add = async (app: MockServer, url: string, headers: Record<string, string> = {}, payload?: object): Promise<Reply> =>
  await app.inject({ method: 'POST', url, headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(payload === undefined ? {} : { payload }) })

t.test('each request source: whole values keep their type, other strings interpolate as text', async (t) => {
  const app = await mock(t, { addItem: { 'echo.yaml': ECHO } })
  const res = await add(app, `${ITEM}?limit=3&note=hi`, { 'x-tenant': 'acme', cookie: 'theme=dark' }, { customer: { name: 'Ada' }, tags: ['a', 'b'], 'a/b': true })
  t.equal(res.statusCode, 201)
  t.equal(res.headers['x-mock-scenario'], 'echo')
  t.equal(res.headers['x-mock-response-violations'], undefined)
  t.equal(res.headers['content-type'], 'application/json')
  t.strictSame(res.json(), {
    order: 'A-1',
    item: 7,
    label: 'item 7 of A-1',
    limit: 3,
    note: 'note: hi',
    tenant: 'acme',
    theme: 'dark',
    customer: 'Ada',
    tags: ['a', 'b'],
    firstTag: 'a',
    slashed: true,
    list: [3, 'fixed'],
    request: `POST ${ITEM}?limit=3&note=hi`,
    literal: '{{request.path.orderId}} is A-1'
  })
})

t.test('missing values: a whole value is left out (of an object or an array), text gets an empty string', async (t) => {
  const app = await mock(t, { addItem: { 'echo.yaml': ECHO } })
  const res = await add(app, ITEM)
  t.equal(res.statusCode, 201)
  t.strictSame(res.json(), {
    order: 'A-1',
    item: 7,
    label: 'item 7 of A-1',
    note: 'note: ',
    list: ['fixed'],
    request: `POST ${ITEM}`,
    literal: '{{request.path.orderId}} is A-1'
  })
})

t.test('a parameter that does not parse as its type stays as sent (the request is refused unless validation is off)', async (t) => {
  const app = await mock(t, { addItem: { 'echo.yaml': ECHO } })
  const res = await add(app, '/orders/A-1/items/seven', { 'x-mock-validate': 'off' })
  t.equal(res.statusCode, 201)
  t.strictSame(res.json(), { order: 'A-1', item: 'seven', label: 'item seven of A-1', note: 'note: ', list: ['fixed'], request: 'POST /orders/A-1/items/seven', literal: '{{request.path.orderId}} is A-1' })
  t.strictSame(JSON.parse(String(res.headers['x-mock-response-violations'])), [{ in: 'body', path: '/item', message: 'must be integer' }])
})

t.test('the whole request body, as sent; JSON null when there is none', async (t) => {
  const app = await mock(t, { addItem: { 'mirror.yaml': "status: 201\nbody: '{{request.body}}'" } })
  const scenario = { 'x-mock-scenario': 'mirror' }
  const sent = await add(app, ITEM, scenario, { order: 'B-2', item: 9 })
  t.equal(sent.body, '{"order":"B-2","item":9}')
  const none = await add(app, ITEM, scenario)
  t.equal(none.statusCode, 201)
  t.equal(none.body, 'null')
  t.strictSame(JSON.parse(String(none.headers['x-mock-response-violations'])), [{ in: 'body', path: '', message: 'must be object' }])
})

t.test('now, uuid and counter: made once per answer, the same in the body and the headers', async (t) => {
  const app = await mock(t, {
    addItem: {
      'made.yaml': `status: 201
when: {}
headers:
  Location: '/orders/{{request.path.orderId}}/items/{{uuid}}'
  X-Count: '{{counter}}'
body:
  order: '{{uuid}}'
  label: '{{now}} {{now.date}} #{{counter}}'
  epoch: '{{now.epoch}}'
  again: '{{counter}}'
`
    }
  })
  const before = Math.floor(Date.now() / 1000)
  const res = await add(app, ITEM)
  const after = Math.floor(Date.now() / 1000)
  t.equal(res.statusCode, 201)
  const body = res.json() as { order: string, label: string, epoch: number, again: number }
  t.match(body.order, UUID)
  t.equal(res.headers.location, `/orders/A-1/items/${body.order}`)
  const [now] = body.label.split(' ')
  t.match(now, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'an ISO date-time, in whole seconds')
  t.ok(body.epoch >= before && body.epoch <= after, 'Unix seconds, a number')
  // One clock for the answer: now.date and now.epoch are the same instant as now.
  t.strictSame(body, { order: body.order, label: `${now!} ${now!.slice(0, 10)} #1`, epoch: new Date(now!).getTime() / 1000, again: 1 })
  t.equal(res.headers['x-count'], '1')
  t.equal(res.headers['x-mock-response-violations'], undefined)
  const next = await add(app, ITEM)
  const made = next.json() as { order: string, label: string }
  t.match(made.order, UUID)
  t.not(made.order, body.order, 'a fresh uuid per answer')
  const [later] = made.label.split(' ')
  t.strictSame(made, { order: made.order, label: `${later!} ${later!.slice(0, 10)} #2`, epoch: new Date(later!).getTime() / 1000, again: 2 })
  t.equal(next.headers['x-count'], '2')
})

t.test('the counter is per session, and POST /__mock/reset starts it over', async (t) => {
  const app = await mock(t, { getCount: { 'count.yaml': "status: 200\nwhen: {}\nheaders: {X-Count: '{{counter}}'}\nbody: {n: '{{request.path.n}}'}" } })
  const count = async (session?: string): Promise<string> => {
    const res = await app.inject({ url: '/counts/1', headers: session === undefined ? {} : { 'x-mock-session': session } })
    t.equal(res.body, '{"n":1}')
    return String(res.headers['x-count'])
  }
  t.strictSame([await count('a'), await count('a'), await count('b'), await count(), await count('a')], ['1', '2', '1', '1', '3'])
  t.equal((await app.inject({ method: 'POST', url: '/__mock/reset?session=a' })).statusCode, 204)
  t.strictSame([await count('a'), await count('b')], ['1', '2'])
  t.equal((await app.inject({ method: 'POST', url: '/__mock/reset' })).statusCode, 204)
  t.strictSame([await count('b'), await count()], ['1', '1'])
  const refused = await app.inject({ url: '/counts/1', headers: { 'x-mock-session': 'b', accept: 'text/csv' } })
  t.equal(refused.statusCode, 406, 'a 406 is no answer of the fixture')
  t.equal(refused.headers['x-count'], undefined)
  t.strictSame([await count('b')], ['2'], 'and counts nothing')
})

t.test('header values interpolate as text, made safe for a header', async (t) => {
  const app = await mock(t, { addItem: { 'located.yaml': "status: 201\nwhen: {}\nheaders: {Location: '/orders/{{request.path.orderId}}/items/{{request.path.itemId}}'}" } })
  const res = await add(app, '/orders/A%0D%0ASet-Cookie:%20x=1/items/7')
  t.equal(res.statusCode, 201)
  // Only what a header cannot hold is percent-encoded: the CR LF, so no header of its own.
  t.equal(res.headers.location, '/orders/A%0D%0ASet-Cookie: x=1/items/7')
  t.equal(res.headers['set-cookie'], undefined)
})

t.test('XML: the rendered value is serialised as the media type says', async (t) => {
  const app = await mock(t, { addItem: { 'xml.yaml': "status: 201\nwhen: {}\nbody: {order: '{{request.path.orderId}}', item: '{{request.path.itemId}}', label: '<{{request.query.note}}>'}" } })
  const res = await add(app, `${ITEM}?note=a%26b`, { accept: 'application/xml' })
  t.equal(res.statusCode, 201)
  t.equal(res.headers['content-type'], 'application/xml')
  t.equal(res.body, '<?xml version="1.0" encoding="UTF-8"?><item><order>A-1</order><item>7</item><label>&lt;a&amp;b&gt;</label></item>')
})

t.test('a rendered answer that breaks the schema: reported in x-mock-response-violations, or with strict the 500 problem', async (t) => {
  const fixtures = {
    getCount: {
      'count.yaml': "status: 200\nwhen: {}\nheaders: {X-Count: 'n{{request.path.n}}'}\nbody: {n: '{{request.path.n}}', at: '{{now}}'}"
    }
  }
  const lenient = await mock(t, fixtures)
  const fine = await lenient.inject({ url: '/counts/3' })
  t.equal(fine.statusCode, 200)
  t.strictSame(JSON.parse(String(fine.headers['x-mock-response-violations'])), [{ in: 'header', path: '/x-count', message: 'must be integer' }])
  const big = await lenient.inject({ url: '/counts/50' })
  t.equal(big.statusCode, 200)
  t.equal(big.headers['x-count'], 'n50')
  t.strictSame(JSON.parse(String(big.headers['x-mock-response-violations'])), [
    { in: 'header', path: '/x-count', message: 'must be integer' },
    { in: 'body', path: '/n', message: 'must be <= 10' }
  ])

  const strict = await mock(t, fixtures, true)
  const refused = await strict.inject({ url: '/counts/50' })
  t.equal(refused.statusCode, 500)
  t.equal(refused.headers['content-type'], 'application/problem+json')
  const file = `${t.testdirName}/templated-answers/getCount/count.yaml`
  t.strictSame(refused.json(), {
    type: 'urn:understudy:error:invalid-response',
    title: 'Invalid response',
    status: 500,
    detail: `The fixture ${file} does not match getCount's 200 response in the spec: 2 violations.`,
    operationId: 'getCount',
    source: `fixture ${file}`,
    response: '200',
    scenario: 'count',
    errors: [
      { in: 'header', path: '/x-count', message: 'must be integer' },
      { in: 'body', path: '/n', message: 'must be <= 10' }
    ]
  })
})

t.test('a fixture without expressions is served as before; \\{{ in it writes {{', async (t) => {
  const app = await mock(t, { addItem: { 'plain.yaml': "status: 201\nwhen: {}\nheaders: {Location: '/x/\\{{id}}'}\nbody: {order: '\\{{not}} {a}', item: 1}" } })
  const res = await add(app, ITEM)
  t.equal(res.statusCode, 201)
  t.equal(res.headers.location, '/x/{{id}}')
  t.equal(res.body, '{"order":"{{not}} {a}","item":1}')
  t.equal(res.headers['x-mock-response-violations'], undefined)
})

t.test('template errors stop the start with the fixture file and the pointer of the string', async (t) => {
  const at = (pointer: string, detail: string): string =>
    `UNDERSTUDY_FIXTURE_INVALID <fixtures>/templated-answers/addItem/bad.yaml#${pointer}: The fixture is invalid: ${detail}`
  t.equal(await loadError(t, 'bad.yaml', "status: 201\nbody: {order: 'x {{request.pth.orderId}}'}"), at('/body/order',
    "'{{request.pth.orderId}}' is not a template expression (known: request.path.<name>, request.query.<name>, request.headers.<name>, " +
    'request.cookies.<name>, request.body, request.body#/pointer, request.method, request.url, now, now.date, now.epoch, uuid or counter; \\{{ writes a literal {{)'))
  t.equal(await loadError(t, 'bad.yaml', "status: 201\nheaders: {Location: '/items/{{request.path.id}}'}"), at('/headers/Location',
    "'{{request.path.id}}': the path has no parameter 'id' (it has orderId, itemId)"))
  t.equal(await loadError(t, 'bad.yaml', "status: 201\nbody: {list: [ok, '{{uuid']}"), at('/body/list/1',
    "a {{ is not closed by }} in '{{uuid' (\\{{ writes a literal {{)"))
  t.equal(await loadError(t, 'bad.yaml', "status: 201\nbody: {a/b: '{{request.body#customer}}'}"), at('/body/a~1b',
    "'{{request.body#customer}}': 'customer' is not a JSON pointer (they start with /)"))
  t.equal(await loadError(t, 'bad.yaml', "status: 201\nbody: {order: '{{request.body#/a~2}}'}"), at('/body/order',
    "'{{request.body#/a~2}}': '/a~2' is not a JSON pointer (~ is written ~0, / in a name ~1)"))
  t.equal(await loadError(t, 'bad.yaml', "status: 201\nbody: {order: '{{uuid}}', item: many}"), at('/body/item',
    'the body does not match the 201 application/json schema: /item must be integer'), 'what is not templated is checked at load')
})

t.test('check: a templated fixture is checked away from its templates, so a string that becomes a number is no problem', async (t) => {
  const dir = t.testdir({ 'templated-answers': { addItem: { 'echo.yaml': ECHO } } })
  const { code, stdout, stderr } = await runCli(['check', SPEC, '--fixtures', dir])
  t.equal(stderr, '')
  t.equal(stdout, 'understudy check: 1 spec, 2 operations, 1 fixture, 0 scenario sets, 0 examples: no problems\n')
  t.equal(code, 0)
})
