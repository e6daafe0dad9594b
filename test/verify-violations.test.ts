import Fastify from 'fastify'
import type { OpenAPIV3 } from 'openapi-types'
import t from 'tap'
import { UnderstudyError, verify, type VerifyOptions } from '../dist/index.js'
import { serializeXml } from '../dist/respond/serialize-xml.js'
import { readXml } from '../dist/verify/parse-xml.js'
import { SPECS } from './helpers.js'
import { closedPort, startTarget, TARGET_FIXTURES, TARGET_SPEC } from './verify/target-server.js'

const NAMES = [
  'verify-target listItems broken',
  'verify-target listItems generated',
  'verify-target createItem created',
  'verify-target getItem found',
  'verify-target getItem missing',
  'verify-target getItem deleted',
  'verify-target ping generated',
  'verify-target health generated',
  'verify-target slow generated'
]

t.test('a wrong server: each kind of deviation is caught, with what was expected and what came', async (t) => {
  const target = await startTarget(t, { correct: false })
  const report = await verify({ target: target.address, specs: [TARGET_SPEC], fixtures: t.testdir(TARGET_FIXTURES) })
  t.strictSame(report.cases.map((result) => result.name), NAMES)
  t.strictSame(report.cases.map((result) => [result.source, result.expectedStatus ?? null, result.response?.status]), [
    ['example', null, 200],
    ['generated', null, 200],
    ['example', '201', 201],
    ['example', '200', 200],
    ['example', '404', 404],
    ['fixture', '404', 200],
    ['generated', null, 200],
    ['generated', null, 418],
    ['generated', null, 200]
  ])
  t.strictSame(report.cases.map((result) => result.failures), [
    [{ kind: 'body-unparsable', message: 'the 200 application/json body is not JSON: Unexpected end of JSON input', expected: 'JSON', actual: '[{"id":1,"name":' }],
    [{ kind: 'body-invalid', message: 'the 200 application/json body does not match its schema at /0/id: must be integer', expected: 'type integer', actual: '"one" (string)' }],
    [{ kind: 'body-invalid', message: "the 201 application/json body does not match its schema at /name: must have required property 'name'", expected: "property 'name'", actual: 'absent' }],
    [{ kind: 'header-missing', message: 'the 200 response has no X-Request-Id header (required)', expected: 'header X-Request-Id', actual: 'absent' }],
    [{ kind: 'content-type-undeclared', message: 'Content-Type text/html is not declared for the 404 response', expected: 'application/problem+json', actual: 'text/html' }],
    [{ kind: 'status-unexpected', message: 'expected status 404 (deleted), got 200', expected: '404', actual: '200' }],
    [{ kind: 'body-undocumented', message: 'the 200 response documents no body, but one came', expected: 'no body', actual: 'pong' }],
    [{ kind: 'status-undocumented', message: 'status 418 is not documented for health', expected: '204', actual: '418' }],
    []
  ])
  t.strictSame([report.passed, report.failed], [1, 8])
  t.strictSame(report.cases.map((result) => result.ok), [false, false, false, false, false, false, false, false, true])
})

t.test('the requests: examples by name, required parameters filled, the fixture request, the body with its Content-Type', async (t) => {
  const target = await startTarget(t, { correct: true })
  const report = await verify({ target: target.address, specs: [TARGET_SPEC], fixtures: t.testdir(TARGET_FIXTURES), headers: { Authorization: 'Bearer k' } })
  t.equal(report.failed, 0)
  t.strictSame(target.seen.map(({ method, url }) => `${method} ${url}`), [
    'GET /v1/items?limit=1',
    'GET /v1/items',
    'POST /v1/items',
    'GET /v1/items/1',
    'GET /v1/items/404',
    'GET /v1/items/7',
    'GET /v1/ping',
    'GET /v1/health',
    'GET /v1/slow'
  ])
  const create = target.seen[2]!
  t.equal(create.body, '{"name":"widget"}')
  t.equal(create.headers['content-type'], 'application/json')
  t.equal(create.headers['x-tenant'], undefined)
  t.equal(target.seen[3]!.headers['x-tenant'], 'acme', 'a required header parameter, from its example')
  for (const { headers } of target.seen) t.equal(headers.authorization, 'Bearer k', '--header on every request')
  const created = report.cases[2]!
  t.strictSame(created.request, {
    method: 'POST',
    url: `${target.address}/v1/items`,
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body: '{"name":"widget"}'
  })
  t.equal(created.response?.headers.location, '/v1/items/2')
  t.equal(created.response?.body, '{"id":2,"name":"widget"}')
})

