import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { BEARER, buildMock, unsupportedMediaType } from './helpers.js'

const app = await buildMock(t)
const POST = '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel'
const STOP = '/studio/api/1/services/api/1/publish/stop.json?site_id=mysite'
const UFORGE = '/api/users/root/appliances/12/images/34/pimages/56/cancel'

t.test('one header names scenarios for several operations', async (t) => {
  const header = { 'x-mock-scenario': 'cancelScheduledPost=conflict, stopPublisher=siteNotFound' }
  const post = await app.inject({ method: 'POST', url: POST, headers: { ...BEARER, ...header } })
  t.equal(post.statusCode, 409)
  t.equal(post.headers['x-mock-scenario'], 'conflict')
  const stop = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, ...header } })
  t.equal(stop.statusCode, 404)
  t.strictSame(stop.json(), { message: 'Site not found' })
  const uforge = await app.inject({ method: 'DELETE', url: UFORGE, headers: { ...BEARER, ...header, authorization: 'Basic dTpw' } })
  t.equal(uforge.statusCode, 200, 'an operation the header does not name gets its default')
})

t.test('an entry for the called operation wins over a bare name', async (t) => {
  const res = await app.inject({ method: 'POST', url: POST, headers: { ...BEARER, 'x-mock-scenario': 'notFound, cancelScheduledPost=forbidden' } })
  t.equal(res.statusCode, 403)
})

t.test('an unknown scenario is a 404 problem listing the operation\'s scenarios', async (t) => {
  const res = await app.inject({ method: 'POST', url: POST, headers: { ...BEARER, 'x-mock-scenario': 'nope' } })
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], 'application/problem+json')
  const scenarios = ['canceled', 'invalidRequest', 'unauthorized', 'forbidden', 'notFound', 'conflict', 'rateLimited',
    'alreadyCanceled', 'canceledPost', 'completedPost', 'draftPost', 'missingPost', 'pendingPost', 'publishedDelivery', 'scheduled']
  t.strictSame(res.json(), {
    type: 'urn:understudy:error:unknown-scenario',
    title: 'Unknown scenario',
    status: 404,
    detail: `cancelScheduledPost has no scenario 'nope'. Known: ${scenarios.join(', ')}`,
    operationId: 'cancelScheduledPost',
    scenarios,
    sets: ['logged-out', 'publisher-down', 'rate-limited']
  })
})

t.test('Prefer: code= picks the status, example= the example, both must agree', async (t) => {
  const code = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, prefer: 'code=404' } })
  t.equal(code.statusCode, 404)
  t.strictSame(code.json(), { message: 'Site not found' })
  const both = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, prefer: 'code=400, example=missingSiteId' } })
  t.equal(both.statusCode, 400)
  t.strictSame(both.json(), { message: 'Invalid parameter: site_id' })
  const example = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, prefer: 'example=forbidden' } })
  t.equal(example.statusCode, 403)
  const mismatch = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, prefer: 'code=500; example=siteNotFound' } })
  t.equal(mismatch.statusCode, 404)
  t.equal((mismatch.json() as { type: string, detail: string }).detail.startsWith("stopPublisher has no scenario 'code=500, example=siteNotFound'"), true)
  const undocumented = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, prefer: 'code=418' } })
  t.equal(undocumented.statusCode, 404)
  t.equal((undocumented.json() as { type: string }).type, 'urn:understudy:error:unknown-scenario')
})

t.test('the scenario header wins over Prefer', async (t) => {
  const res = await app.inject({ method: 'POST', url: STOP, headers: { ...BEARER, prefer: 'code=500', 'x-mock-scenario': 'forbidden' } })
  t.equal(res.statusCode, 403)
})

