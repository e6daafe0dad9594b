import Fastify from 'fastify'
import t from 'tap'
import { BEARER, buildMock, invalidRequest, testSpec, unsupportedMediaType } from './helpers.js'

// plain.yaml documents no 400 (search) or only a 422 (createOrder); openapi30.yaml is OpenAPI 3.0.
const app = await buildMock(t, { specs: [testSpec('plain.yaml'), testSpec('openapi30.yaml')] })
const TRACE = { 'x-trace': 'beef' }
const JSON_TYPE = { 'content-type': 'application/json' }
const mocks = await buildMock(t)

t.test('mounted under the server URL path, variables at their defaults', async (t) => {
  const res = await app.inject({ url: '/v2/search?q=hello', headers: TRACE })
  t.equal(res.statusCode, 200)
  t.strictSame(res.json(), { q: 'hello' })
})

t.test('query, header and cookie parameters are coerced, split and validated', async (t) => {
  const ok = await app.inject({ url: '/v2/search?q=x&limit=50&tags=a,b', headers: { ...TRACE, cookie: 'theme=dark' } })
  t.equal(ok.statusCode, 200)
  const res = await app.inject({ url: '/v2/search?limit=51&tags=a,c', headers: { 'x-trace': 'XYZ', cookie: 'theme=pink' } })
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.strictSame(res.json(), invalidRequest('search', [
    { in: 'query', path: '/q', message: "must have required property 'q'" },
    { in: 'query', path: '/limit', message: 'must be <= 50' },
    { in: 'query', path: '/tags/1', message: 'must be equal to one of the allowed values: a, b' },
    { in: 'header', path: '/X-Trace', message: 'must match pattern "^[0-9a-f]+$"' },
    { in: 'cookie', path: '/theme', message: 'must be equal to one of the allowed values: dark, light' }
  ]))
})

t.test('wrong types in the query', async (t) => {
  const repeated = await app.inject({ url: '/v2/search?q=a&q=b', headers: TRACE })
  t.strictSame(repeated.json(), invalidRequest('search', [{ in: 'query', path: '/q', message: 'must be string' }]))
  const text = await app.inject({ url: '/v2/search?q=a&limit=abc', headers: TRACE })
  t.strictSame(text.json(), invalidRequest('search', [{ in: 'query', path: '/limit', message: 'must be integer' }]))
})

t.test('with no 400 but a 422 documented, an invalid body gets the 422 example', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/v2/orders', headers: JSON_TYPE, payload: '{"sku": 5}' })
  t.equal(res.statusCode, 422)
  t.strictSame(res.json(), { error: 'invalid order' })
  t.strictSame(JSON.parse(String(res.headers['x-mock-violations'])), [{ in: 'body', path: '/sku', message: 'must be string' }])
  const ok = await app.inject({ method: 'POST', url: '/v2/orders', headers: JSON_TYPE, payload: { sku: 'a' } })
  t.equal(ok.statusCode, 201)
  t.strictSame(ok.json(), { id: 1 })
})

t.test('malformed JSON where no error example exists: a problem, never Fastify\'s default body', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/notes', headers: JSON_TYPE, payload: '{"text": "a"' })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), invalidRequest('createNote', [{ in: 'body', path: '', message: "body is not valid JSON: Expected ',' or '}' after property value in JSON at position 12" }]))
})

t.test('OpenAPI 3.0 schemas: nullable and boolean exclusiveMinimum', async (t) => {
  const ok = await app.inject({ method: 'POST', url: '/notes', headers: JSON_TYPE, payload: { text: 'a', due: null, priority: 1 } })
  t.equal(ok.statusCode, 201)
  t.strictSame(ok.json(), { id: 9 }, 'a lone `example` is the default body')
  const res = await app.inject({ method: 'POST', url: '/notes', headers: JSON_TYPE, payload: { text: 'a', due: '2026-13-45', priority: 0 } })
  t.strictSame(res.json(), invalidRequest('createNote', [
    { in: 'body', path: '/due', message: 'must match format "date"' },
    { in: 'body', path: '/priority', message: 'must be > 0' }
  ]))
})

