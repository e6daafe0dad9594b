import t, { type Test } from 'tap'
import { BEARER, buildMock } from './helpers.js'

// The repo's own fixtures/ and sets/: the seeds answer like the real systems, with no header.
const app = await buildMock(t)
const CRAFTER = '/studio/api/1/services/api/1'
const CANCEL_REQUESTS = `${CRAFTER}/publish/cancel-publish-requests.json`
const STOP = `${CRAFTER}/publish/stop.json`
const REJECT = `${CRAFTER}/workflow/reject.json?site_id=mysite`
const BASIC = { authorization: 'Basic ' + Buffer.from('root:secret').toString('base64') }
const PACKAGE = '588d5441-9aa9-4fb7-9a51-8c9a80f4f1d5'
const NO_PACKAGE = '00000000-0000-0000-0000-000000000000'

const ok = { message: 'OK' }
const siteNotFound = { message: 'Site not found' }
const unauthorized = { message: 'Unauthorized' }
const internalError = { message: 'Internal server error. java.lang.NullPointerException' }
const rejected = { status: 200, message: 'Rejection has been sent. Item(s) have NOT been pushed live and have returned to draft state.', success: true }
const problem = (status: number, slug: string, title: string, detail: string, code: string): object =>
  ({ type: `https://postmantis.com/problems/${slug}`, title, status, detail, code })
const notFound = problem(404, 'not-found', 'Not found', 'Resource not found.', 'notFound')
const conflict = problem(409, 'conflict', 'Conflict', 'Resource is in a state that prevents this operation.', 'conflict')

type Headers = Record<string, string>
interface Reply { statusCode: number, headers: Record<string, unknown>, body: string, json: () => unknown }

