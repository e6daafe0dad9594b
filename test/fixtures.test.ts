import path from 'node:path'
import t from 'tap'
import { ERROR_CODES, UnderstudyError, buildMockServer, type ErrorCode, type MockServerOptions } from '../src/index.js'
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
type Tap = typeof t
const cancels = (files: Files): object => ({ postmantis: { cancelScheduledPost: files } })

/** Startup must fail with exactly `CODE file[#pointer]: <template>: <detail>`. */
async function fails (t: Tap, options: MockServerOptions, code: ErrorCode, file: string, pointer: string | undefined, detail: string): Promise<void> {
  const error = await buildMockServer(options).then(async (app) => await app.close(), (caught: unknown) => caught)
  if (!(error instanceof UnderstudyError)) return void t.fail(`expected an UnderstudyError, got ${String(error)}`)
  t.equal(error.code, code)
  t.equal(error.file, file)
  t.equal(error.pointer, pointer)
  t.equal(error.format(), `${code} ${file}${pointer === undefined ? '' : `#${pointer}`}: ${ERROR_CODES[code]}: ${detail}`)
}

/** The same, for a fixtures folder made of `tree`; `file` is relative to it. */
async function refuses (t: Tap, tree: object, specs: string[], code: ErrorCode, file: string, pointer: string | undefined, detail: string): Promise<void> {
  const fixtures = t.testdir(tree)
  await fails(t, { specs, fixtures }, code, path.join(fixtures, file), pointer, detail)
}

t.test('startup checks name the file, the pointer and the problem', async (t) => {
  const invalid = async (files: Files, file: string, pointer: string | undefined, detail: string, specs = [POSTMANTIS]): Promise<void> =>
    await refuses(t, cancels(files), specs, 'UNDERSTUDY_FIXTURE_INVALID', `postmantis/cancelScheduledPost/${file}`, pointer, detail)
  await invalid({ 'teapot.yaml': 'status: 418' }, 'teapot.yaml', '/status',
    '418 is not documented for cancelScheduledPost (documented: 200, 400, 401, 403, 404, 409, 429)')
  await invalid({ 'odd.yaml': 'status: 200\nbody: {data: {id: ' + POST_ID + ', status: gone, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z", media: [], deliveries: []}}' },
    'odd.yaml', '/body/data/status', 'the body does not match the 200 application/json schema: /data/status must be equal to one of the allowed values: draft, pending, scheduled, completed, canceled')
  await invalid({ 'plainJson.yaml': 'status: 409\nmediaType: application/json' }, 'plainJson.yaml', '/mediaType',
    'application/json is not declared for 409 (declared: application/problem+json)')
  await invalid({ 'typed.yaml': 'status: 429\nheaders: {Content-Type: text/plain}' }, 'typed.yaml', '/headers/Content-Type', 'set the Content-Type with mediaType')
  await invalid({ 'bad.name.yaml': 'status: 200' }, 'bad.name.yaml', undefined, "'bad.name' is not a plain name (letters, digits, - and _, up to 128)")
  await invalid({ '-x.yaml': 'status: 200' }, '-x.yaml', undefined, "'-x' is not a plain name (letters, digits, - and _, up to 128)")
  await invalid({ 'broken.yaml': 'status: [200' }, 'broken.yaml', undefined,
    'Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 13')
  await invalid({ 'extra.yaml': 'status: 200\ncolour: red' }, 'extra.yaml', '', "must NOT have additional properties 'colour'")
  await invalid({ 'regex.yaml': 'status: 200\nwhen: {path: {postId: {regex: "(unclosed"}}}' }, 'regex.yaml', '/when/path/postId/regex',
    'Invalid regular expression: /(unclosed/u: Unterminated group')
  await invalid({ 'pointer.yaml': 'status: 200\nwhen: {body: {site_id: mysite}}' }, 'pointer.yaml', '/when/body/site_id', "'site_id' is not a JSON pointer (they start with /)")
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
    `UNDERSTUDY_FIXTURE_INVALID ${at('postmantis/cancelScheduledPost/bad.name.yaml')}: ${invalid}: 'bad.name' is not a plain name (letters, digits, - and _, up to 128)`,
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
      'stale.yaml': 'status: 409',
      'auto.yaml': `status: 404\nwhen: {path: {postId: ${AUTO_ID}}}`,
      'picked.yaml': 'status: 403'
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
  const operations = (await app.inject({ url: '/__mock/operations' })).json()
  t.strictSame(operations, [])
  const busy = await cancel({ 'x-mock-scenario': 'busy' })
  t.equal(busy.statusCode, 429)
  t.strictSame(busy.headers, {})
  t.strictSame(busy.json(), SLOW_DOWN)
  const stale = await cancel({ 'x-mock-scenario': 'stale' })
  t.equal(stale.statusCode, 409)
  t.strictSame(stale.json(), CONFLICT)
})

t.test('UForge: a fixture body is served as XML and JSON unless mediaType narrows it', async (t) => {
  const pimage = async (scenario: string, accept?: string) =>
    await app.inject({ method: 'DELETE', url: PIMAGE, headers: { ...BASIC, 'x-mock-scenario': scenario, ...(accept === undefined ? {} : { accept }) } })
  const xml = await pimage('progress', 'application/xml')
  t.equal(xml.headers['content-type'], 'application/xml')
  t.equal(xml.body, '')
  const json = await pimage('progress', 'application/json')
  t.equal(json.headers['content-type'], 'application/json')
  t.strictSame(json.json(), {})
  const narrowed = await pimage('jsonOnly')
  t.equal(narrowed.headers['content-type'], 'application/json')
  t.strictSame(narrowed.json(), { message: 'JSON only' })
  const refused = await pimage('jsonOnly', 'application/xml')
  t.equal(refused.statusCode, 406)
  t.strictSame(refused.json(), {})
})