t.test('a +json type the operation does not declare is 415', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/notes', headers: { 'content-type': 'application/merge-patch+json' }, payload: '{"text":"a"}' })
  t.equal(res.statusCode, 415)
  t.strictSame(res.json(), unsupportedMediaType('createNote accepts application/json, not application/merge-patch+json', ['application/json']))
})

t.test('a body over the limit is 413', async (t) => {
  const small = await buildMock(t, { specs: [testSpec('openapi30.yaml')], bodyLimit: 64 })
  const res = await small.inject({ method: 'POST', url: '/notes', headers: JSON_TYPE, payload: JSON.stringify({ text: 'x'.repeat(100), due: null }) })
  t.equal(res.statusCode, 413)
  t.strictSame(res.json(), { type: 'urn:understudy:error:payload-too-large', title: 'Payload too large', status: 413, detail: 'The request body is larger than the server accepts.' })
})

t.test('unknown paths and unparsable URLs are problems', async (t) => {
  const missing = await app.inject({ url: '/v2/nothing-here?x=1' })
  t.equal(missing.statusCode, 404)
  t.strictSame(missing.json(), { type: 'urn:understudy:error:not-found', title: 'Not found', status: 404, detail: 'No operation for GET /v2/nothing-here' })
  const bad = await app.inject({ url: '/v2/%zz' })
  t.equal(bad.statusCode, 400)
  t.strictSame(bad.json(), { type: 'urn:understudy:error:bad-request', title: 'Bad request', status: 400, detail: "The path '/v2/%zz' is not valid percent-encoded UTF-8." })
})

t.test('the violations header stays bounded and ASCII', async (t) => {
  const payload = JSON.stringify(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 1])))
  const res = await app.inject({ method: 'POST', url: '/v2/orders', headers: JSON_TYPE, payload: `{"sku": ${payload}}` })
  t.equal(res.statusCode, 422)
  const header = String(res.headers['x-mock-violations'])
  t.ok(header.length <= 2048)
  t.strictSame(JSON.parse(header), [{ in: 'body', path: '/sku', message: 'must be string' }])
  const { violationsHeader } = await import('../dist/routes/report-violations.js')
  const many = Array.from({ length: 100 }, (_, i) => ({ in: 'body' as const, path: `/é${i}`, message: 'must be string' }))
  const text = violationsHeader(many)
  t.ok(text.length <= 2048, 'cut to the limit')
  t.match(text, /^[\x20-\x7e]+$/, 'ASCII only')
  const parsed = JSON.parse(text) as Array<{ path?: string, truncated?: number }>
  t.equal(parsed[0]?.path, '/é0')
  t.equal(parsed.at(-1)?.truncated, 100 - (parsed.length - 1))
})

t.test("a parameter's oneOf is met by text either branch reads: 1 is GitHub's workflow id, main.yaml its file", async (t) => {
  const unions = await buildMock(t, { specs: [testSpec('text-unions.yaml')], fixtures: false })
  for (const id of ['1', 'main.yaml']) t.equal((await unions.inject({ method: 'PUT', url: `/workflows/${id}/enable` })).statusCode, 204, id)
  const bad = await unions.inject({ method: 'PUT', url: '/workflows/main.txt/enable' })
  t.equal(bad.statusCode, 400)
  t.strictSame((bad.json() as { errors: unknown[] }).errors, [
    { in: 'path', path: '/workflow_id', message: 'must be integer' },
    { in: 'path', path: '/workflow_id', message: 'must match pattern "\\.ya?ml$"' },
    { in: 'path', path: '/workflow_id', message: 'must match a schema in anyOf' }
  ])
})

t.test('a 3.0 operation whose only parameter is optional starts and validates', async (t) => {
  const ok = await app.inject({ url: '/notes?limit=5' })
  t.equal(ok.statusCode, 200)
  t.strictSame(ok.json(), [])
  const bad = await app.inject({ url: '/notes?limit=x' })
  t.equal(bad.statusCode, 400)
  t.strictSame((bad.json() as { errors: unknown[] }).errors, [{ in: 'query', path: '/limit', message: 'must be integer,null' }])
})

