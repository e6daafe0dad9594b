import t from 'tap'
import YAML from 'yaml'
import { readFile } from 'node:fs/promises'
import { buildMockServer } from '../dist/index.js'
import { buildMock, ROOT, SPECS, testSpec } from './helpers.js'

// The specs alone: what fixtures add is tested in fixtures.test.ts.
const app = await buildMock(t, { fixtures: false })
const POST_ID = '497f6eca-6276-4993-bfeb-53cbbbba6f08'

t.test('/__mock/health', async (t) => {
  const res = await app.inject({ url: '/__mock/health' })
  t.equal(res.statusCode, 200)
  t.strictSame(res.json(), { status: 'ok', specs: 3, operations: 5, loadedAt: app.understudy.loadedAt.toISOString() })
})

t.test('/__mock/operations lists every operation as mounted, with its scenarios', async (t) => {
  const res = await app.inject({ url: '/__mock/operations' })
  t.equal(res.statusCode, 200)
  const crafterErrors = (extra: Array<[string, number]>): Array<{ name: string, status: number, source: string }> =>
    extra.map(([name, status]) => ({ name, status, source: 'example' }))
  t.strictSame(res.json(), [
    {
      spec: 'crafter-studio',
      operationId: 'cancelPublishRequests',
      method: 'POST',
      path: '/studio/api/1/services/api/1/publish/cancel-publish-requests.json',
      default: 'ok',
      scenarios: crafterErrors([['ok', 200], ['invalidParameters', 400], ['badRequest', 400], ['unauthorized', 401], ['forbidden', 403], ['siteNotFound', 404], ['packageNotFound', 404], ['internalError', 500]])
    },
    {
      spec: 'crafter-studio',
      operationId: 'stopPublisher',
      method: 'POST',
      path: '/studio/api/1/services/api/1/publish/stop.json',
      default: 'ok',
      scenarios: crafterErrors([['ok', 200], ['invalidParameters', 400], ['missingSiteId', 400], ['badRequest', 400], ['unauthorized', 401], ['forbidden', 403], ['siteNotFound', 404], ['internalError', 500]])
    },
    {
      spec: 'crafter-studio',
      operationId: 'rejectWorkflowItems',
      method: 'POST',
      path: '/studio/api/1/services/api/1/workflow/reject.json',
      default: 'rejected',
      scenarios: crafterErrors([['rejected', 200], ['noItems', 200], ['missingSiteId', 400], ['missingItems', 400], ['badRequest', 400], ['unauthorized', 401]])
    },
    {
      spec: 'postmantis',
      operationId: 'cancelScheduledPost',
      method: 'POST',
      path: '/api/v1/posts/{postId}/cancel',
      default: 'canceled',
      scenarios: crafterErrors([['canceled', 200], ['invalidRequest', 400], ['unauthorized', 401], ['forbidden', 403], ['notFound', 404], ['conflict', 409], ['rateLimited', 429]])
    },
    {
      spec: 'uforge',
      operationId: 'cancelMachineImagePublish',
      method: 'DELETE',
      path: '/api/users/{uid}/appliances/{aid}/images/{itid}/pimages/{pitid}/cancel',
      default: 'cancelled',
      scenarios: [
        { name: 'cancelled', status: 200, source: 'example' },
        { name: '204', status: 204, source: 'status' },
        ...crafterErrors([['badRequest', 400], ['unauthorized', 401], ['forbidden', 403], ['notFound', 404], ['alreadyFinished', 409], ['unsupportedMediaType', 415], ['internalError', 500], ['badGateway', 502], ['serviceUnavailable', 503]])
      ]
    }
  ])
})

t.test('/__mock/specs lists the documents; /__mock/specs/<name> serves one as JSON', async (t) => {
  const list = await app.inject({ url: '/__mock/specs' })
  t.strictSame(list.json(), [
    { name: 'crafter-studio', title: 'Crafter CMS Studio API v1 (publishing and workflow)', version: '4.0', openapi: '3.1.0', mount: '/studio', url: '/__mock/specs/crafter-studio' },
    { name: 'postmantis', title: 'PostMantis API v1 (posts)', version: '1.0', openapi: '3.1.0', mount: '/', url: '/__mock/specs/postmantis' },
    { name: 'uforge', title: 'UForge API (machine image publish)', version: '3.8', openapi: '3.1.0', mount: '/api', url: '/__mock/specs/uforge' }
  ])
  const res = await app.inject({ url: '/__mock/specs/postmantis' })
  t.equal(res.statusCode, 200)
  t.strictSame(res.json(), YAML.parse(await readFile(`${SPECS}/postmantis.yaml`, 'utf8')), 'the document as written (one file, no external refs)')
  const missing = await app.inject({ url: '/__mock/specs/..%2Fpackage' })
  t.equal(missing.statusCode, 404)
  t.strictSame(missing.json(), {
    type: 'urn:understudy:error:not-found',
    title: 'Not found',
    status: 404,
    detail: "No spec named '../package'. Known: crafter-studio, postmantis, uforge"
  })
})