t.test('dynamic=true with a seed: same seed, same bytes, in XML too', async (t) => {
  const headers = { authorization: 'Basic dTpw', prefer: 'dynamic=true, seed=7' }
  const a = await app.inject({ method: 'DELETE', url: UFORGE, headers })
  const b = await app.inject({ method: 'DELETE', url: UFORGE, headers: { authorization: 'Basic dTpw', 'x-mock-dynamic': 'true', 'x-mock-seed': '7' } })
  t.equal(a.statusCode, 200)
  t.equal(a.headers['content-type'], 'application/xml')
  t.match(a.body, /^<\?xml version="1\.0" encoding="UTF-8"\?><ns0:status xmlns:ns0="http:\/\/www\.usharesoft\.com\/uforge">.*<\/ns0:status>$/)
  t.equal(a.body, b.body)
  t.not(a.body, (await app.inject({ method: 'DELETE', url: UFORGE, headers: { ...headers, prefer: 'dynamic=true, seed=8' } })).body)
})

t.test('a scenario chosen for an error status can be faked too', async (t) => {
  const res = await app.inject({ method: 'POST', url: POST, headers: { ...BEARER, 'x-mock-scenario': 'conflict', 'x-mock-dynamic': 'true', 'x-mock-seed': '1' } })
  t.equal(res.statusCode, 409)
  t.same(Object.keys(res.json() as object).sort(), ['code', 'detail', 'status', 'title', 'type'])
})

