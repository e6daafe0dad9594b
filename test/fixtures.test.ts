import path from 'node:path'
import t, { type Test } from 'tap'
import { ERROR_CODES, UnderstudyError, buildMockServer, type ErrorCode, type MockServerOptions } from '../dist/index.js'
import { BEARER, SPECS, buildMock, testSpec } from './helpers.js'

const POSTMANTIS = path.join(SPECS, 'postmantis.yaml')
const UFORGE = path.join(SPECS, 'uforge.yaml')
const POST_ID = '497f6eca-6276-4993-bfeb-53cbbbba6f08'
const POST = `/api/v1/posts/${POST_ID}/cancel`
const PIMAGE = '/api/users/root/appliances/12/images/34/pimages/56/cancel'
const BASIC = { authorization: 'Basic ' + Buffer.from('root:secret').toString('base64') }
const EXAMPLES = ['canceled', 'invalidRequest', 'unauthorized', 'forbidden', 'notFound', 'conflict', 'rateLimited']
const CONFLICT = {
  type: 'https://postmantis.com/problems/conflict',
  title: 'Conflict',
  status: 409,
  detail: 'Resource is in a state that prevents this operation.',
  code: 'conflict'
}
const TRACE = { 'x-trace': 'beef' }

type Files = Record<string, string>
type Tree = NonNullable<Parameters<Test['testdir']>[0]>
const cancels = (files: Files): Tree => ({ postmantis: { cancelScheduledPost: files } })

