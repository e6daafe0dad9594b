import t from 'tap'
import { buildMock, invalidRequest, testSpec, unsupportedMediaType } from './helpers.js'

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