t.test('sessions', async (t) => {
  // The subtests run in order and share this server: each uses its own session ids.
  const app = await buildMock(t)
  const STOP = '/studio/api/1/services/api/1/publish/stop.json'
  const CANCEL_REQUESTS = '/studio/api/1/services/api/1/publish/cancel-publish-requests.json'
  const REJECT = '/studio/api/1/services/api/1/workflow/reject.json?site_id=mysite'
  const JSON_TYPE = 'application/json; charset=utf-8'
  const STOP_SCENARIOS = 'ok, invalidParameters, missingSiteId, badRequest, unauthorized, forbidden, siteNotFound, internalError, noSiteId, nosuchSite, nosuchSiteInBody'

  type Headers = Record<string, string>
  interface Reply { statusCode: number, headers: Record<string, unknown>, body: string, json: () => unknown }

  const session = (id: string, choice: { set?: string, scenarios?: Record<string, string>, state?: Record<string, string> } = {}): object =>
    ({ id, set: choice.set ?? null, scenarios: choice.scenarios ?? {}, state: choice.state ?? {} })
  /** A session as GET /__mock/sessions lists it: its choice and how many state entries it holds. */
  const listed = (id: string, choice: { set?: string, scenarios?: Record<string, string> } = {}, stateEntries = 0): object =>
    ({ id, set: choice.set ?? null, scenarios: choice.scenarios ?? {}, stateEntries })
  const put = async (id: string, payload?: object | string, server: FastifyInstance = app): Promise<Reply> =>
    await server.inject({ method: 'PUT', url: `/__mock/sessions/${id}`, ...(payload === undefined ? {} : { payload, headers: { 'content-type': 'application/json' } }) })
  const get = async (id: string, server: FastifyInstance = app): Promise<Reply> => await server.inject({ method: 'GET', url: `/__mock/sessions/${id}` })
  const notFound = (id: string): object =>
    ({ type: 'urn:understudy:error:not-found', title: 'Not found', status: 404, detail: `No session '${id}' (a session starts with a PUT, or when a fixture records state in it).` })

  const CALLS = {
    stop: { url: `${STOP}?site_id=mysite` },
    cancelRequests: { url: CANCEL_REQUESTS, payload: { site_id: 'mysite', package_ids: ['588d5441-9aa9-4fb7-9a51-8c9a80f4f1d5'] } },
    reject: { url: REJECT, payload: { items: ['/site/website/index.xml'] } }
  }

  /** The scenario that answered one of Crafter's calls. */
  async function scenarioOf (call: keyof typeof CALLS, headers: Headers = {}, server: FastifyInstance = app): Promise<unknown> {
    return (await server.inject({ method: 'POST', ...CALLS[call], headers: { ...BEARER, ...headers } })).headers['x-mock-scenario']
  }

  /** The scenario that answered a PostMantis cancel. */
  async function cancelScenario (postId: string, headers: Headers = {}): Promise<unknown> {
    return (await app.inject({ method: 'POST', url: `/api/v1/posts/${postId}/cancel`, headers: { ...BEARER, ...headers } })).headers['x-mock-scenario']
  }

  /** Status, content type (JSON for 200, problem+json otherwise) and the whole body. */
  function answers (t: Test, res: Reply, status: number, body: unknown): void {
    t.equal(res.statusCode, status)
    t.equal(res.headers['content-type'], status === 200 ? JSON_TYPE : 'application/problem+json')
    t.strictSame(res.json(), body)
  }

  t.test('PUT creates a session, GET reads it, GET /__mock/sessions lists it', async (t) => {
    const choice = { set: 'logged-out', scenarios: { stopPublisher: 'forbidden' } }
    answers(t, await put('crud', choice), 200, session('crud', choice))
    answers(t, await get('crud'), 200, session('crud', choice))
    answers(t, await app.inject({ method: 'GET', url: '/__mock/sessions' }), 200, [listed('default'), listed('crud', choice)])
  })

  t.test('GET of an unknown session is a 404 problem; DELETE answers 204, then the session is gone', async (t) => {
    answers(t, await get('nobody'), 404, notFound('nobody'))
    await put('doomed', { set: 'publisher-down' })
    const gone = await app.inject({ method: 'DELETE', url: '/__mock/sessions/doomed' })
    t.equal(gone.statusCode, 204)
    t.equal(gone.body, '')
    answers(t, await get('doomed'), 404, notFound('doomed'))
    t.equal(await scenarioOf('stop', { 'x-mock-session': 'doomed' }), 'ok', 'its choice no longer applies')
  })

  t.test('PUT replaces the choice and keeps the recorded state', async (t) => {
    const postId = '22222222-2222-4222-8222-000000000001'
    const headers = { 'x-mock-session': 'keeper' }
    t.equal(await cancelScenario(postId, headers), 'scheduled', 'a request that records state starts the session')
    const state = { [`post:${postId}`]: 'canceled' }
    answers(t, await get('keeper'), 200, session('keeper', { state }))
    answers(t, await put('keeper', { set: 'publisher-down' }), 200, session('keeper', { set: 'publisher-down', state }))
    const listing = await app.inject({ url: '/__mock/sessions' })
    t.strictSame((listing.json() as object[]).find((entry) => (entry as { id: string }).id === 'keeper'), listed('keeper', { set: 'publisher-down' }, 1), 'the listing counts the state; GET the session for it')
    answers(t, await put('keeper', { scenarios: { rejectWorkflowItems: 'noItems' } }), 200, session('keeper', { scenarios: { rejectWorkflowItems: 'noItems' }, state }))
    answers(t, await put('keeper', { set: null }), 200, session('keeper', { state }))
    answers(t, await put('keeper'), 200, session('keeper', { state }))
    t.equal(await cancelScenario(postId, headers), 'alreadyCanceled')
  })

  t.test('DELETE of the default session resets it: it still exists, empty', async (t) => {
    await put('default', { set: 'logged-out' })
    t.equal(await cancelScenario('22222222-2222-4222-8222-000000000002', { 'x-mock-scenario': 'scheduled' }), 'scheduled')
    answers(t, await get('default'), 200, session('default', { set: 'logged-out', state: { 'post:22222222-2222-4222-8222-000000000002': 'canceled' } }))
    t.equal((await app.inject({ method: 'DELETE', url: '/__mock/sessions/default' })).statusCode, 204)
    answers(t, await get('default'), 200, session('default'))
    t.equal(await scenarioOf('stop'), 'ok')
    t.equal(await cancelScenario('22222222-2222-4222-8222-000000000002'), 'scheduled')
    await app.inject({ method: 'POST', url: '/__mock/reset?session=default' })
  })

  t.test('a set, per-operation scenarios, and both: the operation\'s scenario wins over the set', async (t) => {
    await put('by-set', { set: 'logged-out' })
    await put('by-ops', { scenarios: { stopPublisher: 'forbidden' } })
    await put('by-both', { set: 'logged-out', scenarios: { stopPublisher: 'forbidden' } })
    const expected: Record<string, [unknown, unknown, unknown]> = {
      'by-set': ['unauthorized', 'unauthorized', 'unauthorized'],
      'by-ops': ['forbidden', 'ok', 'rejected'],
      'by-both': ['forbidden', 'unauthorized', 'unauthorized']
    }
    for (const [id, scenarios] of Object.entries(expected)) {
      const headers = { 'x-mock-session': id }
      t.strictSame([await scenarioOf('stop', headers), await scenarioOf('cancelRequests', headers), await scenarioOf('reject', headers)], scenarios, id)
    }
    const res = await app.inject({ method: 'POST', url: `${STOP}?site_id=nosuch`, headers: { ...BEARER, 'x-mock-session': 'by-set' } })
    t.equal(res.statusCode, 401, "the session's choice wins over a fixture's when")
    t.strictSame(res.json(), { message: 'Unauthorized' })
  })

  t.test('the mock_session cookie names the session too', async (t) => {
    await put('cookie-fan', { scenarios: { stopPublisher: 'internalError' } })
    t.equal(await scenarioOf('stop', { cookie: 'mock_session=cookie-fan' }), 'internalError')
    t.equal(await scenarioOf('stop', { cookie: 'JSESSIONID=abc; mock_session=cookie-fan; XSRF-TOKEN=tok' }), 'internalError', 'among other cookies')
  })

  t.test('requests with no session use default; PUT /__mock/sessions/default changes them', async (t) => {
    answers(t, await put('default', { scenarios: { stopPublisher: 'siteNotFound' } }), 200, session('default', { scenarios: { stopPublisher: 'siteNotFound' } }))
    t.equal(await scenarioOf('stop'), 'siteNotFound')
    t.equal(await scenarioOf('stop', { 'x-mock-session': 'default' }), 'siteNotFound', 'naming default is the same')
    t.equal(await scenarioOf('stop', { 'x-mock-session': 'never-put' }), 'ok', "another session, even an unknown one, does not take default's choice")
    await put('default', {})
    t.equal(await scenarioOf('stop'), 'ok')
  })

  t.test("a request's x-mock-scenario and Prefer win over the session", async (t) => {
    const headers = { 'x-mock-session': 'by-both' }
    t.equal(await scenarioOf('stop', { ...headers, 'x-mock-scenario': 'ok' }), 'ok')
    t.equal(await scenarioOf('stop', { ...headers, 'x-mock-scenario': 'publisher-down' }), 'internalError', 'a set in the header')
    t.equal(await scenarioOf('reject', { ...headers, 'x-mock-scenario': 'publisher-down' }), 'unauthorized', "outside the header's set, the session's choice")
    t.equal(await scenarioOf('stop', { ...headers, prefer: 'code=404' }), 'siteNotFound')
  })

  t.test('two sessions with different choices and state do not see each other', async (t) => {
    const postId = '22222222-2222-4222-8222-000000000003'
    const a = { 'x-mock-session': 'iso-a' }
    const b = { 'x-mock-session': 'iso-b' }
    await put('iso-a', { set: 'publisher-down' })
    await put('iso-b', { scenarios: { stopPublisher: 'forbidden' } })
    t.strictSame([await scenarioOf('stop', a), await scenarioOf('stop', b), await scenarioOf('stop')], ['internalError', 'forbidden', 'ok'])
    t.strictSame([await cancelScenario(postId, a), await cancelScenario(postId, a), await cancelScenario(postId, b)], ['scheduled', 'alreadyCanceled', 'scheduled'])
    t.equal(await cancelScenario(postId, b), 'alreadyCanceled')
    const state = { [`post:${postId}`]: 'canceled' }
    answers(t, await get('iso-a'), 200, session('iso-a', { set: 'publisher-down', state }))
    answers(t, await get('iso-b'), 200, session('iso-b', { scenarios: { stopPublisher: 'forbidden' }, state }))
    answers(t, await get('default'), 200, session('default'))
  })

  t.test('an invalid PUT is a 400 invalid-session problem and changes nothing', async (t) => {
    const long = 'x'.repeat(129)
    const cases: Array<[string, string, object | string, string[]]> = [
      ['malformed JSON', 'bad-put', '{"set": ', ['body is not valid JSON: Unexpected end of JSON input']],
      ['not an object', 'bad-put', [], ['/ must be object']],
      ['unknown key', 'bad-put', { sets: 'logged-out' }, ['/ must NOT have additional properties']],
      ['set of the wrong type', 'bad-put', { set: 3 }, ['/set must be string,null']],
      ['scenario of the wrong type', 'bad-put', { scenarios: { stopPublisher: 1 } }, ['/scenarios/stopPublisher must be string']],
      ['unknown set', 'bad-put', { set: 'nope' }, ["no scenario set 'nope' (known: logged-out, publisher-down, rate-limited)"]],
      ['unknown operation', 'bad-put', { scenarios: { nope: 'ok' } }, ["no operation 'nope'"]],
      ['unknown scenario', 'bad-put', { scenarios: { stopPublisher: 'nope' } }, [`stopPublisher has no scenario 'nope' (known: ${STOP_SCENARIOS})`]],
      ['every problem at once', 'bad-put', { set: 'nope', scenarios: { nope: 'ok', stopPublisher: 'nope' } },
        ["no scenario set 'nope' (known: logged-out, publisher-down, rate-limited)", "no operation 'nope'", `stopPublisher has no scenario 'nope' (known: ${STOP_SCENARIOS})`]],
      ['an id with a dot', 'a.b', {}, ["'a.b' is not a session id: a plain name (letters, digits, - and _, up to 128 characters)"]],
      ['an id of 129 characters', long, {}, [`'${long}' is not a session id: a plain name (letters, digits, - and _, up to 128 characters)`]],
      ['an id of 200 characters', 'y'.repeat(200), {}, [`'${'y'.repeat(200)}' is not a session id: a plain name (letters, digits, - and _, up to 128 characters)`]]
    ]
    for (const [why, id, payload, errors] of cases) {
      const res = await put(id, payload)
      t.equal(res.statusCode, 400, why)
      t.equal(res.headers['content-type'], 'application/problem+json', why)
      t.strictSame(res.json(), { type: 'urn:understudy:error:invalid-session', title: 'Invalid session', status: 400, detail: errors.join('; '), errors }, why)
    }
    answers(t, await get('bad-put'), 404, notFound('bad-put'))
    answers(t, await put('x'.repeat(128), {}), 200, session('x'.repeat(128)))
    await put('steady', { set: 'logged-out' })
    t.equal((await put('steady', { set: 'nope' })).statusCode, 400)
    answers(t, await get('steady'), 200, session('steady', { set: 'logged-out' }))
  })

  t.test('an invalid x-mock-session header is a 400 invalid-mock-header problem', async (t) => {
    // A long value is quoted to its first 100 characters.
    for (const [value, shown] of [['a.b', 'a.b'], ['z'.repeat(129), `${'z'.repeat(100)}…`]]) {
      const res = await app.inject({ method: 'POST', url: `${STOP}?site_id=mysite`, headers: { ...BEARER, 'x-mock-session': value ?? '' } })
      answers(t, res, 400, {
        type: 'urn:understudy:error:invalid-mock-header',
        title: 'Invalid mock header',
        status: 400,
        detail: `x-mock-session: '${shown ?? ''}' is not valid; expected a plain name (letters, digits, - and _, up to 128 characters).`,
        header: 'x-mock-session'
      })
      t.equal(res.headers['x-mock-scenario'], undefined)
    }
  })

  t.test('an unusable mock_session cookie is ignored: the request uses the default session', async (t) => {
    await put('default', { scenarios: { stopPublisher: 'forbidden' } })
    t.teardown(async () => { await put('default', {}) })
    const res = await app.inject({ method: 'POST', url: `${STOP}?site_id=mysite`, headers: { ...BEARER, cookie: 'mock_session=a.b' } })
    t.equal(res.statusCode, 403)
    t.strictSame(res.json(), { message: 'User does not have permission to perform this action' })
    t.equal(res.headers['x-mock-scenario'], 'forbidden')
  })

  t.test('a session choice that is not JSON is 415, answered once', async (t) => {
    const res = await app.inject({ method: 'PUT', url: '/__mock/sessions/plain', headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(100_000) })
    answers(t, res, 415, unsupportedMediaType('A session choice is JSON: send Content-Type: application/json.', ['application/json']))
    answers(t, await get('plain'), 404, notFound('plain'))
  })

  t.test('maxSessions: the least recently used session goes first; default stays', async (t) => {
    const small = await buildMock(t, { maxSessions: 2 })
    await put('default', { set: 'logged-out' }, small)
    for (const id of ['lru-a', 'lru-b', 'lru-c']) t.equal((await put(id, {}, small)).statusCode, 200)
    answers(t, await get('lru-a', small), 404, notFound('lru-a'))
    answers(t, await get('lru-b', small), 200, session('lru-b')) // default does not count against the bound
    answers(t, await get('lru-c', small), 200, session('lru-c'))
    answers(t, await get('default', small), 200, session('default', { set: 'logged-out' }))
  })

  t.test('maxSessions: a session used recently outlives one used less recently', async (t) => {
    const small = await buildMock(t, { maxSessions: 3 })
    const touch = async (id: string): Promise<void> => { t.equal(await scenarioOf('stop', { 'x-mock-session': id }, small), 'ok') }
    await put('first', {}, small)
    await put('second', {}, small)
    await touch('first')
    await put('third', {}, small)
    await touch('first')
    await put('fourth', {}, small)
    answers(t, await get('second', small), 404, notFound('second'))
    answers(t, await get('first', small), 200, session('first'))
    answers(t, await get('fourth', small), 200, session('fourth'))
    answers(t, await get('default', small), 200, session('default'))
  })
})

