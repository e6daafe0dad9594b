import { cp, readFile, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import t, { type Test } from 'tap'
import { watchMockServer, type ReloadEvent, type WatchedMockServer } from '../dist/server/watch-mock-server.js'
import { ROOT, runCli } from './helpers.js'
import { appOrigin, launchBrowser, noBrowser, textOf } from './browser.js'

// `serve --watch`: specs, fixtures and sets reload on change, atomically, over the same sessions.

const TEMPLATE = path.join(ROOT, 'templates/init')
const MISSING = 'fixtures/todos/getTodo/missing.yaml'

/** The init template's spec and fixtures in a folder of the test's own, served watched. */
async function watched (t: Test): Promise<{ dir: string, mock: WatchedMockServer, edit: (file: string, text: string) => Promise<ReloadEvent> }> {
  const dir = t.testdir({})
  await cp(TEMPLATE, dir, { recursive: true })
  const events: ReloadEvent[] = []
  let waiting: ((event: ReloadEvent) => void) | undefined
  const mock = await watchMockServer({
    specs: [path.join(dir, 'specs')],
    fixtures: path.join(dir, 'fixtures'),
    onReload: (event) => { if (waiting === undefined) events.push(event); else waiting(event) }
  })
  t.teardown(async () => await mock.close())
  /** Writes the file (removes it for an empty text) and resolves with the reload it causes. */
  const edit = async (file: string, text: string): Promise<ReloadEvent> => {
    const reloaded = new Promise<ReloadEvent>((resolve) => { waiting = (event) => { waiting = undefined; resolve(event) } })
    if (text === '') await rm(path.join(dir, file))
    else await writeFile(path.join(dir, file), text)
    return await reloaded
  }
  return { dir, mock, edit }
}

const HEADERLESS = { method: 'GET', url: '/api/todos/404' } as const

t.test('an edited fixture is served on the next request, the health saying when it was loaded', async (t) => {
  const { dir, mock, edit } = await watched(t)
  const before = await mock.current.inject(HEADERLESS)
  t.equal(before.statusCode, 404)
  t.strictSame(before.json(), { message: 'No such todo' })
  const loadedAt = (await mock.current.inject({ url: '/__mock/health' })).json().loadedAt

  const event = await edit(MISSING, 'status: 404\nwhen: { path: { id: 404 } }\nbody: { message: Gone for good }\n')
  t.equal(event.ok, true)
  t.strictSame(event.changed, [path.relative(process.cwd(), path.join(dir, MISSING))], 'the file that changed')
  const after = await mock.current.inject(HEADERLESS)
  t.equal(after.statusCode, 404)
  t.strictSame(after.json(), { message: 'Gone for good' })
  const health = (await mock.current.inject({ url: '/__mock/health' })).json()
  t.strictSame(Object.keys(health), ['status', 'specs', 'operations', 'loadedAt'])
  t.ok(Date.parse(health.loadedAt) > Date.parse(loadedAt), 'a later version')
})

t.test('a broken edit: one line naming the file, and the old version keeps serving', async (t) => {
  const { dir, mock, edit } = await watched(t)
  const event = await edit(MISSING, 'status: 404\nwhen: { path: { id: 404 } }\nbody: { message: 7 }\n')
  t.equal(event.ok, false)
  if (event.ok) return
  t.equal((event.error as Error & { format: () => string }).format(),
    `UNDERSTUDY_FIXTURE_INVALID ${path.join(dir, MISSING)}#/body/message: The fixture is invalid: the body does not match the 404 application/json schema: /message must be string`)
  t.strictSame((await mock.current.inject(HEADERLESS)).json(), { message: 'No such todo' }, 'still the version before')
  const broken = await edit('specs/todos.yaml', 'openapi: 3.1.0\npaths: [\n')
  t.equal(broken.ok, false)
  t.strictSame((await mock.current.inject(HEADERLESS)).json(), { message: 'No such todo' })
  const mended = await edit('specs/todos.yaml', await readFile(path.join(TEMPLATE, 'specs/todos.yaml'), 'utf8'))
  t.equal(mended.ok, false, 'the spec mended, the fixture is still broken: still the old version')
  const fixed = await edit(MISSING, 'status: 404\nwhen: { path: { id: 404 } }\nbody: { message: Mended }\n')
  t.equal(fixed.ok, true)
  t.strictSame((await mock.current.inject(HEADERLESS)).json(), { message: 'Mended' })
})

t.test('sessions keep their choices where the scenarios still exist, and their state; the journal goes on', async (t) => {
  const { mock, edit } = await watched(t)
  const put = await mock.current.inject({ method: 'PUT', url: '/__mock/sessions/alice', payload: { set: 'empty', scenarios: { getTodo: 'missing' } } })
  t.equal(put.statusCode, 200)
  await mock.current.inject({ url: '/api/todos/1', headers: { 'x-mock-session': 'alice' } })
  const [first] = mock.understudy.requests({ limit: 1 })

  const renamed = await edit(MISSING, '')
  t.equal(renamed.ok, true)
  if (!renamed.ok) return
  t.strictSame(renamed.dropped, [{ session: 'alice', what: 'getTodo', name: 'missing' }], 'the fixture is gone: so is its choice')
  const alice = (await mock.current.inject({ url: '/__mock/sessions/alice' })).json()
  t.strictSame({ set: alice.set, scenarios: alice.scenarios }, { set: 'empty', scenarios: {} }, 'the set is still there: still chosen')
  const list = await mock.current.inject({ url: '/api/todos', headers: { 'x-mock-session': 'alice' } })
  t.strictSame(list.json(), [], "the set's scenario, answered by the new version")
  const [latest] = mock.understudy.requests({ limit: 1 })
  t.equal(latest!.id, first!.id + 1, 'one journal over the versions')

  const gone = await edit('fixtures/sets/empty.yaml', '')
  t.equal(gone.ok, true)
  if (gone.ok) t.strictSame(gone.dropped, [{ session: 'alice', what: 'set', name: 'empty' }])
})

t.test('a request answered by the old version is not cut off by a reload', async (t) => {
  const { mock, edit } = await watched(t)
  await mock.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(mock.server.address() as AddressInfo).port}`
  const slow = fetch(`${url}/api/todos/404`, { headers: { 'x-mock-delay': '600' } })
  await new Promise((resolve) => setTimeout(resolve, 50))
  const event = await edit(MISSING, 'status: 404\nwhen: { path: { id: 404 } }\nbody: { message: Gone for good }\n')
  t.equal(event.ok, true)
  const answered = await slow
  t.equal(answered.status, 404)
  t.strictSame(await answered.json(), { message: 'No such todo' }, 'the version it arrived at')
  t.strictSame(await (await fetch(`${url}/api/todos/404`)).json(), { message: 'Gone for good' }, 'the next one: the new version')
})

t.test('serve --watch says it watches, prints each reload and why one did not happen', async (t) => {
  const dir = t.testdir({})
  await cp(TEMPLATE, dir, { recursive: true })
  let output = ''
  const write = (text: string): void => { output += text }
  const code = runCli(['serve', '--watch', '--port', '0'], dir, write)
  const until = async (text: string): Promise<void> => { while (!output.includes(text)) await new Promise((resolve) => setTimeout(resolve, 20)) }
  await until('a change reloads them\n')
  const address = /on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(output)![1]
  await writeFile(path.join(dir, MISSING), 'status: 404\nwhen: { path: { id: 404 } }\nbody: { message: Gone for good }\n')
  await until('1 scenario set\n')
  t.match(output, /\nunderstudy: reloaded \(fixtures\/todos\/getTodo\/missing\.yaml\) at \d\d:\d\d:\d\d: 3 operations from 1 spec, 1 fixture, 1 scenario set\n$/)
  await writeFile(path.join(dir, MISSING), 'status: 404\nwhen: { path: { id: 404 } }\nbody: { message: 7 }\n')
  await until('still serving')
  t.match(output, /\nunderstudy: not reloaded \(fixtures\/todos\/getTodo\/missing\.yaml\): UNDERSTUDY_FIXTURE_INVALID fixtures\/todos\/getTodo\/missing\.yaml#\/body\/message: .+; still serving what was loaded at \d\d:\d\d:\d\d\n$/)
  t.strictSame(await (await fetch(`${address}/api/todos/404`)).json(), { message: 'Gone for good' })
  await fetch(`${address}/__mock/stop`, { method: 'POST' })
  t.equal((await code).code, 0)
})

t.test('in Chromium: the app sees an edited fixture without a restart, and the panel the new scenario', { skip: noBrowser() }, async (t) => {
  const { mock, edit } = await watched(t)
  await mock.listen({ port: 0, host: '127.0.0.1' })
  const mockUrl = `http://localhost:${(mock.server.address() as AddressInfo).port}`
  const site = await appOrigin(t)
  const browser = await launchBrowser(t)
  const app = await browser.newPage()
  await app.goto(site)
  const todo = async (): Promise<unknown> => await app.evaluate(async (url) => await (await fetch(url)).json(), `${mockUrl}/api/todos/404`)
  t.strictSame(await todo(), { message: 'No such todo' })
  await edit(MISSING, 'status: 404\nwhen: { path: { id: 404 } }\nbody: { message: Gone for good }\n')
  t.strictSame(await todo(), { message: 'Gone for good' }, 'the edit, answered')

  const panel = await browser.newPage()
  await panel.goto(`${mockUrl}/__mock/`)
  await panel.waitForSelector('body[data-ready="true"]')
  await edit('fixtures/todos/getTodo/archived.yaml', 'description: An archived todo\nstatus: 200\nbody: { id: 9, title: Archived, done: true }\n')
  await panel.waitForSelector('details[data-operation="getTodo"] input[value="archived"]', { timeout: 10_000 })
  t.match(await textOf(panel, '#status'), /^Specs, fixtures and sets reloaded at \d\d:\d\d:\d\d\.\d{3}\.$/, 'the panel says so')
})