t.test('many violations: the first 100 listed with the count; a body of more than 5000 values is checked up to its first', async (t) => {
  const bounded = await buildMock(t, { specs: [testSpec('bounded.yaml')] })
  const post = async (count: number): Promise<{ statusCode: number, json: () => unknown }> =>
    await bounded.inject({ method: 'POST', url: '/batch', headers: JSON_TYPE, payload: `{"ids":[${Array(count).fill('1').join(',')}]}` })
  const item = (i: number): object => ({ in: 'body', path: `/ids/${i}`, message: 'must be string' })
  const some = await post(150)
  t.equal(some.statusCode, 400)
  t.strictSame(some.json(), {
    ...invalidRequest('postBatch', Array.from({ length: 100 }, (_, i) => item(i))),
    detail: 'The request does not match postBatch: 150 violations (the first 100 listed).'
  })
  // 500,000 wrong items in just under 1 MiB: listing them all overflowed the stack (a 500).
  const hostile = await post(500_000)
  t.equal(hostile.statusCode, 400)
  t.strictSame(hostile.json(), {
    ...invalidRequest('postBatch', [item(0)]),
    detail: 'The request does not match postBatch: at least 1 violation (a body of more than 5000 values is checked up to its first).'
  })
  t.equal((await post(1)).statusCode, 400, 'and the server goes on answering')
  const fine = await bounded.inject({ method: 'POST', url: '/batch', headers: JSON_TYPE, payload: JSON.stringify({ ids: Array(20_000).fill('a') }) })
  t.equal(fine.statusCode, 200, 'a big valid body is valid')
})

t.test('a huge invalid body on an operation documenting its 400: the example, and the first violation in the header', async (t) => {
  const payload = { site_id: 'a', package_ids: Array.from({ length: 20000 }, () => 1) }
  const res = await mocks.inject({ method: 'POST', url: '/studio/api/1/services/api/1/publish/cancel-publish-requests.json', headers: { ...BEARER, 'content-type': 'application/json' }, payload })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), { message: 'Invalid parameter(s)' })
  t.strictSame(JSON.parse(String(res.headers['x-mock-violations'])), [{ in: 'body', path: '/package_ids/0', message: 'must be string' }])
})

t.test('an unexpected error is a 500 problem with no details, and one line on stderr even with no logger', async (t) => {
  const { answerError } = await import('../dist/server/handle-errors.js')
  const server = Fastify({ logger: false })
  server.setErrorHandler(answerError)
  server.get('/boom', async () => { throw new TypeError('cannot read the thing') })
  t.teardown(async () => await server.close())
  const written: string[] = []
  const write = process.stderr.write
  process.stderr.write = ((text: string) => { written.push(text); return true }) as typeof process.stderr.write
  let res
  try {
    res = await server.inject({ url: '/boom?x=1' })
  } finally {
    process.stderr.write = write
  }
  t.equal(res.statusCode, 500)
  t.strictSame(res.json(), { type: 'urn:understudy:error:internal', title: 'Internal error', status: 500, detail: 'understudy failed to answer this request; the server log has the details.' })
  t.equal(written.length, 1)
  t.match(written[0], /^understudy: internal error answering GET \/boom\?x=1: TypeError: cannot read the thing \(at .*request-validation\.test\.[jt]s:\d+:\d+\)?\)\n$/, 'with where it was thrown')
})

t.test('an unreadable Content-Type is 415 unsupported-media-type', async (t) => {
  const res = await mocks.inject({ method: 'POST', url: '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel', headers: { ...BEARER, 'content-type': 'foo' }, payload: 'x' })
  t.equal(res.statusCode, 415)
  t.strictSame(res.json(), { type: 'urn:understudy:error:unsupported-media-type', title: 'Unsupported media type', status: 415, detail: "The Content-Type 'foo' cannot be read." })
})