t.test('a case header wins over --header; a spec-scoped header wins over a global one; null in a fixture request removes one', async (t) => {
  const target = await startTarget(t, { correct: true })
  const fixtures = t.testdir({
    'verify-target': {
      getItem: {
        'deleted.yaml': 'status: 404\nrequest:\n  path: { id: 7 }\n  headers: { X-Tenant: other, Authorization: null }\n'
      }
    }
  })
  const report = await verify({
    target: target.address,
    specs: [TARGET_SPEC],
    fixtures,
    only: ['getItem'],
    headers: { 'X-Tenant': 'global', Authorization: 'Bearer global' },
    specHeaders: { 'verify-target': { Authorization: 'Bearer scoped' } }
  })
  t.strictSame(report.cases.map((result) => result.case), ['found', 'missing', 'deleted'])
  t.equal(report.failed, 0)
  t.strictSame(target.seen.map(({ headers }) => [headers['x-tenant'], headers.authorization ?? null]), [
    ['acme', 'Bearer scoped'],
    ['acme', 'Bearer scoped'],
    ['other', null]
  ])
})

t.test('--only verifies the named operations, in document order', async (t) => {
  const target = await startTarget(t, { correct: false })
  const report = await verify({ target: target.address, specs: [TARGET_SPEC], fixtures: false, only: ['health', 'createItem'] })
  t.strictSame(report.cases.map((result) => result.name), ['verify-target createItem created', 'verify-target health generated'])
  t.strictSame(target.seen.map(({ url }) => url), ['/v1/items', '/v1/health'])
})

t.test('--base-path: the target mounts the API elsewhere', async (t) => {
  const target = await startTarget(t, { correct: true, prefix: '/mounted/api' })
  const fixtures = t.testdir(TARGET_FIXTURES)
  const moved = await verify({ target: target.address, specs: [TARGET_SPEC], fixtures, basePaths: { 'verify-target': '/mounted/api/' } })
  t.strictSame([moved.passed, moved.failed], [9, 0])
  t.equal(target.seen[0]!.url, '/mounted/api/items?limit=1')
  const unmoved = await verify({ target: target.address, specs: [TARGET_SPEC], fixtures, only: ['health'] })
  t.strictSame(unmoved.cases[0]!.failures, [{ kind: 'status-undocumented', message: 'status 404 is not documented for health', expected: '204', actual: '404' }])
  t.equal(unmoved.cases[0]!.request.url, `${target.address}/v1/health`)
})

t.test('a target path prefix is kept: --target http://host/prefix', async (t) => {
  const target = await startTarget(t, { correct: true, prefix: '/gateway/v1' })
  const report = await verify({ target: `${target.address}/gateway/`, specs: [TARGET_SPEC], fixtures: false, only: ['ping'] })
  t.strictSame(report.cases.map((result) => [result.request.url, result.ok]), [[`${target.address}/gateway/v1/ping`, true]])
})

t.test('an unreachable target fails every case, it does not throw', async (t) => {
  const port = await closedPort()
  const report = await verify({ target: `http://127.0.0.1:${port}`, specs: [TARGET_SPEC], fixtures: false, only: ['ping', 'health'] })
  t.strictSame([report.passed, report.failed], [0, 2])
  for (const result of report.cases) {
    t.equal(result.response, undefined)
    t.strictSame(result.failures, [{
      kind: 'unreachable',
      message: `no response: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}`,
      expected: 'a response',
      actual: `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}`
    }])
  }
})

