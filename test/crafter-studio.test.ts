import t from 'tap'
import { BEARER, buildMock, unsupportedMediaType } from './helpers.js'

// The specs alone: what fixtures add is tested in fixtures.test.ts.
const app = await buildMock(t, { fixtures: false })
const BASE = '/studio/api/1/services/api/1'
const JSON_BODY = { ...BEARER, 'content-type': 'application/json' }
const SESSION = { cookie: 'JSESSIONID=abc; XSRF-TOKEN=tok', 'x-xsrf-token': 'tok' }

const unauthorized = { message: 'Unauthorized' }
const forbidden = { message: 'User does not have permission to perform this action' }
const internalError = { message: 'Internal server error. java.lang.NullPointerException' }
const siteNotFound = { message: 'Site not found' }
const badRequest = { message: 'Bad Request' }

const cancelBody = { site_id: 'mysite', package_ids: ['588d5441-9aa9-4fb7-9a51-8c9a80f4f1d5', '9a7a1d3a-5b33-43c7-8214-6795335a56b7'] }
const rejectBody = { reason: 'Not approved', scheduledDate: 'now', items: ['/site/website/index.xml'] }

const operations = [
  {
    operationId: 'cancelPublishRequests',
    url: `${BASE}/publish/cancel-publish-requests.json`,
    body: cancelBody,
    scenarios: {
      ok: [200, { message: 'OK' }],
      invalidParameters: [400, { message: 'Invalid parameter(s)' }],
      badRequest: [400, badRequest],
      unauthorized: [401, unauthorized],
      forbidden: [403, forbidden],
      siteNotFound: [404, siteNotFound],
      packageNotFound: [404, { message: 'Package ID not found' }],
      internalError: [500, internalError]
    }
  },
  {
    operationId: 'stopPublisher',
    url: `${BASE}/publish/stop.json?site_id=mySite`,
    body: undefined,
    scenarios: {
      ok: [200, { message: 'OK' }],
      invalidParameters: [400, { message: 'Invalid parameter(s)' }],
      missingSiteId: [400, { message: 'Invalid parameter: site_id' }],
      badRequest: [400, badRequest],
      unauthorized: [401, unauthorized],
      forbidden: [403, forbidden],
      siteNotFound: [404, siteNotFound],
      internalError: [500, internalError]
    }
  },
  {
    operationId: 'rejectWorkflowItems',
    url: `${BASE}/workflow/reject.json?site_id=mysite&user=test`,
    body: rejectBody,
    scenarios: {
      rejected: [200, { status: 200, message: 'Rejection has been sent. Item(s) have NOT been pushed live and have returned to draft state.', success: true }],
      noItems: [200, { success: false, status: 500, message: 'No items provided for preparation.' }],
      missingSiteId: [400, { message: 'Invalid parameter(s): [site_id]' }],
      missingItems: [400, { message: 'Invalid parameter(s): [items]' }],
      badRequest: [400, badRequest],
      unauthorized: [401, unauthorized]
    }
  }
] as const

for (const operation of operations) {
  t.test(`${operation.operationId}: every documented response by scenario`, async (t) => {
    for (const [name, [status, body]] of Object.entries(operation.scenarios)) {
      const res = await app.inject({
        method: 'POST',
        url: operation.url,
        headers: { ...JSON_BODY, 'x-mock-scenario': name },
        ...(operation.body === undefined ? {} : { payload: operation.body })
      })
      t.equal(res.statusCode, status, name)
      t.equal(res.headers['content-type'], 'application/json', name)
      t.strictSame(res.json(), body, name)
    }
  })

  t.test(`${operation.operationId}: the default is the first 200 example`, async (t) => {
    const res = await app.inject({ method: 'POST', url: operation.url, headers: JSON_BODY, ...(operation.body === undefined ? {} : { payload: operation.body }) })
    const [first] = Object.entries(operation.scenarios)
    t.equal(res.statusCode, 200)
    t.equal(res.headers['x-mock-scenario'], first?.[0])
    t.strictSame(res.json(), first?.[1][1])
  })

  t.test(`${operation.operationId}: no credentials → 401 {"message":"Unauthorized"}`, async (t) => {
    const res = await app.inject({ method: 'POST', url: operation.url, headers: { 'content-type': 'application/json' }, payload: operation.body ?? {} })
    t.equal(res.statusCode, 401)
    t.strictSame(res.json(), unauthorized)
  })

  t.test(`${operation.operationId}: malformed JSON → 400 {"message":"Bad Request"}`, async (t) => {
    const res = await app.inject({ method: 'POST', url: operation.url, headers: JSON_BODY, payload: '{"site_id": ' })
    t.equal(res.statusCode, 400)
    t.equal(res.headers['content-type'], 'application/json')
    t.strictSame(res.json(), badRequest)
    t.strictSame(JSON.parse(String(res.headers['x-mock-violations'])), [{ in: 'body', path: '', message: 'body is not valid JSON: Unexpected end of JSON input' }])
  })
}

