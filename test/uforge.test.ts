import t from 'tap'
import { buildMock } from './helpers.js'

const app = await buildMock(t)
const url = '/api/users/root/appliances/12/images/34/pimages/56/cancel'
const BASIC = { authorization: 'Basic ' + Buffer.from('root:secret').toString('base64') }
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
const NS = 'xmlns:ns0="http://www.usharesoft.com/uforge"'

const cancelledJson = {
  uri: 'users/root/appliances/12/images/34/pimages/56/status',
  dbId: 56,
  created: '2026-11-02T09:14:05Z',
  lastModified: '2026-11-02T09:16:41Z',
  percentage: 40,
  cancelled: true,
  complete: false,
  error: false,
  published: false,
  message: 'Publish cancelled'
}
const cancelledXml = `${DECLARATION}<ns0:status ${NS}><uri>users/root/appliances/12/images/34/pimages/56/status</uri><dbId>56</dbId>` +
  '<created>2026-11-02T09:14:05Z</created><lastModified>2026-11-02T09:16:41Z</lastModified><percentage>40</percentage>' +
  '<cancelled>true</cancelled><complete>false</complete><error>false</error><published>false</published>' +
  '<message>Publish cancelled</message></ns0:status>'

const errors = {
  badRequest: [400, "Bad request: the id 'abc' is not a number", 'error.badRequest', ['abc']],
  unauthorized: [401, 'Authentication required', 'error.unauthorized', []],
  forbidden: [403, 'User root does not have the entitlement image_publish', 'error.entitlementMissing', ['root', 'image_publish']],
  notFound: [404, 'Publish image 56 not found', 'error.publishImageNotFound', ['56']],
  alreadyFinished: [409, 'Publish image 56 is already complete and cannot be cancelled', 'error.publishImageAlreadyComplete', ['56']],
  unsupportedMediaType: [415, 'Unsupported media type text/plain', 'error.unsupportedMediaType', ['text/plain']],
  internalError: [500, 'Internal server error', 'error.internal', []],
  badGateway: [502, 'The target environment did not answer', 'error.badGateway', []],
  serviceUnavailable: [503, 'Service temporarily unavailable', 'error.serviceUnavailable', []]
} as const

function errorJson ([status, message, messageId, parameters]: readonly [number, string, string, readonly string[]]): object {
  return {
    localizedErrorMsg: { message, messageId, ...(parameters.length > 0 ? { parameters } : {}) },
    requestMethod: 'DELETE',
    requestUri: '/api/users/root/appliances/12/images/34/pimages/56/cancel',
    statusCode: status,
    timestamp: 1793610965000
  }
}

function errorXml ([status, message, messageId, parameters]: readonly [number, string, string, readonly string[]]): string {
  const escaped = message.replace(/'/g, '&apos;')
  return `${DECLARATION}<ns0:uforgeError ${NS}><localizedErrorMsg><message>${escaped}</message><messageId>${messageId}</messageId>` +
    parameters.map((p) => `<parameters>${p}</parameters>`).join('') +
    '</localizedErrorMsg><requestMethod>DELETE</requestMethod><requestUri>/api/users/root/appliances/12/images/34/pimages/56/cancel</requestUri>' +
    `<statusCode>${status}</statusCode><timestamp>1793610965000</timestamp></ns0:uforgeError>`
}

t.test('no Accept header: XML, as UForge answers by default', async (t) => {
  const res = await app.inject({ method: 'DELETE', url, headers: BASIC })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/xml')
  t.equal(res.body, cancelledXml)
})

t.test('Accept chooses JSON or XML', async (t) => {
  const json = await app.inject({ method: 'DELETE', url, headers: { ...BASIC, accept: 'application/json' } })
  t.equal(json.statusCode, 200)
  t.equal(json.headers['content-type'], 'application/json')
  t.strictSame(json.json(), cancelledJson)
  const xml = await app.inject({ method: 'DELETE', url, headers: { ...BASIC, accept: 'application/json;q=0.5, application/xml' } })
  t.equal(xml.headers['content-type'], 'application/xml')
  t.equal(xml.body, cancelledXml)
  const any = await app.inject({ method: 'DELETE', url, headers: { ...BASIC, accept: '*/*' } })
  t.equal(any.headers['content-type'], 'application/xml')
})

t.test('an unsupported Accept is 406', async (t) => {
  const res = await app.inject({ method: 'DELETE', url, headers: { ...BASIC, accept: 'text/csv' } })
  t.equal(res.statusCode, 406)
  t.strictSame(res.json(), {
    type: 'urn:understudy:error:not-acceptable',
    title: 'Not acceptable',
    status: 406,
    detail: 'This response is available as application/xml, application/json, not as text/csv',
    available: ['application/xml', 'application/json']
  })
})

t.test('204 is documented too: no body', async (t) => {
  const res = await app.inject({ method: 'DELETE', url, headers: { ...BASIC, 'x-mock-scenario': '204' } })
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.equal(res.headers['content-type'], undefined)
})

t.test('every documented error in XML and in JSON', async (t) => {
  for (const [name, error] of Object.entries(errors)) {
    const xml = await app.inject({ method: 'DELETE', url, headers: { ...BASIC, 'x-mock-scenario': name } })
    t.equal(xml.statusCode, error[0], name)
    t.equal(xml.headers['content-type'], 'application/xml', name)
    t.equal(xml.body, errorXml(error), name)
    const json = await app.inject({ method: 'DELETE', url, headers: { ...BASIC, accept: 'application/json', 'x-mock-scenario': name } })
    t.equal(json.statusCode, error[0], name)
    t.equal(json.headers['content-type'], 'application/json', name)
    t.strictSame(json.json(), errorJson(error), name)
  }
})

t.test('credentials: HTTP Basic, or apiKey + signature in the query', async (t) => {
  const keyed = await app.inject({ method: 'DELETE', url: `${url}?apiKey=pub&signature=c2ln`, headers: { accept: 'application/json' } })
  t.equal(keyed.statusCode, 200)
  t.strictSame(keyed.json(), cancelledJson)
  for (const [request, why] of [
    [{ url }, 'none'],
    [{ url: `${url}?apiKey=pub` }, 'apiKey without signature'],
    [{ url, headers: { authorization: 'Basic ' + Buffer.from('nocolon').toString('base64') } }, 'Basic without a password separator'],
    [{ url, headers: { authorization: 'Bearer x' } }, 'another scheme']
  ] as const) {
    const res = await app.inject({ method: 'DELETE', ...request })
    t.equal(res.statusCode, 401, why)
    t.equal(res.body, errorXml(errors.unauthorized), why)
  }
})

t.test('ids that are not 64-bit integers: the documented 400 with violations', async (t) => {
  const res = await app.inject({ method: 'DELETE', url: '/api/users/root/appliances/x/images/34/pimages/-1/cancel', headers: { ...BASIC, accept: 'application/json' } })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json(), errorJson(errors.badRequest))
  t.strictSame(JSON.parse(String(res.headers['x-mock-violations'])), [
    { in: 'path', path: '/aid', message: 'must be integer' },
    { in: 'path', path: '/pitid', message: 'must be >= 0' }
  ])
})

t.test('another method on the cancel path is 405', async (t) => {
  const res = await app.inject({ method: 'POST', url, headers: BASIC })
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'DELETE')
})