t.test('a port fetch will not use is named as such', async (t) => {
  const report = await verify({ target: 'http://127.0.0.1:6000', specs: [TARGET_SPEC], fixtures: false, only: ['ping'] })
  t.strictSame(report.cases[0]!.failures, [{
    kind: 'unreachable',
    message: "no response: Node's fetch refuses to connect to port 6000 (a port browsers block); serve the target on another port",
    expected: 'a response',
    actual: 'port 6000 refused by fetch'
  }])
})

t.test('--timeout: a slower answer is a failure of that case only', async (t) => {
  const target = await startTarget(t, { correct: true, slowMs: 10_000 })
  const started = Date.now()
  const report = await verify({ target: target.address, specs: [TARGET_SPEC], fixtures: false, only: ['ping', 'slow'], timeoutMs: 150 })
  t.ok(Date.now() - started < 5000, 'the slow case is abandoned at the timeout, not answered 10 s later')
  t.strictSame(report.cases.map((result) => [result.case, result.ok]), [['generated', true], ['generated', false]])
  t.strictSame(report.cases[1]!.failures, [{ kind: 'unreachable', message: 'no complete response within 150 ms', expected: 'a response within 150 ms', actual: 'timed out after 150 ms' }])
})

t.test('option mistakes are typed errors naming the option', async (t) => {
  const base: VerifyOptions = { target: 'http://127.0.0.1:9', specs: [TARGET_SPEC], fixtures: false }
  const cases: Array<[string, VerifyOptions, string]> = [
    ['an unknown operationId', { ...base, only: ['getItem', 'nope'] }, "--only: no operation 'nope' (operations: listItems, createItem, getItem, ping, health, slow)"],
    ['an empty --only', { ...base, only: [] }, '--only: names no operation'],
    ['an unknown spec in --base-path', { ...base, basePaths: { nope: '/x' } }, "--base-path: no spec 'nope' (specs: verify-target)"],
    ['a prefix without a slash', { ...base, basePaths: { 'verify-target': 'x' } }, '--base-path: verify-target=x: a prefix is a path starting with /'],
    ['an unknown spec in a scoped header', { ...base, specHeaders: { nope: { a: 'b' } } }, "--header: no spec 'nope' (specs: verify-target)"],
    ['a bad header name', { ...base, headers: { 'bad name': 'x' } }, `--header: 'bad name': Header name must be a valid HTTP token ["bad name"]`],
    ['a bad header value', { ...base, headers: { a: 'line\nbreak' } }, '--header: \'a\': Invalid character in header content ["a"]'],
    ['a target that is no URL', { ...base, target: 'localhost:8080' }, "--target: 'localhost:8080' is not an http:// or https:// URL"],
    ['a target with a query', { ...base, target: 'http://h/?a=1' }, "--target: 'http://h/?a=1' has a query or fragment; give the base URL only"],
    ['a zero timeout', { ...base, timeoutMs: 0 }, '--timeout: 0 is not a whole number of milliseconds above 0'],
    ['a bad scenario header name', { ...base, scenarioHeader: 'x y' }, "--scenario-header: 'x y' is not a header name"]
  ]
  for (const [what, options, detail] of cases) {
    const error = await verify(options).catch((caught: unknown) => caught)
    t.ok(error instanceof UnderstudyError, what)
    t.equal((error as UnderstudyError).format(), `UNDERSTUDY_VERIFY_OPTION_INVALID: A verify option is invalid: ${detail}`, what)
  }
})

t.test('a fixture request naming no path parameter is a fixture error', async (t) => {
  const fixtures = t.testdir({ 'verify-target': { getItem: { 'odd.yaml': 'status: 404\nrequest:\n  path: { itemId: 7 }\n' } } })
  const error = await verify({ target: 'http://127.0.0.1:9', specs: [TARGET_SPEC], fixtures }).catch((caught: unknown) => caught) as UnderstudyError
  t.equal(error.format(), `UNDERSTUDY_FIXTURE_INVALID ${fixtures}/verify-target/getItem/odd.yaml#/request/path/itemId: The fixture is invalid: /v1/items/{id} has no path parameter 'itemId'`)
})