t.test('Studio 3.x credentials: session cookie plus CSRF header', async (t) => {
  const url = `${BASE}/publish/stop.json?site_id=mySite`
  const ok = await app.inject({ method: 'POST', url, headers: SESSION })
  t.equal(ok.statusCode, 200)
  t.strictSame(ok.json(), { message: 'OK' })
  const cookieOnly = await app.inject({ method: 'POST', url, headers: { cookie: 'JSESSIONID=abc' } })
  t.equal(cookieOnly.statusCode, 401, 'the cookie alone is not enough')
  t.strictSame(cookieOnly.json(), unauthorized)
  const headerOnly = await app.inject({ method: 'POST', url, headers: { 'x-xsrf-token': 'tok' } })
  t.equal(headerOnly.statusCode, 401, 'the CSRF header alone is not enough')
})

t.test('cancelPublishRequests: invalid bodies answer the documented 400 with violations', async (t) => {
  const url = `${BASE}/publish/cancel-publish-requests.json`
  const cases = [
    [{ site_id: 'mysite', package_ids: [] }, [{ in: 'body', path: '/package_ids', message: 'must NOT have fewer than 1 items' }]],
    [{ package_ids: ['not-a-uuid'] }, [
      { in: 'body', path: '/site_id', message: "must have required property 'site_id'" },
      { in: 'body', path: '/package_ids/0', message: 'must match format "uuid"' }
    ]],
    [{ site_id: 7, package_ids: 'x' }, [
      { in: 'body', path: '/site_id', message: 'must be string' },
      { in: 'body', path: '/package_ids', message: 'must be array' }
    ]]
  ] as const
  for (const [payload, violations] of cases) {
    const res = await app.inject({ method: 'POST', url, headers: JSON_BODY, payload })
    t.equal(res.statusCode, 400)
    t.strictSame(res.json(), { message: 'Invalid parameter(s)' })
    t.strictSame(JSON.parse(String(res.headers['x-mock-violations'])), violations)
  }
  const missing = await app.inject({ method: 'POST', url, headers: BEARER })
  t.equal(missing.statusCode, 400)
  t.strictSame(JSON.parse(String(missing.headers['x-mock-violations'])), [{ in: 'body', path: '', message: 'request body is required' }])
})

t.test('stopPublisher: site_id in the query, the body, or neither (no cross-field rule in OpenAPI)', async (t) => {
  const url = `${BASE}/publish/stop.json`
  for (const request of [{ url: `${url}?site_id=mySite` }, { url, payload: { site_id: 'mySite' } }, { url }]) {
    const res = await app.inject({ method: 'POST', headers: JSON_BODY, ...request })
    t.equal(res.statusCode, 200)
    t.strictSame(res.json(), { message: 'OK' })
  }
  const empty = await app.inject({ method: 'POST', url: `${url}?site_id=`, headers: BEARER })
  t.equal(empty.statusCode, 400)
  t.strictSame(empty.json(), { message: 'Invalid parameter(s)' })
  t.strictSame(JSON.parse(String(empty.headers['x-mock-violations'])), [{ in: 'query', path: '/site_id', message: 'must NOT have fewer than 1 characters' }])
})

t.test('rejectWorkflowItems: site_id is a required query parameter', async (t) => {
  const res = await app.inject({ method: 'POST', url: `${BASE}/workflow/reject.json`, headers: JSON_BODY, payload: rejectBody })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), { message: 'Invalid parameter(s): [site_id]' })
  t.strictSame(JSON.parse(String(res.headers['x-mock-violations'])), [{ in: 'query', path: '/site_id', message: "must have required property 'site_id'" }])
})

t.test('rejectWorkflowItems: a body without items names items, not the site_id it was sent (x-mock-invalid-examples)', async (t) => {
  const res = await app.inject({ method: 'POST', url: `${BASE}/workflow/reject.json?site_id=mysite`, headers: JSON_BODY, payload: {} })
  t.equal(res.statusCode, 400)
  t.equal(res.headers['x-mock-scenario'], 'missingItems')
  t.strictSame(res.json(), { message: 'Invalid parameter(s): [items]' })
  t.strictSame(JSON.parse(String(res.headers['x-mock-violations'])), [{ in: 'body', path: '/items', message: "must have required property 'items'" }])
})

t.test('another method on a script URL is 405 with Allow', async (t) => {
  const res = await app.inject({ method: 'GET', url: `${BASE}/publish/stop.json` })
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'POST')
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.strictSame(res.json(), {
    type: 'urn:understudy:error:method-not-allowed',
    title: 'Method not allowed',
    status: 405,
    detail: 'GET is not allowed here; use POST',
    allow: ['POST']
  })
})

t.test('a body of another media type is 415', async (t) => {
  const res = await app.inject({ method: 'POST', url: `${BASE}/publish/cancel-publish-requests.json`, headers: { ...BEARER, 'content-type': 'text/plain' }, payload: 'site_id=mysite' })
  t.equal(res.statusCode, 415)
  t.strictSame(res.json(), unsupportedMediaType('cancelPublishRequests accepts application/json, not text/plain', ['application/json']))
})

t.test('prototype poisoning in a body is a malformed body, not a crash', async (t) => {
  const res = await app.inject({ method: 'POST', url: `${BASE}/publish/cancel-publish-requests.json`, headers: JSON_BODY, payload: '{"site_id":"a","package_ids":["588d5441-9aa9-4fb7-9a51-8c9a80f4f1d5"],"__proto__":{"x":1}}' })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), badRequest)
  t.strictSame(JSON.parse(String(res.headers['x-mock-violations'])), [{ in: 'body', path: '', message: 'body is not valid JSON: Object contains forbidden prototype property' }])
})