t.test('state is bounded: long keys kept as a digest that still matches, a cap over all sessions, reset gives the entries back', async (t) => {
  const { SessionStore, readState } = await import('../dist/session/session-store.js')
  const store = new SessionStore(10, 5)
  const [a, b] = [store.open('a'), store.open('b')]
  const long = `post:${'x'.repeat(2000)}`
  store.record(a, long, 'canceled')
  t.equal(readState(a, long), 'canceled', 'the long key matches itself')
  t.strictSame([...a.state.keys()], [`sha256:${createHash('sha256').update(long).digest('hex')}`])
  for (const key of ['a1', 'a2']) store.record(a, key, true)
  for (const key of ['b1', 'b2', 'b3']) store.record(b, key, true)
  t.equal(store.stateEntries, 5, 'at the cap')
  t.strictSame([[...a.state.keys()], [...b.state.keys()]], [['a1', 'a2'], ['b1', 'b2', 'b3']], 'the oldest entry of the least recently used session went first')
  store.record(b, 'b1', false)
  t.equal(store.stateEntries, 5, 'recording a key again adds nothing')
  store.resetState('a')
  t.equal(store.stateEntries, 3)
  store.delete('b')
  t.equal(store.stateEntries, 0, 'reset and delete give the entries back')
})

t.test('GET /__mock/sessions a page at a time: default first, then by id, with a Link to the next page', async (t) => {
  const app = await buildMock(t, { fixtures: false })
  for (const id of ['carol', 'alice', 'bob']) await app.inject({ method: 'PUT', url: `/__mock/sessions/${id}`, headers: { 'content-type': 'application/json' }, payload: '{}' })
  const ids = (res: { json: () => unknown }): string[] => (res.json() as Array<{ id: string }>).map(({ id }) => id)
  const first = await app.inject({ url: '/__mock/sessions?limit=2' })
  t.strictSame(ids(first), ['default', 'alice'])
  t.equal(first.headers.link, '</__mock/sessions?limit=2&after=alice>; rel="next"')
  await app.inject({ method: 'DELETE', url: '/__mock/sessions/alice' })
  const second = await app.inject({ url: '/__mock/sessions?limit=2&after=alice' })
  t.strictSame(ids(second), ['bob', 'carol'], 'after a session that is gone, still the next ones')
  t.equal(second.headers.link, undefined, 'the last page')
  t.strictSame(ids(await app.inject({ url: '/__mock/sessions' })), ['default', 'bob', 'carol'], '100 at a time by default')
  const bad = await app.inject({ url: '/__mock/sessions?limit=5000' })
  t.equal(bad.statusCode, 400)
  t.strictSame(bad.json(), { type: 'urn:understudy:error:bad-request', title: 'Bad request', status: 400, detail: "limit is a whole number from 1 to 1000, not '5000'." })
})