t.test('/__mock/docs serves Swagger UI over every spec, its assets from memory with an ETag', async (t) => {
  for (const url of ['/__mock/docs', '/__mock/docs/']) {
    const page = await app.inject({ url })
    t.equal(page.statusCode, 200, url)
    t.equal(page.headers['content-type'], 'text/html; charset=utf-8')
    t.match(page.body, '<script src="/__mock/docs/static/swagger-ui-bundle.js" charset="UTF-8"></script>')
    t.match(page.body, '<script src="/__mock/docs/static/swagger-initializer.js" charset="UTF-8"></script>')
  }
  const init = await app.inject({ url: '/__mock/docs/static/swagger-initializer.js' })
  t.equal(init.statusCode, 200)
  t.equal(init.headers['content-type'], 'text/javascript; charset=utf-8')
  t.match(init.body, '{"urls":[{"name":"crafter-studio","url":"/__mock/docs/specs/crafter-studio"},{"name":"postmantis","url":"/__mock/docs/specs/postmantis"},{"name":"uforge","url":"/__mock/docs/specs/uforge"}],"urls.primaryName":"crafter-studio"', 'each spec from its docs copy')

  const bundle = await app.inject({ url: '/__mock/docs/static/swagger-ui-bundle.js' })
  t.equal(bundle.statusCode, 200)
  t.equal(bundle.headers['content-type'], 'text/javascript; charset=utf-8')
  t.equal(bundle.headers['cache-control'], 'no-cache')
  t.ok(bundle.rawPayload.equals(await readFile(`${ROOT}/node_modules/swagger-ui-dist/swagger-ui-bundle.js`)), 'the file swagger-ui-dist ships')
  const etag = bundle.headers.etag as string
  t.match(etag, /^"[\w-]{27}"$/)
  const again = await app.inject({ url: '/__mock/docs/static/swagger-ui-bundle.js', headers: { 'if-none-match': etag } })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
  const css = await app.inject({ url: '/__mock/docs/static/swagger-ui.css' })
  t.equal(css.headers['content-type'], 'text/css; charset=utf-8')

  for (const file of ['swagger-ui.js.map', '..%2Fpackage.json', 'package.json', 'toString']) {
    const res = await app.inject({ url: `/__mock/docs/static/${file}` })
    t.equal(res.statusCode, 404, file)
    t.strictSame(res.json(), {
      type: 'urn:understudy:error:not-found',
      title: 'Not found',
      status: 404,
      detail: `No docs asset named '${decodeURIComponent(file)}'.`
    })
  }
})

t.test('/__mock/docs/json and /yaml are the first spec, as @fastify/swagger holds it', async (t) => {
  const written = YAML.parse(await readFile(`${SPECS}/crafter-studio.yaml`, 'utf8'))
  const json = await app.inject({ url: '/__mock/docs/json' })
  t.equal(json.statusCode, 200)
  t.strictSame(json.json(), written)
  const yaml = await app.inject({ url: '/__mock/docs/yaml' })
  t.equal(yaml.headers['content-type'], 'application/x-yaml')
  t.strictSame(YAML.parse(yaml.body), written)
})

t.test('CORS: a browser on another origin may call the mock and read its headers', async (t) => {
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel',
    headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-mock-scenario' }
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], 'http://localhost:5173')
  t.equal(preflight.headers['access-control-allow-headers'], 'authorization,x-mock-scenario')
  t.equal(preflight.headers['access-control-max-age'], '600', 'a preflight is cached for 10 minutes')
  const res = await app.inject({ method: 'POST', url: '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel', headers: { origin: 'http://localhost:5173', authorization: 'Bearer k' } })
  t.equal(res.headers['access-control-allow-origin'], 'http://localhost:5173')
  t.equal(res.headers['access-control-expose-headers'], 'x-mock-scenario, x-mock-violations, x-mock-response-violations, retry-after',
    "the mock's headers and every documented response header (PostMantis's Retry-After)")
})