t.test('a query that is not valid percent-encoding is 400 bad-request', async (t) => {
  const res = await mocks.inject({ method: 'POST', url: '/studio/api/1/services/api/1/publish/stop.json?site_id=%E0%A4%A', headers: BEARER })
  t.equal(res.statusCode, 400)
  const detail = "The query string cannot be decoded: '%E0%A4%A' is not valid percent-encoding."
  t.strictSame(res.json(), { type: 'urn:understudy:error:bad-request', title: 'Bad request', status: 400, detail })
  const fine = await mocks.inject({ method: 'POST', url: '/studio/api/1/services/api/1/publish/stop.json?site_id=caf%C3%A9', headers: BEARER })
  t.equal(fine.statusCode, 200)
})

t.test('routing (edge-cases.yaml and the seeds)', async (t) => {
  const app = await buildMock(t, { specs: [testSpec('edge-cases.yaml')] })

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
})

t.test('parameter styles', async (t) => {
  const app = await buildMock(t, { specs: [testSpec('styles-params.yaml')], fixtures: false })
  const OK = { ok: true }

  async function get (url: string, headers: Record<string, string> = {}): Promise<{ status: number, body: unknown }> {
    const res = await app.inject({ url, headers })
    return { status: res.statusCode, body: res.json() }
  }

  t.test('simple path parameters: arrays and objects, exploded or not', async (t) => {
    t.strictSame(await get('/simple/3,4/x,1,y,2'), { status: 200, body: OK })
    t.strictSame(await get('/simple-exploded/x=1,y=2'), { status: 200, body: OK })
    t.strictSame(await get('/simple/3,a/x,1,y'), {
      status: 400,
      body: invalidRequest('simplePath', [
        { in: 'path', path: '/ids/1', message: 'must be integer' },
        { in: 'path', path: '/point', message: 'must be object' }
      ])
    })
    t.strictSame(await get('/simple-exploded/x=1,y=b'), { status: 400, body: invalidRequest('simpleExplodedPath', [{ in: 'path', path: '/point/y', message: 'must be integer' }]) })
  })

  t.test('label path parameters: a leading dot, then dots (exploded) or commas', async (t) => {
    t.strictSame(await get('/label/.5/.3.4/.x,1,y,2'), { status: 200, body: OK })
    t.strictSame(await get('/label-flat/.3,4/.x=1.y=2'), { status: 200, body: OK })
    t.strictSame(await get('/label/5/.3.x/.x,1,y'), {
      status: 400,
      body: invalidRequest('labelPath', [
        { in: 'path', path: '/one', message: 'must start with "." (label style)' },
        { in: 'path', path: '/many/1', message: 'must be integer' },
        { in: 'path', path: '/point', message: 'must be object' }
      ])
    })
  })

  t.test('matrix path parameters: ;name=value, lists, repeated names and exploded objects', async (t) => {
    t.strictSame(await get('/matrix/;id=5/;ids=3,4/;tags=a;tags=b/;x=1;y=2'), { status: 200, body: OK })
    t.strictSame(await get('/matrix/;id=5/;ids=3/;tags=a/;x=1;y=2'), { status: 200, body: OK }, 'one item is a list of one')
    t.strictSame(await get('/matrix/5/;other=3/;tags=c/;x=1'), {
      status: 400,
      body: invalidRequest('matrixPath', [
        { in: 'path', path: '/id', message: 'must start with ";id=" (matrix style)' },
        { in: 'path', path: '/ids', message: 'must start with ";ids=" (matrix style)' },
        { in: 'path', path: '/tags/0', message: 'must be equal to one of the allowed values: a, b' },
        { in: 'path', path: '/point/y', message: "must have required property 'y'" }
      ])
    })
  })

  t.test('an empty path segment is a missing path parameter, not an empty string', async (t) => {
    t.strictSame(await get('/users/7/x'), { status: 200, body: OK })
    t.strictSame(await get('/users//x'), { status: 400, body: invalidRequest('userThing', [{ in: 'path', path: '/id', message: "must have required property 'id'" }]) })
  })

  t.test('an exploded form object is made of its properties\' keys', async (t) => {
    t.strictSame(await get('/search?offset=1&limit=123'), { status: 200, body: OK })
    t.strictSame(await get('/search?offset=1&limit=1001'), { status: 400, body: invalidRequest('search', [{ in: 'query', path: '/page/limit', message: 'must be <= 1000' }]) })
    t.strictSame(await get('/search?offset=x'), { status: 400, body: invalidRequest('search', [{ in: 'query', path: '/page/offset', message: 'must be integer' }]) })
  })

  t.test('query objects and arrays: non-exploded form, deepObject, space- and pipe-delimited', async (t) => {
    t.strictSame(await get('/search?coords=lat,1.5,lon,-2&filter[color]=red&filter[size]=M&spaced=1%202&piped=a|b&tags=x&tags=y'), { status: 200, body: OK })
    t.strictSame(await get('/search?tags=x'), { status: 200, body: OK }, 'one repeated key is a list of one')
    t.strictSame(await get('/search?coords=lat,north&filter[color]=green&filter[shape]=round&spaced=1+b&piped=a|b'), {
      status: 400,
      body: invalidRequest('search', [
        { in: 'query', path: '/coords/lat', message: 'must be number' },
        { in: 'query', path: '/filter', message: 'must NOT have additional properties' },
        { in: 'query', path: '/filter/color', message: 'must be equal to one of the allowed values: red, blue' },
        { in: 'query', path: '/spaced/1', message: 'must be integer' }
      ])
    })
  })

  t.test('a content parameter is parsed as JSON and validated as such, without coercion', async (t) => {
    t.strictSame(await get(`/search?meta=${encodeURIComponent('{"a":1}')}`), { status: 200, body: OK })
    t.strictSame(await get(`/search?meta=${encodeURIComponent('{"a":"1"}')}`), { status: 400, body: invalidRequest('search', [{ in: 'query', path: '/meta/a', message: 'must be integer' }]) })
    t.strictSame(await get('/search?meta={a:1'), { status: 400, body: invalidRequest('search', [{ in: 'query', path: '/meta', message: 'must be valid JSON' }]) })
  })

  t.test('an empty schema takes anything; allowReserved takes reserved characters', async (t) => {
    t.strictSame(await get('/search?anything=1&anything=[x]'), { status: 200, body: OK })
    t.strictSame(await get('/search?path=/a/b:c@d!$'), { status: 200, body: OK })
    t.strictSame(await get('/search?path=a'), { status: 400, body: invalidRequest('search', [{ in: 'query', path: '/path', message: 'must match pattern "^/"' }]) })
  })

  t.test('a free-form exploded object takes the keys no other parameter has', async (t) => {
    t.strictSame(await get('/free?known=a&x=1&y=2'), { status: 200, body: OK })
    t.strictSame(await get('/free?known=a&x=one'), { status: 400, body: invalidRequest('freeForm', [{ in: 'query', path: '/rest/x', message: 'must be integer' }]) })
  })

  t.test('empty query values: allowed with allowEmptyValue, refused for a required parameter, validated otherwise', async (t) => {
    t.strictSame(await get('/empty?q=a&term=&limit=&sort='), { status: 200, body: OK })
    t.strictSame(await get('/empty?q=a&term=ab'), { status: 400, body: invalidRequest('emptyValues', [{ in: 'query', path: '/term', message: 'must NOT have fewer than 3 characters' }]) })
    t.strictSame(await get('/empty?q=&limit=x'), {
      status: 400,
      body: invalidRequest('emptyValues', [
        { in: 'query', path: '/q', message: 'must not be empty' },
        { in: 'query', path: '/term', message: "must have required property 'term'" },
        { in: 'query', path: '/limit', message: 'must be integer' }
      ])
    })
  })

  t.test('headers are simple (lists, pairs, exploded pairs, JSON content); cookies are form, lists comma-separated', async (t) => {
    const good = { 'x-ids': '1, 2', 'x-point': 'x=1,y=2', 'x-pair': 'x,1,y,2', 'x-meta': '{"a":1}', cookie: 'ids=1,2; more=3,4; prefs=theme,dark,size,2' }
    t.strictSame(await get('/headers', good), { status: 200, body: OK })
    t.strictSame(await get('/headers', { 'x-ids': '1,b', 'x-point': 'x=1', 'x-pair': 'x,1,y,z', 'x-meta': '{"a":true}', cookie: 'ids=1,c; prefs=theme,pink' }), {
      status: 400,
      body: invalidRequest('headersAndCookies', [
        { in: 'header', path: '/X-Ids/1', message: 'must be integer' },
        { in: 'header', path: '/X-Point/y', message: "must have required property 'y'" },
        { in: 'header', path: '/X-Pair/y', message: 'must be integer' },
        { in: 'header', path: '/X-Meta/a', message: 'must be integer' },
        { in: 'cookie', path: '/ids/1', message: 'must be integer' },
        { in: 'cookie', path: '/prefs/theme', message: 'must be equal to one of the allowed values: dark, light' }
      ])
    })
  })

  t.test('a body sent to an operation without requestBody is 415; no body, or an empty one, is fine', async (t) => {
    const sent = await app.inject({ method: 'POST', url: '/no-body', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' })
    t.equal(sent.statusCode, 415)
    t.strictSame(sent.json(), unsupportedMediaType('noBody takes no request body, and this request has one (Content-Type: application/json)', []))
    const untyped = await app.inject({ method: 'DELETE', url: '/no-body', payload: 'hello' })
    t.equal(untyped.statusCode, 415)
    t.equal(untyped.json().detail, 'deleteNoBody takes no request body, and this request has one (Content-Type: (none))')
    for (const request of [{}, { payload: '' }, { headers: { 'content-type': 'application/json' }, payload: '' }]) {
      const res = await app.inject({ method: 'POST', url: '/no-body', ...request })
      t.equal(res.statusCode, 200)
      t.strictSame(res.json(), OK)
    }
    t.strictSame(await get('/users/1/x', { 'content-type': 'text/plain' }), { status: 200, body: OK }, 'a GET without a body')
    const getWithBody = await app.inject({ method: 'GET', url: '/no-body', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' })
    t.equal(getWithBody.statusCode, 415)
    t.equal(getWithBody.json().detail, 'getNoBody takes no request body, and this request has one (Content-Type: application/json)')
  })

  t.test('a GET that documents a request body reads and validates it', async (t) => {
    const json = { 'content-type': 'application/json' }
    const ok = await app.inject({ method: 'GET', url: '/report', headers: json, payload: '{"top":5}' })
    t.equal(ok.statusCode, 200)
    t.strictSame(ok.json(), OK)
    const wrong = await app.inject({ method: 'GET', url: '/report', headers: json, payload: '{"top":"five"}' })
    t.equal(wrong.statusCode, 400)
    t.strictSame(wrong.json(), invalidRequest('getReport', [{ in: 'body', path: '/top', message: 'must be integer' }]))
    const missing = await app.inject({ method: 'GET', url: '/report' })
    t.strictSame(missing.json(), invalidRequest('getReport', [{ in: 'body', path: '', message: 'request body is required' }]))
  })
})

t.test('form and multipart bodies', async (t) => {
  const SPEC = testSpec('form-bodies.yaml')
  const app = await buildMock(t, { specs: [SPEC], fixtures: false })
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
  const BOUNDARY = 'understudy-boundary'
  const MULTIPART = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }

  interface Part { name: string, value: string | Buffer, filename?: string, type?: string }

  /** A multipart/form-data body, written out as a browser would. */
  function multipart (parts: readonly Part[]): Buffer {
    const chunks: Buffer[] = []
    for (const { name, value, filename, type } of parts) {
      const disposition = `form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}`
      const head = `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${type === undefined ? '' : `Content-Type: ${type}\r\n`}\r\n`
      chunks.push(Buffer.from(head), Buffer.from(value), Buffer.from('\r\n'))
    }
    chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`))
    return Buffer.concat(chunks)
  }

  async function post (url: string, headers: Record<string, string>, payload: string | Buffer): Promise<{ status: number, body: unknown, violations?: unknown }> {
    const res = await app.inject({ method: 'POST', url, headers, payload })
    const header = res.headers['x-mock-violations']
    return { status: res.statusCode, body: res.json(), ...(header === undefined ? {} : { violations: JSON.parse(String(header)) }) }
  }

  const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff])

  t.test('a urlencoded body is read by its encoding and coerced to the schema\'s types', async (t) => {
    const body = [
      'name=Ada+Lovelace', 'age=36', 'subscribed=true', 'nickname=', 'tags=a', 'tags=b', 'colors=red,green',
      'ids=1|2|3', 'address[city]=London', 'address[zip]=12345', `meta=${encodeURIComponent('{"source":"web","campaign":7}')}`
    ].join('&')
    t.strictSame(await post('/signup', FORM, body), { status: 201, body: { id: 1 } })
    t.strictSame(await post('/signup', FORM, 'name=Ada&age=36&tags=c'), { status: 201, body: { id: 1 } }, 'one value of an array field is a list of one')
  })

  t.test('an invalid urlencoded field is an invalid request, pointing at the field', async (t) => {
    const body = `name=&age=old&tags=a&tags=z&colors=&ids=1|x&address[zip]=1&meta=${encodeURIComponent('{"campaign":"7"}')}&extra=1`
    t.strictSame(await post('/signup', FORM, body), {
      status: 400,
      body: invalidRequest('signup', [
        { in: 'body', path: '', message: 'must NOT have additional properties' },
        { in: 'body', path: '/name', message: 'must NOT have fewer than 1 characters' },
        { in: 'body', path: '/age', message: 'must be integer' },
        { in: 'body', path: '/tags/1', message: 'must be equal to one of the allowed values: a, b, c' },
        { in: 'body', path: '/ids/1', message: 'must be integer' },
        { in: 'body', path: '/address/zip', message: 'must match pattern "^[0-9]{5}$"' },
        { in: 'body', path: '/meta/source', message: "must have required property 'source'" }
      ])
    })
    t.strictSame(await post('/signup', FORM, 'age=3&meta={oops'), {
      status: 400,
      body: invalidRequest('signup', [
        { in: 'body', path: '/meta', message: 'must be valid JSON' },
        { in: 'body', path: '/name', message: "must have required property 'name'" }
      ])
    }, 'a JSON field that does not parse is reported once')
  })

  t.test('fixtures match the fields of a form body', async (t) => {
    const fixtures = t.testdir({ 'form-bodies': { signup: { 'taken.yaml': 'status: 409\nwhen: {body: {/name: taken, /age: "5"}}' } } })
    const mock = await buildMock(t, { specs: [SPEC], fixtures })
    const taken = await mock.inject({ method: 'POST', url: '/signup', headers: FORM, payload: 'name=taken&age=5' })
    t.equal(taken.statusCode, 409)
    t.strictSame(taken.json(), { error: 'name taken' })
    const free = await mock.inject({ method: 'POST', url: '/signup', headers: FORM, payload: 'name=free&age=5' })
    t.equal(free.statusCode, 201)
  })

  t.test('a multipart body: files as bytes, text coerced, objects and JSON parts parsed', async (t) => {
    const body = multipart([
      { name: 'title', value: 'Holiday' },
      { name: 'count', value: '2' },
      { name: 'file', value: PNG, filename: 'a.png', type: 'image/png' },
      { name: 'photos', value: PNG, filename: 'b.png', type: 'image/png' },
      { name: 'photos', value: 'not even an image', filename: 'c.txt' },
      { name: 'labels', value: 'x' },
      { name: 'labels', value: 'y' },
      { name: 'meta', value: '{"kind":"image"}' },
      { name: 'extra', value: '{"n":1}', type: 'application/json' },
      { name: 'undeclared', value: 'kept' }
    ])
    t.strictSame(await post('/uploads', MULTIPART, body), { status: 201, body: { stored: true } })
    t.strictSame(await post('/uploads', MULTIPART, multipart([{ name: 'title', value: 'T' }, { name: 'file', value: '' }])), { status: 201, body: { stored: true } }, 'an empty file is still a file')
  })

  t.test('an invalid multipart field gets the documented 400, with the violations', async (t) => {
    const body = multipart([
      { name: 'title', value: 'x'.repeat(21) },
      { name: 'count', value: 'two' },
      { name: 'labels', value: 'z' },
      { name: 'meta', value: '{"kind":"video"}' },
      { name: 'extra', value: '{"n":' }
    ])
    t.strictSame(await post('/uploads', MULTIPART, body), {
      status: 400,
      body: { error: 'invalid upload' },
      violations: [
        { in: 'body', path: '/extra', message: 'must be valid JSON' },
        { in: 'body', path: '/file', message: "must have required property 'file'" },
        { in: 'body', path: '/title', message: 'must NOT have more than 20 characters' },
        { in: 'body', path: '/count', message: 'must be integer' },
        { in: 'body', path: '/labels/0', message: 'must be equal to one of the allowed values: x, y' },
        { in: 'body', path: '/meta/kind', message: 'must be equal to one of the allowed values: doc, image' }
      ]
    })
  })

  t.test('malformed multipart is an invalid request answered with the malformed example, never a 500', async (t) => {
    const cut = multipart([{ name: 'title', value: 'T' }, { name: 'file', value: PNG }]).subarray(0, 60)
    const cases: Array<[Record<string, string>, string | Buffer, string]> = [
      [{ 'content-type': 'multipart/form-data' }, multipart([{ name: 'title', value: 'T' }]), 'body is not valid multipart/form-data: the Content-Type has no boundary'],
      [MULTIPART, cut, 'body is not valid multipart/form-data: Multipart stream not finished'],
      [MULTIPART, 'plain text where the parts should be', 'body is not valid multipart/form-data: Invalid multipart stream: missing initial boundary'],
      [MULTIPART, `--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--\r\n`, 'body is not valid multipart/form-data: a part has no Content-Disposition name']
    ]
    for (const [headers, payload, message] of cases) {
      t.strictSame(await post('/uploads', headers, payload), { status: 400, body: { error: 'unreadable upload' }, violations: [{ in: 'body', path: '', message }] })
    }
  })

  t.test('multipart is bounded by the body limit', async (t) => {
    const small = await buildMock(t, { specs: [SPEC], fixtures: false, bodyLimit: 256 })
    const res = await small.inject({ method: 'POST', url: '/uploads', headers: MULTIPART, payload: multipart([{ name: 'title', value: 'T' }, { name: 'file', value: Buffer.alloc(300) }]) })
    t.equal(res.statusCode, 413)
    t.strictSame(res.json(), { type: 'urn:understudy:error:payload-too-large', title: 'Payload too large', status: 413, detail: 'The request body is larger than the server accepts.' })
  })

  t.test('form media types without a schema: any well-formed body, read but not validated', async (t) => {
    const form = await app.inject({ method: 'POST', url: '/anything', headers: FORM, payload: 'a=1&a=2' })
    t.equal(form.statusCode, 204)
    const parts = await app.inject({ method: 'POST', url: '/anything', headers: MULTIPART, payload: multipart([{ name: 'a', value: PNG, filename: 'a.png' }]) })
    t.equal(parts.statusCode, 204)
    const broken = await app.inject({ method: 'POST', url: '/anything', headers: MULTIPART, payload: 'plain text where the parts should be' })
    t.equal(broken.statusCode, 400)
    t.strictSame(broken.json(), invalidRequest('anyForm', [{ in: 'body', path: '', message: 'body is not valid multipart/form-data: Invalid multipart stream: missing initial boundary' }]))
  })

  t.test('a form body where the operation takes only JSON is 415; JSON still goes as JSON', async (t) => {
    const multi = await app.inject({ method: 'POST', url: '/signup', headers: MULTIPART, payload: multipart([{ name: 'name', value: 'A' }]) })
    t.equal(multi.statusCode, 415)
    t.strictSame(multi.json().supported, ['application/x-www-form-urlencoded', 'application/json'])
    t.strictSame(await post('/signup', { 'content-type': 'application/json' }, '{"name":"A"}'), { status: 201, body: { id: 1 } })
  })
})