/** Startup must fail with exactly `CODE file[#pointer]: <template>: <detail>`. */
async function fails (t: Test, options: MockServerOptions, code: ErrorCode, file: string, pointer: string | undefined, detail: string): Promise<void> {
  const error = await buildMockServer(options).then(async (app) => await app.close(), (caught: unknown) => caught)
  if (!(error instanceof UnderstudyError)) return void t.fail(`expected an UnderstudyError, got ${String(error)}`)
  t.equal(error.code, code)
  t.equal(error.file, file)
  t.equal(error.pointer, pointer)
  t.equal(error.format(), `${code} ${file}${pointer === undefined ? '' : `#${pointer}`}: ${ERROR_CODES[code]}: ${detail}`)
}

/** The same, for a fixtures folder made of `tree`; `file` is relative to it. */
async function refuses (t: Test, tree: Tree, specs: string[], code: ErrorCode, file: string, pointer: string | undefined, detail: string): Promise<void> {
  const fixtures = t.testdir(tree)
  await fails(t, { specs, fixtures }, code, path.join(fixtures, file), pointer, detail)
}

t.test('startup checks name the file, the pointer and the problem', async (t) => {
  const invalid = async (files: Files, file: string, pointer: string | undefined, detail: string): Promise<void> =>
    await refuses(t, cancels(files), [POSTMANTIS], 'UNDERSTUDY_FIXTURE_INVALID', `postmantis/cancelScheduledPost/${file}`, pointer, detail)
  await invalid({ 'teapot.yaml': 'status: 418' }, 'teapot.yaml', '/status',
    '418 is not documented for cancelScheduledPost (documented: 200, 400, 401, 403, 404, 409, 429)')
  await invalid({ 'odd.yaml': 'status: 200\nbody: {data: {id: ' + POST_ID + ', status: gone, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z", media: [], deliveries: []}}' },
    'odd.yaml', '/body/data/status', 'the body does not match the 200 application/json schema: /data/status must be equal to one of the allowed values: draft, pending, scheduled, completed, canceled')
  await invalid({ 'plainJson.yaml': 'status: 409\nmediaType: application/json' }, 'plainJson.yaml', '/mediaType',
    'application/json is not declared for 409 (declared: application/problem+json)')
  await invalid({ 'typed.yaml': 'status: 429\nheaders: {Content-Type: text/plain}' }, 'typed.yaml', '/headers/Content-Type', 'set the Content-Type with mediaType')
  await invalid({ 'bad.name.yaml': 'status: 200' }, 'bad.name.yaml', undefined, "'bad.name' is not a plain name (letters, digits, - and _, up to 128 characters)")
  await invalid({ '-x.yaml': 'status: 200' }, '-x.yaml', undefined, "'-x' is not a plain name (letters, digits, - and _, up to 128 characters)")
  await invalid({ 'broken.yaml': 'status: [200' }, 'broken.yaml', undefined,
    'Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 13')
  await invalid({ 'extra.yaml': 'status: 200\ncolour: red' }, 'extra.yaml', '', "must NOT have additional properties 'colour'")
  await invalid({ 'regex.yaml': 'status: 200\nwhen: {path: {postId: {regex: "(unclosed"}}}' }, 'regex.yaml', '/when/path/postId/regex',
    'Invalid regular expression: /(unclosed/u: Unterminated group')
  await invalid({ 'pointer.yaml': 'status: 200\nwhen: {body: {site_id: mysite}}' }, 'pointer.yaml', '/when/body/site_id', "'site_id' is not a JSON pointer (they start with /)")
  await invalid({ 'spaced.yaml': 'status: 429\nheaders: {"X Bad": y}' }, 'spaced.yaml', '/headers/X Bad', 'Header name must be a valid HTTP token ["X Bad"]')
  await invalid({ 'framed.yaml': 'status: 429\nheaders: {Content-Length: 3}' }, 'framed.yaml', '/headers/Content-Length', 'Content-Length is set by the server')
  await invalid({ 'typo.yaml': 'status: 409\nwhen: {path: {postID: x}}' }, 'typo.yaml', '/when/path/postID', "the path has no parameter 'postID' (it has postId)")
  await invalid({ 'misspelt.yaml': 'status: 409\nwhen: {query: {x: {equal: 5}}}' }, 'misspelt.yaml', '/when/query/x', "must NOT have additional properties 'equal'")
  await invalid({ 'keyed.yaml': 'status: 200\nstate: {key: "post:{paths.postId}", set: x}' }, 'keyed.yaml', '/state/key',
    "'post:{paths.postId}' has a placeholder that is not {path.x}, {query.x}, {headers.x}, {cookies.x} or {body/pointer}")
  await refuses(t, { uforge: { cancelMachineImagePublish: { 'gone.yaml': 'status: 204\nbody: {message: bye}' } } }, [UFORGE],
    'UNDERSTUDY_FIXTURE_INVALID', 'uforge/cancelMachineImagePublish/gone.yaml', '/body', 'the 204 response of cancelMachineImagePublish has no content')
  await refuses(t, cancels({ 'conflict.yaml': 'status: 409' }), [POSTMANTIS], 'UNDERSTUDY_SCENARIO_DUPLICATE',
    'postmantis/cancelScheduledPost/conflict.yaml', undefined, "'conflict' is also the name of the example of 409 in cancelScheduledPost")
  await refuses(t, { postmantis: { deletePost: { 'gone.yaml': 'status: 200' } } }, [POSTMANTIS], 'UNDERSTUDY_FIXTURE_INVALID',
    'postmantis/deletePost', undefined, "postmantis has no operation 'deletePost' (it has cancelScheduledPost)")
  await refuses(t, { sets: { 'calm.yaml': 'scenarios: {cancelScheduledPost: nope}' } }, [POSTMANTIS], 'UNDERSTUDY_SCENARIO_SET_INVALID',
    'sets/calm.yaml', '/scenarios/cancelScheduledPost', `cancelScheduledPost has no scenario 'nope' (it has ${EXAMPLES.join(', ')})`)
})

t.test('an explicit fixtures folder must exist', async (t) => {
  const missing = path.join(t.testdir({}), 'nowhere')
  await fails(t, { specs: [POSTMANTIS], fixtures: missing }, 'UNDERSTUDY_FIXTURES_NOT_FOUND', missing, undefined, missing)
})

t.test('lenient: each bad fixture is a warning and is skipped, the good ones load', async (t) => {
  const fixtures = t.testdir({
    postmantis: { cancelScheduledPost: { 'teapot.yaml': 'status: 418', 'bad.name.yaml': 'status: 200', 'stale.yaml': 'status: 409' }, deletePost: {} },
    sets: { 'calm.yaml': 'scenarios: {cancelScheduledPost: nope}' },
    uforge: { cancelMachineImagePublish: { 'gone.yaml': 'status: 204' } }
  })
  const app = await buildMock(t, { specs: [POSTMANTIS], fixtures, lenient: true })
  const at = (file: string): string => path.join(fixtures, file)
  const invalid = ERROR_CODES.UNDERSTUDY_FIXTURE_INVALID
  t.strictSame(app.understudy.warnings, [
    `UNDERSTUDY_FIXTURE_INVALID ${at('postmantis/cancelScheduledPost/bad.name.yaml')}: ${invalid}: 'bad.name' is not a plain name (letters, digits, - and _, up to 128 characters)`,
    `UNDERSTUDY_FIXTURE_INVALID ${at('postmantis/deletePost')}: ${invalid}: postmantis has no operation 'deletePost' (it has cancelScheduledPost)`,
    `${at('uforge')}: no loaded spec is named 'uforge'; its fixtures are not used`,
    `UNDERSTUDY_FIXTURE_INVALID ${at('postmantis/cancelScheduledPost/teapot.yaml')}#/status: ${invalid}: 418 is not documented for cancelScheduledPost (documented: 200, 400, 401, 403, 404, 409, 429)`,
    `UNDERSTUDY_SCENARIO_SET_INVALID ${at('sets/calm.yaml')}#/scenarios/cancelScheduledPost: ${ERROR_CODES.UNDERSTUDY_SCENARIO_SET_INVALID}: ` +
      `cancelScheduledPost has no scenario 'nope' (it has ${[...EXAMPLES, 'stale'].join(', ')})`
  ])
  const stale = await app.inject({ method: 'POST', url: POST, headers: { ...BEARER, 'x-mock-scenario': 'stale' } })
  t.equal(stale.statusCode, 409)
  t.equal(stale.headers['x-mock-scenario'], 'stale')
  const teapot = await app.inject({ method: 'POST', url: POST, headers: { ...BEARER, 'x-mock-scenario': 'teapot' } })
  t.equal(teapot.statusCode, 404, 'the skipped fixture is not a scenario')
  t.strictSame((await app.inject({ url: '/__mock/scenario-sets' })).json(), [])
})

const SLOW_DOWN = { type: 'https://postmantis.com/problems/rate-limited', title: 'Slow down', status: 429, detail: 'Wait a minute.', code: 'rateLimited' }
const AUTO_ID = '00000000-0000-0000-0000-000000000001'
const served = t.testdir({
  postmantis: {
    cancelScheduledPost: {
      'busy.yaml': `description: Throttled hard.\nstatus: 429\nheaders: {X-RateLimit-Remaining: 0}\nbody: ${JSON.stringify(SLOW_DOWN)}`,
      'stale.yml': 'status: 409',
      'auto.yaml': `status: 404\nwhen: {path: {postId: ${AUTO_ID}}}`,
      'picked.json': '{"status": 403}'
    }
  },
  uforge: {
    cancelMachineImagePublish: {
      'progress.yaml': 'status: 200\nbody: {uri: users/root/status, percentage: 10, cancelled: false, message: "Still <running> & going"}',
      'jsonOnly.yaml': 'status: 200\nmediaType: application/json\nbody: {message: JSON only}'
    }
  }
})
const app = await buildMock(t, { specs: [POSTMANTIS, UFORGE], fixtures: served })
const cancel = async (headers: Record<string, string> = {}, url = POST) =>
  await app.inject({ method: 'POST', url, headers: { ...BEARER, ...headers } })

t.test('a valid fixture is listed and answers by name', async (t) => {
  const operations = (await app.inject({ url: '/__mock/operations' })).json() as Array<{ operationId: string }>
  const fixture = (file: string, status: number, extra: object = {}): object => ({
    name: path.parse(file).name, status, source: 'fixture', file: `postmantis/cancelScheduledPost/${file}`, ...extra, automatic: false
  })
  const examples = [200, 400, 401, 403, 404, 409, 429].map((status, i) => ({ name: EXAMPLES[i], status, source: 'example' }))
  t.strictSame(operations.find(({ operationId }) => operationId === 'cancelScheduledPost'), {
    spec: 'postmantis',
    operationId: 'cancelScheduledPost',
    method: 'POST',
    path: '/api/v1/posts/{postId}/cancel',
    default: 'canceled',
    scenarios: [
      ...examples,
      { ...fixture('auto.yaml', 404), automatic: true },
      fixture('busy.yaml', 429, { description: 'Throttled hard.' }),
      fixture('picked.json', 403),
      fixture('stale.yml', 409)
    ]
  })

  const busy = await cancel({ 'x-mock-scenario': 'busy' })
  t.equal(busy.statusCode, 429)
  t.equal(busy.headers['content-type'], 'application/problem+json')
  t.equal(busy.headers['x-mock-scenario'], 'busy')
  t.equal(busy.headers['x-ratelimit-remaining'], '0', 'the fixture\'s header')
  t.equal(busy.headers['retry-after'], '60', 'and the documented one')
  t.strictSame(busy.json(), SLOW_DOWN)
  const stale = await cancel({ 'x-mock-scenario': 'stale' })
  t.equal(stale.statusCode, 409)
  t.equal(stale.headers['x-mock-scenario'], 'stale')
  t.strictSame(stale.json(), CONFLICT, 'no body: the documented response\'s default body')
})

t.test('UForge: a fixture body is served as XML and JSON unless mediaType narrows it', async (t) => {
  const pimage = async (scenario: string, accept?: string) =>
    await app.inject({ method: 'DELETE', url: PIMAGE, headers: { ...BASIC, 'x-mock-scenario': scenario, ...(accept === undefined ? {} : { accept }) } })
  const xml = await pimage('progress', 'application/xml')
  t.equal(xml.statusCode, 200)
  t.equal(xml.headers['content-type'], 'application/xml')
  t.equal(xml.body, '<?xml version="1.0" encoding="UTF-8"?><ns0:status xmlns:ns0="http://www.usharesoft.com/uforge"><uri>users/root/status</uri>' +
    '<percentage>10</percentage><cancelled>false</cancelled><message>Still &lt;running&gt; &amp; going</message></ns0:status>')
  const json = await pimage('progress', 'application/json')
  t.equal(json.headers['content-type'], 'application/json')
  t.strictSame(json.json(), { uri: 'users/root/status', percentage: 10, cancelled: false, message: 'Still <running> & going' })
  const narrowed = await pimage('jsonOnly')
  t.equal(narrowed.statusCode, 200)
  t.equal(narrowed.headers['content-type'], 'application/json', 'no Accept: the only media type left, not UForge\'s XML')
  t.strictSame(narrowed.json(), { message: 'JSON only' })
  const refused = await pimage('jsonOnly', 'application/xml')
  t.equal(refused.statusCode, 406)
  t.strictSame(refused.json(), {
    type: 'urn:understudy:error:not-acceptable',
    title: 'Not acceptable',
    status: 406,
    detail: 'This response is available as application/json, not as application/xml',
    available: ['application/json']
  })
})

t.test('when: each operator on each part of the request; the first match in name order answers', async (t) => {
  const found = (name: string, when: string): string => `status: 200\nbody: {q: ${name}}\nwhen: ${when}`
  const ordered = (id: number, when: string): string => `status: 201\nbody: {id: ${id}}\nwhen: ${when}`
  const fixtures = t.testdir({
    plain: {
      search: {
        'cookieDark.yaml': found('cookieDark', '{query: {q: cookie}, cookies: {theme: dark}}'),
        'headerRegex.yaml': found('headerRegex', '{query: {q: header}, headers: {X-Trace: {regex: "^dea"}}}'),
        'limitSeven.yaml': found('limitSeven', '{query: {q: limit, limit: 7}}'),
        'oneOfColour.yaml': found('oneOfColour', '{query: {q: {oneOf: [red, green]}}}'),
        'present.yaml': found('present', '{query: {q: flag}, headers: {x-flag: {present: true}}}'),
        'absent.yaml': found('absent', '{query: {q: {equals: nolimit}, limit: {absent: true}}}'),
        'tagsContain.yaml': found('tagsContain', '{query: {q: tags, label: {contains: b}}}'),
        'alpha.yaml': found('alpha', '{query: {q: tie}}'),
        'Zulu.yaml': found('Zulu', '{query: {q: tie}}')
      },
      createOrder: {
        'bodySku.yaml': ordered(1, '{body: {/sku: {regex: "^X-"}}}'),
        'bodyNested.yaml': ordered(2, '{body: {/meta/kind: gift, /qty: 2}}'),
        'bodyTags.yaml': ordered(3, '{body: {/tags: {contains: b}}}'),
        'zzz.yaml': ordered(4, '{}')
      }
    },
    postmantis: { cancelScheduledPost: { 'pathRegex.yaml': 'status: 404\nwhen: {path: {postId: {regex: "^0{8}-"}}}' } }
  })
  const app = await buildMock(t, { specs: [testSpec('plain.yaml'), POSTMANTIS], fixtures })

  const searches: Array<[string, Record<string, string>, string]> = [
    ['q=cookie', { cookie: 'theme=dark' }, 'cookieDark'],
    ['q=cookie', { cookie: 'theme=light' }, 'found'],
    ['q=header', { 'x-trace': 'dead01' }, 'headerRegex'],
    ['q=header', {}, 'found'],
    ['q=limit&limit=7', {}, 'limitSeven'],
    ['q=limit&limit=8', {}, 'found'],
    ['q=green', {}, 'oneOfColour'],
    ['q=blue', {}, 'found'],
    ['q=flag', { 'x-flag': 'on' }, 'present'],
    ['q=flag', {}, 'found'],
    ['q=nolimit', {}, 'absent'],
    ['q=nolimit&limit=3', {}, 'found'],
    ['q=tags&label=a&label=b', {}, 'tagsContain'],
    ['q=tags&label=a&label=c', {}, 'found'],
    ['q=tie', {}, 'Zulu']
  ]
  for (const [query, headers, scenario] of searches) {
    const res = await app.inject({ url: `/v2/search?${query}`, headers: { ...TRACE, ...headers } })
    t.equal(res.statusCode, 200, query)
    t.equal(res.headers['x-mock-scenario'], scenario, `${query} ${JSON.stringify(headers)} → ${scenario}`)
    t.strictSame(res.json(), { q: scenario === 'found' ? 'hello' : scenario }, query)
  }

  const orders: Array<[object, string, number]> = [
    [{ sku: 'X-1' }, 'bodySku', 1],
    [{ sku: 'A', meta: { kind: 'gift' }, qty: 2 }, 'bodyNested', 2],
    [{ sku: 'A', meta: { kind: 'gift' }, qty: '2' }, 'zzz', 4],
    [{ sku: 'A', tags: ['a', 'b'] }, 'bodyTags', 3],
    [{ sku: 'A' }, 'zzz', 4]
  ]
  for (const [body, scenario, id] of orders) {
    const res = await app.inject({ method: 'POST', url: '/v2/orders', payload: body })
    t.equal(res.statusCode, 201)
    t.equal(res.headers['x-mock-scenario'], scenario, `${JSON.stringify(body)} → ${scenario}`)
    t.strictSame(res.json(), { id })
  }

  const zeros = await app.inject({ method: 'POST', url: '/api/v1/posts/00000000-0000-0000-0000-000000000777/cancel', headers: BEARER })
  const other = await app.inject({ method: 'POST', url: POST, headers: BEARER })
  t.equal(zeros.statusCode, 404)
  t.equal(zeros.headers['x-mock-scenario'], 'pathRegex')
  t.equal(other.statusCode, 200)
  t.equal(other.headers['x-mock-scenario'], 'canceled')
})

t.test('precedence: x-mock-scenario > Prefer > the session\'s choice > when > default', async (t) => {
  const auto = `/api/v1/posts/${AUTO_ID}/cancel`
  const step = async (headers: Record<string, string>, status: number, scenario: string, url = auto): Promise<void> => {
    const res = await cancel(headers, url)
    t.equal(res.statusCode, status, scenario)
    t.equal(res.headers['x-mock-scenario'], scenario)
  }
  await step({}, 200, 'canceled', POST)
  await step({}, 404, 'auto')
  const chosen = await app.inject({ method: 'PUT', url: '/__mock/sessions/walk', payload: { scenarios: { cancelScheduledPost: 'picked' } } })
  t.equal(chosen.statusCode, 200)
  t.strictSame(chosen.json(), { id: 'walk', set: null, scenarios: { cancelScheduledPost: 'picked' }, state: {} })
  const session = { 'x-mock-session': 'walk' }
  await step(session, 403, 'picked')
  await step({ ...session, prefer: 'code=409' }, 409, 'conflict')
  await step({ ...session, prefer: 'code=409', 'x-mock-scenario': 'busy' }, 429, 'busy')
  await step({}, 404, 'auto') // the default session made no choice
})

t.test('a scenario name is never a path', async (t) => {
  for (const name of ['../../package', '..%2F..%2Fpackage.json', '/etc/passwd']) {
    const res = await cancel({ 'x-mock-scenario': name })
    t.equal(res.statusCode, 404, name)
    t.equal(res.headers['content-type'], 'application/problem+json')
    const scenarios = [...EXAMPLES, 'auto', 'busy', 'picked', 'stale']
    t.strictSame(res.json(), {
      type: 'urn:understudy:error:unknown-scenario',
      title: 'Unknown scenario',
      status: 404,
      detail: `cancelScheduledPost has no scenario '${name}'. Known: ${scenarios.join(', ')}`,
      operationId: 'cancelScheduledPost',
      scenarios,
      sets: []
    })
  }
  const after = await cancel()
  t.equal(after.statusCode, 200, 'the server keeps answering')
  t.equal(after.headers['x-mock-scenario'], 'canceled')
})

t.test('inherited names are not request values: constructor is absent from a query and a body', async (t) => {
  const fixtures = t.testdir(cancels({
    'protoQuery.yaml': 'status: 409\nwhen: {query: {constructor: {present: true}}}',
    'protoBody.yaml': 'status: 404\nwhen: {body: {/constructor: {present: true}}}'
  }))
  const app = await buildMock(t, { specs: [POSTMANTIS], fixtures })
  // The cancel takes no body (415): with validation off, the body still reaches the matchers.
  const res = await app.inject({ method: 'POST', url: `${POST}?a=1`, headers: { ...BEARER, 'content-type': 'application/json', 'x-mock-validate': 'off' }, payload: '{"x":1}' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-mock-scenario'], 'canceled')
})