t.test('the docs copy of a spec: the mock first among the servers wherever servers are named, a scenario header on every operation; the loaded document unchanged', async (t) => {
  const spec = testSpec('docs-servers.yaml')
  // Lazy: asking for the copy compiles the spec's operations, for their scenarios.
  const docs = await buildMockServer({ specs: [spec], fixtures: false, compile: 'lazy' })
  t.teardown(async () => await docs.close())
  const written = YAML.parse(await readFile(spec, 'utf8'))
  const mock = { url: '/v2', description: 'understudy: this mock' }
  const res = await docs.inject({ url: '/__mock/docs/specs/docs-servers' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.strictSame(res.json(), {
    ...written,
    servers: [mock, ...written.servers],
    paths: {
      '/things': {
        ...written.paths['/things'],
        servers: [mock, ...written.paths['/things'].servers],
        get: {
          ...written.paths['/things'].get,
          parameters: [{
            name: 'x-mock-scenario',
            in: 'header',
            required: false,
            description: "understudy: the scenario to answer with; none, the default (`some`).\n\n- `some`: 200, the spec's example (the default)\n- `none`: 200, the spec's example",
            schema: { type: 'string', enum: ['some', 'none'] }
          }]
        }
      },
      '/things/{id}': {
        get: { ...written.paths['/things/{id}'].get, servers: [mock, ...written.paths['/things/{id}'].get.servers] }
      }
    }
  }, 'an operation that declares the header itself keeps its own')
  t.strictSame((await docs.inject({ url: '/__mock/specs/docs-servers' })).json(), written, '/__mock/specs/<name> is the document as loaded')
  const missing = await docs.inject({ url: '/__mock/docs/specs/nope' })
  t.equal(missing.statusCode, 404)
  t.strictSame(missing.json(), { type: 'urn:understudy:error:not-found', title: 'Not found', status: 404, detail: "No spec named 'nope'. Known: docs-servers" })
})

t.test('the request journal: what the app sent and what it got, newest first, credentials redacted', async (t) => {
  const mock = await buildMockServer({ specs: [SPECS], fixtures: false, journalSize: 4 })
  t.teardown(async () => await mock.close())
  const cancel = `/api/v1/posts/${POST_ID}/cancel`
  const crafter = '/studio/api/1/services/api/1/publish/cancel-publish-requests.json'
  await mock.inject({ method: 'POST', url: cancel, headers: { authorization: 'Bearer secret', 'x-mock-session': 'alice', 'x-mock-scenario': 'rateLimited' } })
  await mock.inject({
    method: 'POST',
    url: crafter,
    headers: { 'content-type': 'application/json', cookie: 'JSESSIONID=s3cret; XSRF-TOKEN=t', 'x-xsrf-token': 't' },
    payload: JSON.stringify({ site_id: 'mysite', package_ids: ['x'.repeat(5000)] })
  })
  await mock.inject({ url: '/__mock/health' })
  const listed = await mock.inject({ url: '/__mock/requests' })
  t.equal(listed.statusCode, 200)
  const [second, first] = listed.json() as Array<Record<string, any>>
  for (const entry of [first!, second!]) {
    t.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    t.type(entry.durationMs, 'number')
    delete entry.time
    delete entry.durationMs
  }
  t.strictSame(listed.json().length, 2, '/__mock calls are not journalled')
  t.strictSame(first, {
    id: 1,
    session: 'alice',
    method: 'POST',
    url: cancel,
    operationId: 'cancelScheduledPost',
    scenario: 'rateLimited',
    status: 429,
    headers: { authorization: '(redacted)', 'x-mock-session': 'alice', 'x-mock-scenario': 'rateLimited', 'user-agent': 'lightMyRequest', host: 'localhost:80' },
    body: null,
    bodyTruncated: false,
    violations: [],
    responseViolations: []
  })
  t.strictSame(second, {
    id: 2,
    session: 'default',
    method: 'POST',
    url: crafter,
    operationId: 'cancelPublishRequests',
    scenario: 'invalidParameters',
    status: 400,
    headers: { 'content-type': 'application/json', cookie: '(redacted)', 'x-xsrf-token': '(redacted)', 'user-agent': 'lightMyRequest', host: 'localhost:80', 'content-length': '5039' },
    body: JSON.stringify({ site_id: 'mysite', package_ids: ['x'.repeat(5000)] }).slice(0, 4096),
    bodyTruncated: true,
    violations: [{ in: 'body', path: '/package_ids/0', message: 'must match format "uuid"' }],
    responseViolations: []
  }, 'a cookie and the apiKey header the spec names are credentials; the body is cut at 4 KB')
})

t.test('the journal: filtered by session and operation, paged with limit and after, bounded, cleared', async (t) => {
  const mock = await buildMockServer({ specs: [SPECS], fixtures: false, journalSize: 3 })
  t.teardown(async () => await mock.close())
  const send = async (session: string, url: string): Promise<void> => { await mock.inject({ method: 'POST', url, headers: { authorization: 'Bearer k', 'x-mock-session': session } }) }
  const cancel = `/api/v1/posts/${POST_ID}/cancel`
  await send('a', cancel)
  await send('b', cancel)
  await send('a', '/nowhere')
  await send('a', cancel)
  const ids = async (query: string): Promise<unknown> => (await mock.inject({ url: `/__mock/requests${query}` })).json().map(({ id }: { id: number }) => id)
  t.strictSame(await ids(''), [4, 3, 2], 'the ring keeps the last 3')
  t.strictSame(await ids('?session=a'), [4, 3])
  t.strictSame(await ids('?operationId=cancelScheduledPost'), [4, 2])
  t.strictSame(await ids('?limit=1'), [4])
  t.strictSame(await ids('?after=2'), [4, 3], 'what came since entry 2')
  t.strictSame(mock.understudy.requests({ session: 'b' }).map(({ id }) => id), [2], 'the same from the library')
  for (const [query, detail] of [['?limit=0', "limit must be a whole number from 1 to 3, not '0'."], ['?after=-1', "after must be a whole number from 0 to 9007199254740991, not '-1'."], ['?operationId=a&operationId=b', 'operationId may be given once.']]) {
    const bad = await mock.inject({ url: `/__mock/requests${query!}` })
    t.equal(bad.statusCode, 400, query)
    t.strictSame(bad.json(), { type: 'urn:understudy:error:bad-request', title: 'Bad request', status: 400, detail })
  }
  const cleared = await mock.inject({ method: 'DELETE', url: '/__mock/requests' })
  t.equal(cleared.statusCode, 204)
  t.strictSame(await ids(''), [])
  await send('a', cancel)
  t.strictSame(await ids(''), [5], 'ids go on')

  const none = await buildMockServer({ specs: [SPECS], fixtures: false, journalSize: 0 })
  t.teardown(async () => await none.close())
  await none.inject({ method: 'POST', url: cancel })
  t.strictSame((await none.inject({ url: '/__mock/requests' })).json(), [], 'journalSize 0 keeps none')
})

t.test('a request no operation matches is journalled with its near misses', async (t) => {
  const mock = await buildMockServer({ specs: [SPECS], fixtures: false })
  t.teardown(async () => await mock.close())
  const cancel = { method: 'POST', path: '/api/v1/posts/{postId}/cancel', operationId: 'cancelScheduledPost' }
  const cases = [
    ['GET', `/api/v1/posts/${POST_ID}/cancel`, [{ reason: 'method', ...cancel }], 405],
    ['POST', `/api/v1/post/${POST_ID}/cancel?x=1`, [{ reason: 'segment', ...cancel }], 404],
    ['POST', '/api/1/services/api/1/publish/cancel-publish-requests.json', [{ reason: 'base-path', method: 'POST', path: '/studio/api/1/services/api/1/publish/cancel-publish-requests.json', operationId: 'cancelPublishRequests' }], 404],
    ['GET', '/nowhere/at/all', [], 404]
  ] as const
  for (const [method, url, nearMisses, status] of cases) {
    const res = await mock.inject({ method, url })
    t.equal(res.statusCode, status, `${method} ${url}`)
    const [entry] = mock.understudy.requests({ limit: 1 })
    t.strictSame({ operationId: entry!.operationId, status: entry!.status, nearMisses: entry!.nearMisses }, { operationId: null, status, nearMisses }, `${method} ${url}`)
  }
  const preflight = await mock.inject({ method: 'OPTIONS', url: `/api/v1/posts/${POST_ID}/cancel`, headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' } })
  t.equal(preflight.statusCode, 204)
  t.equal(mock.understudy.requests({}).length, cases.length, "a browser's CORS preflight is not journalled: the app did not send it")
})
