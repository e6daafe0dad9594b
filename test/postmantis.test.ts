import t from 'tap'
import { BEARER, buildMock } from './helpers.js'

// The specs alone: what fixtures add is tested in fixtures.test.ts.
const app = await buildMock(t, { fixtures: false })
const POST_ID = '497f6eca-6276-4993-bfeb-53cbbbba6f08'
const url = `/api/v1/posts/${POST_ID}/cancel`

const problems = {
  invalidRequest: { type: 'https://postmantis.com/problems/invalid-request', title: 'Invalid request', status: 400, detail: 'The request payload failed validation.', code: 'invalidRequest' },
  unauthorized: { type: 'https://postmantis.com/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'Authentication required.', code: 'unauthorized' },
  forbidden: { type: 'https://postmantis.com/problems/forbidden', title: 'Forbidden', status: 403, detail: 'The authenticated API key is not allowed to perform this action.', code: 'forbidden' },
  notFound: { type: 'https://postmantis.com/problems/not-found', title: 'Not found', status: 404, detail: 'Resource not found.', code: 'notFound' },
  conflict: { type: 'https://postmantis.com/problems/conflict', title: 'Conflict', status: 409, detail: 'Resource is in a state that prevents this operation.', code: 'conflict' },
  rateLimited: { type: 'https://postmantis.com/problems/rate-limited', title: 'Too many requests', status: 429, detail: 'Too many requests.', code: 'rateLimited' }
}

const canceledPost = {
  data: {
    id: POST_ID,
    status: 'canceled',
    createdAt: '2026-11-20T08:30:00Z',
    updatedAt: '2026-11-22T10:05:12Z',
    body: 'Our autumn release is out. Read the notes on the blog.',
    media: [{
      id: '3f9d2c1e-8b7a-4c55-9e21-0d4f6a7b8c90',
      artifactId: '706a3f1e-c357-4634-b1bf-20c221b5bb4e',
      artifactStatus: 'reserved',
      contentType: 'image/png',
      url: 'https://cdn.postmantis.com/artifacts/706a3f1e-c357-4634-b1bf-20c221b5bb4e.png',
      alt: 'Release banner'
    }],
    deliveries: [
      { provider: 'x', profileName: 'acme', profileId: 'faebe71b-2bf8-4bdb-9b67-258e4d6aa00a', status: 'canceled', providerOptions: {}, scheduledAt: '2026-11-25T15:00:00Z' },
      { provider: 'linkedin', profileName: 'Acme Inc.', profileId: '0b8e5d52-6a0c-4f7e-9d3b-2c1a4e5f6a7b', status: 'canceled', providerOptions: { visibility: 'PUBLIC' }, scheduledAt: '2026-11-25T15:00:00Z' }
    ],
    scheduledAt: '2026-11-25T15:00:00Z',
    canceledAt: '2026-11-22T10:05:12Z'
  }
}

t.test('default: 200 with the canceled post', async (t) => {
  const res = await app.inject({ method: 'POST', url, headers: BEARER })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json')
  t.equal(res.headers['x-mock-scenario'], 'canceled')
  t.strictSame(res.json(), canceledPost)
})

t.test('every documented error, by scenario name, as problem+json', async (t) => {
  for (const [name, body] of Object.entries(problems)) {
    const res = await app.inject({ method: 'POST', url, headers: { ...BEARER, 'x-mock-scenario': name } })
    t.equal(res.statusCode, body.status, name)
    t.equal(res.headers['content-type'], 'application/problem+json', name)
    t.strictSame(res.json(), body, name)
  }
})

t.test('429 carries the documented Retry-After header', async (t) => {
  const res = await app.inject({ method: 'POST', url, headers: { ...BEARER, prefer: 'code=429' } })
  t.equal(res.statusCode, 429)
  t.equal(res.headers['retry-after'], '60')
  t.strictSame(res.json(), problems.rateLimited)
})

t.test('no bearer token: the documented 401', async (t) => {
  for (const headers of [{}, { authorization: 'Basic dTpw' }, { authorization: 'Bearer ' }]) {
    const res = await app.inject({ method: 'POST', url, headers })
    t.equal(res.statusCode, 401)
    t.strictSame(res.json(), problems.unauthorized)
  }
})

t.test('a postId that is not a UUID: the API-wide 400 with the violation in a header', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/posts/not-a-uuid/cancel', headers: BEARER })
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.strictSame(res.json(), problems.invalidRequest)
  t.strictSame(JSON.parse(String(res.headers['x-mock-violations'])), [{ in: 'path', path: '/postId', message: 'must match format "uuid"' }])
})

t.test('security is checked before validation', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/posts/not-a-uuid/cancel' })
  t.equal(res.statusCode, 401)
  t.strictSame(res.json(), problems.unauthorized)
})

t.test('Accept application/json still gets a problem+json error (errors ignore Accept)', async (t) => {
  const res = await app.inject({ method: 'POST', url, headers: { ...BEARER, accept: 'application/json', 'x-mock-scenario': 'conflict' } })
  t.equal(res.statusCode, 409)
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.strictSame(res.json(), problems.conflict)
})

t.test('an unsatisfiable Accept on the success is 406', async (t) => {
  const res = await app.inject({ method: 'POST', url, headers: { ...BEARER, accept: 'text/html' } })
  t.equal(res.statusCode, 406)
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.strictSame(res.json(), {
    type: 'urn:understudy:error:not-acceptable',
    title: 'Not acceptable',
    status: 406,
    detail: 'This response is available as application/json, not as text/html',
    available: ['application/json']
  })
})

t.test('the documented 400 and 401 answers name themselves in x-mock-scenario', async (t) => {
  const invalid = await app.inject({ method: 'POST', url: '/api/v1/posts/not-a-uuid/cancel', headers: BEARER })
  t.equal(invalid.statusCode, 400)
  t.equal(invalid.headers['x-mock-scenario'], 'invalidRequest')
  const anonymous = await app.inject({ method: 'POST', url })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.headers['x-mock-scenario'], 'unauthorized')
})
