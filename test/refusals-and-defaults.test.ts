import t from 'tap'
import { BEARER, buildMock } from './helpers.js'

const app = await buildMock(t)
const CANCEL = '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel'

t.test('the documented 400 and 401 answers name themselves in x-mock-scenario', async (t) => {
  const invalid = await app.inject({ method: 'POST', url: '/api/v1/posts/not-a-uuid/cancel', headers: BEARER })
  t.equal(invalid.statusCode, 400)
  t.equal(invalid.headers['x-mock-scenario'], 'invalidRequest')
  const anonymous = await app.inject({ method: 'POST', url: CANCEL })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.headers['x-mock-scenario'], 'unauthorized')
})

t.test('a query that is not valid percent-encoding is 400 bad-request', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/studio/api/1/services/api/1/publish/stop.json?site_id=%E0%A4%A', headers: BEARER })
  t.equal(res.statusCode, 400)
  const detail = "The query string cannot be decoded: '%E0%A4%A' is not valid percent-encoding."
  t.strictSame(res.json(), { type: 'urn:understudy:error:bad-request', title: 'Bad request', status: 400, detail })
  const fine = await app.inject({ method: 'POST', url: '/studio/api/1/services/api/1/publish/stop.json?site_id=caf%C3%A9', headers: BEARER })
  t.equal(fine.statusCode, 200)
})

t.test("/__mock/operations' default is what a header-less request gets: a `when: {}` fixture before the spec's default", async (t) => {
  const operations = (await app.inject({ url: '/__mock/operations' })).json() as Array<{ operationId: string, default: string }>
  t.strictSame(Object.fromEntries(operations.map(({ operationId, default: chosen }) => [operationId, chosen])), {
    cancelPublishRequests: 'ok',
    stopPublisher: 'ok',
    rejectWorkflowItems: 'rejected',
    cancelScheduledPost: 'scheduled',
    cancelMachineImagePublish: 'cancelled'
  })
  const headerless = await app.inject({ method: 'POST', url: CANCEL, headers: { ...BEARER, 'x-mock-session': 'defaults-test' } })
  t.equal(headerless.headers['x-mock-scenario'], 'scheduled')
})