t.test('XML answers', async (t) => {
  const OP_STATUS: OpenAPIV3.SchemaObject = {
    type: 'object',
    xml: { name: 'status', namespace: 'http://www.usharesoft.com/uforge', prefix: 'ns0' },
    properties: {
      dbId: { type: 'integer' },
      percentage: { type: 'number' },
      cancelled: { type: 'boolean' },
      message: { type: 'string' },
      eta: { type: ['integer', 'null'] } as unknown as OpenAPIV3.SchemaObject
    }
  }

  const LIBRARY: OpenAPIV3.SchemaObject = {
    type: 'object',
    xml: { name: 'library' },
    properties: {
      id: { type: 'integer', xml: { attribute: true } },
      owner: { type: 'string', xml: { attribute: true, name: 'by' } },
      books: { type: 'array', xml: { wrapped: true, name: 'shelf' }, items: { type: 'object', xml: { name: 'book' }, properties: { title: { type: 'string' }, pages: { type: 'integer' } } } },
      tags: { type: 'array', items: { type: 'string', xml: { name: 'tag' } } },
      scores: { type: 'array', items: { type: 'number' } },
      address: { type: 'object', properties: { city: { type: 'string', xml: { name: 'town' } } } }
    }
  }

  t.test('readXml reads back what serializeXml writes, through the same schema', async (t) => {
    const values: Array<[OpenAPIV3.SchemaObject, unknown]> = [
      [OP_STATUS, { dbId: 56, percentage: 40.5, cancelled: true, message: 'Publish cancelled' }],
      [OP_STATUS, { dbId: 0, cancelled: false, message: '12' }],
      [LIBRARY, { id: 3, owner: 'ann', books: [{ title: 'A', pages: 10 }, { title: 'B', pages: 20 }], tags: ['x', 'y'], scores: [1.5], address: { city: 'Lyon' } }],
      [LIBRARY, { id: 4, books: [{ title: 'Only' }], tags: ['one'] }]
    ]
    for (const [schema, value] of values) {
      const xml = serializeXml(value, schema, 'response')
      t.strictSame(readXml(xml, schema, 'response'), { ok: true, value }, xml)
    }
  })

  t.test('readXml: names are compared without namespace prefixes; empty elements; unknown elements kept', async (t) => {
    t.strictSame(readXml('<ns2:status xmlns:ns2="urn:x"><dbId>7</dbId><eta/><message/></ns2:status>', OP_STATUS, 'response'), { ok: true, value: { dbId: 7, eta: null, message: '' } })
    t.strictSame(readXml('<status><dbId>7</dbId><extra>1</extra></status>', OP_STATUS, 'response'), { ok: true, value: { dbId: 7, extra: '1' } })
    t.strictSame(readXml('<status><dbId>seven</dbId><cancelled>yes</cancelled></status>', OP_STATUS, 'response'), { ok: true, value: { dbId: 'seven', cancelled: 'yes' } }, 'text that is not of the type stays text, for the validator')
    t.strictSame(readXml('<OpStatus/>', { type: 'object', properties: {} }, 'OpStatus'), { ok: true, value: {} }, 'the component name is the root without xml.name')
  })

  t.test('readXml: a wrong root element, malformed XML', async (t) => {
    t.strictSame(readXml('<error><code>1</code></error>', OP_STATUS, 'response'), { ok: false, kind: 'root', expected: '<status>', actual: '<error>' })
    t.strictSame(readXml('<status><dbId>1</status>', OP_STATUS, 'response'), { ok: false, kind: 'unparsable', message: "Expected closing tag 'dbId' (opened in line 1, col 9) instead of closing tag 'status'. (line 1)" })
    t.strictSame(readXml('{"dbId":1}', OP_STATUS, 'response'), { ok: false, kind: 'unparsable', message: "char '{' is not expected. (line 1)" })
  })

  t.test('verify against a server sending UForge XML that deviates: types, root element, well-formedness', async (t) => {
    const bodies = [
      '<?xml version="1.0"?><ns0:status xmlns:ns0="http://www.usharesoft.com/uforge"><dbId>abc</dbId><cancelled>yes</cancelled></ns0:status>',
      '<?xml version="1.0"?><ns0:uforgeError xmlns:ns0="http://www.usharesoft.com/uforge"><statusCode>200</statusCode></ns0:uforgeError>',
      '<ns0:status><dbId>1</dbId>',
      '<ns0:status xmlns:ns0="http://www.usharesoft.com/uforge"><dbId>1</dbId><cancelled>true</cancelled></ns0:status>'
    ]
    const app = Fastify()
    app.delete('/api/users/:uid/appliances/:aid/images/:itid/pimages/:pitid/cancel', async (_request, reply) => reply.type('application/xml').send(bodies.shift()))
    t.teardown(async () => await app.close())
    const target = await app.listen({ port: 0, host: '127.0.0.1' })
    const run = async (): Promise<unknown> => (await verify({ target, specs: [`${SPECS}/uforge.yaml`], fixtures: false })).cases.map((result) => [result.name, result.failures])
    t.strictSame(await run(), [['uforge cancelMachineImagePublish generated', [
      { kind: 'body-invalid', message: 'the 200 application/xml body does not match its schema at /dbId: must be integer', expected: 'type integer', actual: '"abc" (string)' },
      { kind: 'body-invalid', message: 'the 200 application/xml body does not match its schema at /cancelled: must be boolean', expected: 'type boolean', actual: '"yes" (string)' }
    ]]])
    t.strictSame(await run(), [['uforge cancelMachineImagePublish generated', [
      { kind: 'body-invalid', message: 'the 200 application/xml body has the root element <uforgeError>, not <status>', expected: 'root element <status>', actual: 'root element <uforgeError>' }
    ]]])
    t.strictSame(await run(), [['uforge cancelMachineImagePublish generated', [
      { kind: 'body-unparsable', message: "the 200 application/xml body is not well-formed XML: Unclosed tag 'ns0:status'. (line 1)", expected: 'well-formed XML', actual: '<ns0:status><dbId>1</dbId>' }
    ]]])
    t.strictSame(await run(), [['uforge cancelMachineImagePublish generated', []]])
  })

  t.test('readXml: XML the validator passes but the parser refuses is unparsable, not a throw', async (t) => {
    for (const xml of ['<status><__proto__>1</__proto__></status>', '<!DOCTYPE r [<!ENTITY a SYSTEM "x">]><status/>', '<!DOCTYPE r [<!ENTITY % p "x">]><status/>']) {
      const reading = readXml(xml, OP_STATUS, 'response')
      t.equal(reading.ok, false, xml)
      t.equal(reading.ok === false && reading.kind, 'unparsable', xml)
    }
  })

  t.test('verify against a server sending XML the parser refuses: a body-unparsable failure per case, the run goes on', async (t) => {
    const bodies = [
      '<ns0:status xmlns:ns0="http://www.usharesoft.com/uforge"><__proto__>1</__proto__></ns0:status>',
      '<!DOCTYPE r [<!ENTITY a SYSTEM "file:///etc/passwd">]><ns0:status xmlns:ns0="http://www.usharesoft.com/uforge"/>',
      '<!DOCTYPE r [<!ENTITY % p "x">]><ns0:status xmlns:ns0="http://www.usharesoft.com/uforge"/>'
    ]
    const app = Fastify()
    app.delete('/api/users/:uid/appliances/:aid/images/:itid/pimages/:pitid/cancel', async (_request, reply) => reply.type('application/xml').send(bodies[0]))
    t.teardown(async () => await app.close())
    const target = await app.listen({ port: 0, host: '127.0.0.1' })
    for (const body of [...bodies]) {
      bodies[0] = body
      const report = await verify({ target, specs: [`${SPECS}/uforge.yaml`], fixtures: false })
      t.strictSame(report.cases.map((result) => [result.name, result.failures.map((failure) => [failure.kind, failure.expected, failure.actual])]), [
        ['uforge cancelMachineImagePublish generated', [['body-unparsable', 'well-formed XML', body]]]
      ], body)
      t.match(report.cases[0]!.failures[0]!.message, /^the 200 application\/xml body is not well-formed XML: /)
    }
  })
})