/** Crafter: a POST, with a JSON body when one is given. */
const crafter = async (url: string, payload?: object, headers: Headers = {}): Promise<Reply> =>
  await app.inject({ method: 'POST', url, headers: { ...BEARER, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(payload === undefined ? {} : { payload }) })
const cancelPost = async (postId: string, headers: Headers = {}): Promise<Reply> =>
  await app.inject({ method: 'POST', url: `/api/v1/posts/${postId}/cancel`, headers: { ...BEARER, ...headers } })
/** The spec's `canceled` example, its id that of the post asked for (the `scheduled` fixture's body). */
async function canceledExample (postId: string): Promise<object> {
  const { data } = (await cancelPost(postId, { 'x-mock-scenario': 'canceled' })).json() as { data: object }
  return { data: { ...data, id: postId } }
}
const cancelPublish = async (pitid: string, headers: Headers = {}): Promise<Reply> =>
  await app.inject({ method: 'DELETE', url: `/api/users/root/appliances/12/images/34/pimages/${pitid}/cancel`, headers: { ...BASIC, ...headers } })
/** The spec's `cancelled` example (uforge.test.ts asserts it), its ids those asked for (the `whileRunning` fixture's body). */
async function runningExample (uid: string, aid: number, itid: number, pitid: number): Promise<object> {
  const example = (await cancelPublish('56', { accept: 'application/json', 'x-mock-scenario': 'cancelled' })).json() as object
  return { ...example, uri: `users/${uid}/appliances/${aid}/images/${itid}/pimages/${pitid}/status`, dbId: pitid }
}

/** Status, scenario, content type and the whole body: a string is compared as text, anything else as JSON. */
function answers (t: Test, res: Reply, status: number, scenario: string, body: unknown, contentType = 'application/json'): void {
  t.equal(res.statusCode, status, `${scenario}: status`)
  t.equal(res.headers['x-mock-scenario'], scenario, `${scenario}: x-mock-scenario`)
  t.equal(res.headers['content-type'], contentType, `${scenario}: content-type`)
  if (typeof body === 'string') t.equal(res.body, body, `${scenario}: body`)
  else t.strictSame(res.json(), body, `${scenario}: body`)
}

t.test('Crafter cancelPublishRequests: unknown site, unknown package, else OK', async (t) => {
  answers(t, await crafter(CANCEL_REQUESTS, { site_id: 'nosuch', package_ids: [PACKAGE] }), 404, 'nosuchSite', siteNotFound)
  answers(t, await crafter(CANCEL_REQUESTS, { site_id: 'mysite', package_ids: [PACKAGE, NO_PACKAGE] }), 404, 'unknownPackage', { message: 'Package ID not found' })
  answers(t, await crafter(CANCEL_REQUESTS, { site_id: 'mysite', package_ids: [PACKAGE] }), 200, 'ok', ok)
})

t.test('Crafter stopPublisher: site_id from the query, else the body', async (t) => {
  const missing = { message: 'Invalid parameter: site_id' }
  answers(t, await crafter(STOP), 400, 'noSiteId', missing)
  answers(t, await crafter(STOP, {}), 400, 'noSiteId', missing)
  answers(t, await crafter(`${STOP}?site_id=nosuch`), 404, 'nosuchSite', siteNotFound)
  answers(t, await crafter(STOP, { site_id: 'nosuch' }), 404, 'nosuchSiteInBody', siteNotFound)
  // The query wins over the body, both ways.
  answers(t, await crafter(`${STOP}?site_id=mysite`, { site_id: 'nosuch' }), 200, 'ok', ok)
  answers(t, await crafter(`${STOP}?site_id=nosuch`, { site_id: 'mysite' }), 404, 'nosuchSite', siteNotFound)
  answers(t, await crafter(STOP, { site_id: 'mysite' }), 200, 'ok', ok)
})

t.test('Crafter stopPublisher is idempotent: stopping twice in one session is 200 twice', async (t) => {
  for (let i = 0; i < 2; i++) answers(t, await crafter(`${STOP}?site_id=mysite`, undefined, { 'x-mock-session': 'stop-twice' }), 200, 'ok', ok)
})

t.test('Crafter rejectWorkflowItems: an empty items list is a business failure with HTTP 200', async (t) => {
  answers(t, await crafter(REJECT, { items: [] }), 200, 'emptyItems', { success: false, status: 500, message: 'No items provided for preparation.' })
  answers(t, await crafter(REJECT, { reason: 'No', items: ['/site/website/index.xml'] }), 200, 'rejected', rejected)
})

t.test('PostMantis: every documented post id answers its problem', async (t) => {
  const documented: Array<[string, string, object]> = [
    ['00000000-0000-0000-0000-000000000404', 'missingPost', notFound],
    ['00000000-0000-0000-0000-000000409001', 'draftPost', conflict],
    ['00000000-0000-0000-0000-000000409002', 'pendingPost', conflict],
    ['00000000-0000-0000-0000-000000409003', 'completedPost', conflict],
    ['00000000-0000-0000-0000-000000409004', 'canceledPost', conflict],
    ['00000000-0000-0000-0000-000000409005', 'publishedDelivery', conflict]
  ]
  for (const [postId, scenario, body] of documented) {
    // Twice: a refused cancel records nothing, so the answer does not change.
    for (let i = 0; i < 2; i++) answers(t, await cancelPost(postId), (body as { status: number }).status, scenario, body, 'application/problem+json')
  }
})

t.test('PostMantis: a fresh post cancels once; the session remembers it', async (t) => {
  const postId = '11111111-1111-4111-8111-000000000001'
  const session = { 'x-mock-session': 'pm-once' }
  const first = await cancelPost(postId, session)
  // The `canceled` example, with the id of the post asked for.
  answers(t, first, 200, 'scheduled', await canceledExample(postId))
  answers(t, await cancelPost(postId, session), 409, 'alreadyCanceled', conflict, 'application/problem+json')
  answers(t, await cancelPost(postId, session), 409, 'alreadyCanceled', conflict, 'application/problem+json')
  t.equal((await cancelPost(postId, { 'x-mock-session': 'pm-other' })).headers['x-mock-scenario'], 'scheduled', 'another session is unaffected')
  t.equal((await cancelPost('11111111-1111-4111-8111-000000000002', session)).headers['x-mock-scenario'], 'scheduled', 'another post is unaffected')
})

t.test('POST /__mock/reset?session=<id> clears that session only; POST /__mock/reset clears all', async (t) => {
  const postId = '11111111-1111-4111-8111-000000000003'
  const a = { 'x-mock-session': 'pm-reset-a' }
  const b = { 'x-mock-session': 'pm-reset-b' }
  const scenario = async (headers: Headers): Promise<unknown> => (await cancelPost(postId, headers)).headers['x-mock-scenario']
  for (const headers of [a, b, {}]) t.equal(await scenario(headers), 'scheduled')

  const one = await app.inject({ method: 'POST', url: '/__mock/reset?session=pm-reset-a' })
  t.equal(one.statusCode, 204)
  t.equal(one.body, '')
  t.equal(await scenario(a), 'scheduled', 'the reset session cancels again')
  t.equal(await scenario(b), 'alreadyCanceled', 'another session keeps its state')
  t.equal(await scenario({}), 'alreadyCanceled', 'the default session keeps its state')

  const all = await app.inject({ method: 'POST', url: '/__mock/reset' })
  t.equal(all.statusCode, 204)
  t.equal(all.body, '')
  for (const headers of [a, b, {}]) t.equal(await scenario(headers), 'scheduled', 'every session starts over')
})

t.test('a cancel refused with 406 records nothing; resetting an unknown session is 404', async (t) => {
  const postId = '11111111-1111-4111-8111-000000000406'
  const session = { 'x-mock-session': 'pm-406' }
  const refused = await cancelPost(postId, { ...session, accept: 'text/csv' })
  t.equal(refused.statusCode, 406)
  t.equal(refused.headers['x-mock-scenario'], undefined)
  answers(t, await cancelPost(postId, session), 200, 'scheduled', await canceledExample(postId))
  const reset = await app.inject({ method: 'POST', url: '/__mock/reset?session=nobody-here' })
  t.equal(reset.statusCode, 404)
  t.strictSame(reset.json(), { type: 'urn:understudy:error:not-found', title: 'Not found', status: 404, detail: "No session 'nobody-here' to reset." })
})

t.test('UForge: publish 404 is unknown, 409 already finished, in JSON and (by default) XML', async (t) => {
  const xml = (status: number, message: string, messageId: string, pitid: string): string =>
    '<?xml version="1.0" encoding="UTF-8"?><ns0:uforgeError xmlns:ns0="http://www.usharesoft.com/uforge">' +
    `<localizedErrorMsg><message>${message}</message><messageId>${messageId}</messageId><parameters>${pitid}</parameters></localizedErrorMsg>` +
    `<requestMethod>DELETE</requestMethod><requestUri>/api/users/root/appliances/12/images/34/pimages/${pitid}/cancel</requestUri>` +
    `<statusCode>${status}</statusCode><timestamp>1793610965000</timestamp></ns0:uforgeError>`
  const json = (status: number, message: string, messageId: string, pitid: string): object => ({
    localizedErrorMsg: { message, messageId, parameters: [pitid] },
    requestMethod: 'DELETE',
    requestUri: `/api/users/root/appliances/12/images/34/pimages/${pitid}/cancel`,
    statusCode: status,
    timestamp: 1793610965000
  })
  const cases: Array<[string, number, string, string, string]> = [
    ['404', 404, 'unknownPublish', 'Publish image 404 not found', 'error.publishImageNotFound'],
    ['409', 409, 'finishedPublish', 'Publish image 409 is already complete and cannot be cancelled', 'error.publishImageAlreadyComplete']
  ]
  for (const [pitid, status, scenario, message, messageId] of cases) {
    answers(t, await cancelPublish(pitid), status, scenario, xml(status, message, messageId, pitid), 'application/xml')
    answers(t, await cancelPublish(pitid, { accept: 'application/json' }), status, scenario, json(status, message, messageId, pitid))
  }
  // Any other publish cancels: the `cancelled` example, with the ids asked for.
  answers(t, await cancelPublish('56', { accept: 'application/json' }), 200, 'whileRunning', await runningExample('root', 12, 34, 56))
  const other = await app.inject({ method: 'DELETE', url: '/api/users/bob/appliances/7/images/8/pimages/99/cancel', headers: { ...BASIC, accept: 'application/json' } })
  answers(t, other, 200, 'whileRunning', await runningExample('bob', 7, 8, 99))
  const unknown = await app.inject({ method: 'DELETE', url: '/api/users/bob/appliances/7/images/8/pimages/404/cancel', headers: { ...BASIC, accept: 'application/json' } })
  answers(t, unknown, 404, 'unknownPublish', { ...json(404, 'Publish image 404 not found', 'error.publishImageNotFound', '404'), requestUri: '/api/users/bob/appliances/7/images/8/pimages/404/cancel' })
})

t.test('x-mock-scenario: publisher-down fails the publisher calls; an operation outside the set carries on', async (t) => {
  const down = { 'x-mock-scenario': 'publisher-down' }
  answers(t, await crafter(`${STOP}?site_id=mysite`, undefined, down), 500, 'internalError', internalError)
  answers(t, await crafter(CANCEL_REQUESTS, { site_id: 'mysite', package_ids: [PACKAGE] }, down), 500, 'internalError', internalError)
  answers(t, await crafter(REJECT, { items: ['/site/website/index.xml'] }, down), 200, 'rejected', rejected)
  answers(t, await crafter(REJECT, { items: [] }, down), 200, 'emptyItems', { success: false, status: 500, message: 'No items provided for preparation.' })
})

t.test('x-mock-scenario: logged-out answers 401 on all five operations', async (t) => {
  const out = { 'x-mock-scenario': 'logged-out' }
  answers(t, await crafter(CANCEL_REQUESTS, { site_id: 'mysite', package_ids: [PACKAGE] }, out), 401, 'unauthorized', unauthorized)
  answers(t, await crafter(`${STOP}?site_id=mysite`, undefined, out), 401, 'unauthorized', unauthorized)
  answers(t, await crafter(REJECT, { items: ['/site/website/index.xml'] }, out), 401, 'unauthorized', unauthorized)
  answers(t, await cancelPost('11111111-1111-4111-8111-000000000004', out), 401, 'unauthorized',
    problem(401, 'unauthorized', 'Unauthorized', 'Authentication required.', 'unauthorized'), 'application/problem+json')
  answers(t, await cancelPublish('56', out), 401, 'unauthorized',
    '<?xml version="1.0" encoding="UTF-8"?><ns0:uforgeError xmlns:ns0="http://www.usharesoft.com/uforge">' +
    '<localizedErrorMsg><message>Authentication required</message><messageId>error.unauthorized</messageId></localizedErrorMsg>' +
    '<requestMethod>DELETE</requestMethod><requestUri>/api/users/root/appliances/12/images/34/pimages/56/cancel</requestUri>' +
    '<statusCode>401</statusCode><timestamp>1793610965000</timestamp></ns0:uforgeError>', 'application/xml')
})

t.test('GET /__mock/scenario-sets lists the shipped sets', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/__mock/scenario-sets' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  // Relative to the fixtures folder, which tests give as an absolute path.
  const file = (name: string): string => `sets/${name}.yaml`
  t.strictSame(res.json(), [
    {
      name: 'logged-out',
      description: "The user's session or key has expired; every API answers 401.",
      file: file('logged-out'),
      scenarios: {
        cancelPublishRequests: 'unauthorized',
        stopPublisher: 'unauthorized',
        rejectWorkflowItems: 'unauthorized',
        cancelMachineImagePublish: 'unauthorized',
        cancelScheduledPost: 'unauthorized'
      }
    },
    {
      name: 'publisher-down',
      description: "Crafter's publisher has crashed; publishing calls fail with 500.",
      file: file('publisher-down'),
      scenarios: { stopPublisher: 'internalError', cancelPublishRequests: 'internalError' }
    },
    {
      name: 'rate-limited',
      description: 'PostMantis is throttling this key.',
      file: file('rate-limited'),
      scenarios: { cancelScheduledPost: 'rateLimited' }
    }
  ])
})

t.test("/__mock/operations' default is what a header-less request gets: a `when: {}` fixture before the spec's default", async (t) => {
  const operations = (await app.inject({ url: '/__mock/operations' })).json() as Array<{ operationId: string, default: string }>
  t.strictSame(Object.fromEntries(operations.map(({ operationId, default: chosen }) => [operationId, chosen])), {
    cancelPublishRequests: 'ok',
    stopPublisher: 'ok',
    rejectWorkflowItems: 'rejected',
    cancelScheduledPost: 'scheduled',
    cancelMachineImagePublish: 'whileRunning'
  })
  const headerless = await cancelPost('497f6eca-6276-4993-bfeb-53cbbbba6f08', { 'x-mock-session': 'defaults-test' })
  t.equal(headerless.headers['x-mock-scenario'], 'scheduled')
})
