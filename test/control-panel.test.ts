import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import type { Page } from 'puppeteer-core'
import t from 'tap'
import understudy from '../dist/server/mock-plugin.js'
import { BEARER, ROOT, buildMock } from './helpers.js'
import { appOrigin, launchBrowser, noBrowser, textOf } from './browser.js'

// The control panel at /__mock/: served by the mock, then used as a newcomer would, in Chromium.

const POST = '497f6eca-6276-4993-bfeb-53cbbbba6f08'

t.test('the panel is a page of its own files, at /__mock/', async (t) => {
  const app = await buildMock(t)
  const page = await app.inject({ url: '/__mock/' })
  t.equal(page.statusCode, 200)
  t.equal(page.headers['content-type'], 'text/html; charset=utf-8')
  t.match(page.body, '<script src="panel/panel.js" defer></script>', 'its URLs are relative to it')
  t.match(page.body, '<link rel="stylesheet" href="panel/panel.css">')

  const bare = await app.inject({ url: '/__mock' })
  t.equal(bare.statusCode, 302, 'without the slash, the relative URLs would miss: redirected')
  t.equal(bare.headers.location, '/__mock/')

  const script = await app.inject({ url: '/__mock/panel/panel.js' })
  t.equal(script.statusCode, 200)
  t.equal(script.headers['content-type'], 'text/javascript; charset=utf-8')
  t.equal(script.headers['cache-control'], 'no-cache')
  const etag = script.headers.etag as string
  t.match(etag, /^"[\w-]{27}"$/)
  const again = await app.inject({ url: '/__mock/panel/panel.js', headers: { 'if-none-match': etag } })
  t.equal(again.statusCode, 304, 'unchanged: not sent again')
  t.equal(again.body, '')
  t.equal((await app.inject({ url: '/__mock/panel/panel.css' })).headers['content-type'], 'text/css; charset=utf-8')

  for (const file of ['index.html.bak', '..%2F..%2Fpackage.json', 'panel.js%00']) {
    const missing = await app.inject({ url: `/__mock/panel/${file}` })
    t.equal(missing.statusCode, 404, file)
    t.strictSame(missing.json(), {
      type: 'urn:understudy:error:not-found', title: 'Not found', status: 404, detail: `No panel file named '${decodeURIComponent(file)}'.`
    })
  }
})

t.test('under a plugin prefix the panel is found under it too', async (t) => {
  const host = Fastify()
  t.teardown(() => host.close())
  await host.register(understudy, { prefix: '/mock', specs: [`${ROOT}templates/init/specs/todos.yaml`], fixtures: false })
  const bare = await host.inject({ url: '/mock/__mock' })
  t.equal(bare.statusCode, 302)
  t.equal(bare.headers.location, '/mock/__mock/')
  t.equal((await host.inject({ url: '/mock/__mock/' })).statusCode, 200)
  t.equal((await host.inject({ url: '/mock/__mock/panel/panel.js' })).statusCode, 200)
})

t.test('in Chromium: a newcomer drives the app from the panel', { skip: noBrowser() }, async (t) => {
  const mock = await buildMock(t)
  await mock.listen({ port: 0, host: '127.0.0.1' })
  // As the README says to: the panel and the app on the same host name (the cookie follows it).
  const mockUrl = `http://localhost:${(mock.server.address() as AddressInfo).port}`
  const site = await appOrigin(t)
  const browser = await launchBrowser(t)
  const panel = await browser.newPage()
  await panel.goto(`${mockUrl}/__mock/`)
  await panel.waitForSelector('body[data-ready="true"]')
  t.equal(await textOf(panel, '#status'), '', 'loaded without a problem')
  const app = await browser.newPage()
  await app.goto(site)

  /** What the team's app does: cancel a post, with its credentials and the mock's cookie. */
  const cancel = async (): Promise<{ status: number, body: unknown }> => await app.evaluate(async (url) => {
    const response = await fetch(url, { method: 'POST', credentials: 'include', headers: { authorization: 'Bearer app-token' } })
    return { status: response.status, body: await response.json() }
  }, `${mockUrl}/api/v1/posts/${POST}/cancel`)
  /** The panel's request rows, newest first, once there are `count`. */
  const rows = async (count: number): Promise<string[][]> => {
    // The developer switches back to the panel's tab (a hidden page does not poll).
    await panel.bringToFront()
    await panel.waitForFunction((n) => document.querySelectorAll('#journal tbody tr.entry:not([hidden])').length === n, { timeout: 10_000 }, count)
    return await panel.$$eval('#journal tbody tr.entry:not([hidden])', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent ?? '')))
  }
  const chosen = async (page: Page, operationId: string): Promise<string> => await textOf(page, `details[data-operation="${operationId}"] .chosen`)

  t.test('the panel lists every spec and operation with its scenarios, the default marked', async (t) => {
    t.strictSame(await panel.$$eval('#specs h3', (titles) => titles.map((title) => title.textContent)), [
      'Crafter CMS Studio API v1 (publishing and workflow) 4.0 /studio docs',
      'PostMantis API v1 (posts) 1.0 / docs',
      'UForge API (machine image publish) 3.8 /api docs'
    ])
    t.equal(await panel.$eval('#specs h3 a', (link) => link.getAttribute('href')), 'docs/?urls.primaryName=crafter-studio', 'a link to its docs')
    t.equal(await chosen(panel, 'cancelScheduledPost'), '→ automatic')
    const rateLimited = await panel.$eval('details[data-operation="cancelScheduledPost"] input[value="rateLimited"]', (input) => input.parentElement!.textContent)
    t.match(rateLimited, /^rateLimited 429 example/)
    const scheduled = await panel.$eval('details[data-operation="cancelScheduledPost"] input[value="scheduled"]', (input) => input.parentElement!.textContent)
    t.equal(scheduled, 'scheduled 200 fixture default when Any other post is scheduled with pending deliveries: the cancel succeeds, answering the post asked for, and the session remembers it, so the next cancel of the same post answers alreadyCanceled (409).', 'the default, marked, described')
    t.strictSame(await panel.$$eval('#sets input', (inputs) => inputs.map((input) => (input as HTMLInputElement).value)), ['', 'logged-out', 'publisher-down', 'rate-limited'])
  })

  t.test('"logged out" in two clicks: the set, then the app answers 401 and its request shows up', async (t) => {
    t.equal((await cancel()).status, 200, 'before: the app is logged in')
    t.strictSame((await rows(1))[0]!.slice(0, 5), ['default', `POST /api/v1/posts/${POST}/cancel`, 'cancelScheduledPost', 'scheduled', '200'])
    await panel.click('#sets input[value="logged-out"]')
    await panel.waitForFunction(() => document.querySelector('details[data-operation="cancelScheduledPost"] .chosen')?.textContent === '→ unauthorized (set logged-out)', { timeout: 10_000 })
    const answer = await cancel()
    t.equal(answer.status, 401)
    t.strictSame(answer.body, {
      type: 'https://postmantis.com/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'Authentication required.', code: 'unauthorized'
    })
    const [latest] = await rows(2)
    t.strictSame(latest!.slice(0, 5), ['default', `POST /api/v1/posts/${POST}/cancel`, 'cancelScheduledPost', 'unauthorized', '401'], 'the request, live in the panel')
    await panel.click('#journal tbody tr.entry')
    const detail = JSON.parse(await textOf(panel, '#journal tbody tr.detail:not([hidden]) pre'))
    t.equal(detail.headers.authorization, '(redacted)', 'its headers, credentials redacted')
    await panel.click('#sets input[value=""]')
    await panel.waitForFunction(() => document.querySelector('details[data-operation="cancelScheduledPost"] .chosen')?.textContent === '→ automatic', { timeout: 10_000 })
  })

  t.test('a named session made on the page: the cookie carries the app into it, a scenario per operation, reset', async (t) => {
    await panel.type('#new-session-name', 'alice')
    await panel.click('#new-session button[type="submit"]')
    await panel.waitForFunction(() => (document.getElementById('session-select') as HTMLSelectElement).value === 'alice', { timeout: 10_000 })
    t.match(await textOf(panel, '#cookie-note'), 'localhost and 127.0.0.1 are different hosts', 'the host name rule, said plainly')
    t.strictSame((await cancel()).status, 200, 'the post canceled in alice')
    t.strictSame((await cancel()).body, {
      type: 'https://postmantis.com/problems/conflict', title: 'Conflict', status: 409, detail: 'Resource is in a state that prevents this operation.', code: 'conflict'
    }, "alice's state: canceled already")
    t.strictSame((await rows(4)).slice(0, 2).map((row) => row.slice(0, 5)), [
      ['alice', `POST /api/v1/posts/${POST}/cancel`, 'cancelScheduledPost', 'alreadyCanceled', '409'],
      ['alice', `POST /api/v1/posts/${POST}/cancel`, 'cancelScheduledPost', 'scheduled', '200']
    ], "the app's requests, in alice")
    await panel.click('#journal-mine')
    t.equal((await rows(2)).length, 2, 'this session only: alice\'s')

    await panel.click('#reset-state')
    await panel.waitForFunction(() => document.getElementById('status')?.textContent === 'State of alice reset.', { timeout: 10_000 })
    t.equal((await cancel()).status, 200, 'after the reset the post can be canceled again')

    await panel.click('details[data-operation="cancelScheduledPost"] summary')
    await panel.click('details[data-operation="cancelScheduledPost"] input[value="rateLimited"]')
    await panel.waitForFunction(() => document.querySelector('details[data-operation="cancelScheduledPost"] .chosen')?.textContent === '→ rateLimited', { timeout: 10_000 })
    t.equal((await cancel()).status, 429, 'the scenario clicked, answered to the app')

    const other = await mock.inject({ method: 'POST', url: `/api/v1/posts/${POST}/cancel`, headers: BEARER })
    t.equal(other.statusCode, 409, 'default keeps its own state and choices')

    await panel.click('#delete-session')
    await panel.waitForFunction(() => (document.getElementById('session-select') as HTMLSelectElement).value === 'default', { timeout: 10_000 })
    t.equal(await app.evaluate(() => document.cookie), '', 'the cookie gone with the session')
  })

  t.test('coverage says what was served and what never was', async (t) => {
    await panel.waitForFunction(() => document.getElementById('coverage-summary')?.textContent?.startsWith('Served 4 of'), { timeout: 10_000 })
    t.equal(await textOf(panel, '#coverage-summary'), 'Served 4 of 33 documented responses (12.1%) and 4 of 57 scenarios (7%), in every session. Never served:',
      'the 200, 401, 409 and 429 of cancelScheduledPost')
    const neverServed = await panel.$$eval('#never-served li', (items) => items.map((item) => item.textContent))
    t.equal(neverServed.length, 29)
    t.strictSame(neverServed.filter((item) => item!.startsWith('cancelScheduledPost')), ['cancelScheduledPost 400 (scenarios: invalidRequest)', 'cancelScheduledPost 403 (scenarios: forbidden)', 'cancelScheduledPost 404 (scenarios: notFound, missingPost)'])
  })
})

t.test('in Chromium: on a half-built backend, each contract break shows up as it happens, and an error state is one click', { skip: noBrowser() }, async (t) => {
  const backend = Fastify()
  backend.get('/api/todos', async (_request, reply) => reply.type('application/json').send('[{"id":7,"title":"Real","done":false}]'))
  backend.get('/api/todos/:id', async (request) => ({ id: (request.params as { id: string }).id, title: 'Drifted', done: false }))
  await backend.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => backend.close())
  const backendUrl = `http://127.0.0.1:${(backend.server.address() as AddressInfo).port}`
  const mock = await buildMock(t, { specs: [`${ROOT}templates/init/specs/todos.yaml`], fixtures: `${ROOT}templates/init/fixtures`, proxy: { target: backendUrl, fallback: true } })
  await mock.listen({ port: 0, host: '127.0.0.1' })
  const mockUrl = `http://localhost:${(mock.server.address() as AddressInfo).port}`
  const browser = await launchBrowser(t)
  const panel = await browser.newPage()
  await panel.goto(`${mockUrl}/__mock/`)
  await panel.waitForSelector('body[data-ready="true"]')
  const app = await browser.newPage()
  await app.goto(await appOrigin(t))
  const call = async (method: string, path: string): Promise<number> => await app.evaluate(async (url, method) => {
    const response = await fetch(url, { method, credentials: 'include', headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{"title":"New"}' } : {}) })
    return response.status
  }, `${mockUrl}${path}`, method)

  t.strictSame([await call('GET', '/api/todos'), await call('GET', '/api/todos/5'), await call('POST', '/api/todos')], [200, 200, 201])
  await panel.bringToFront()
  await panel.waitForFunction(() => document.querySelectorAll('#journal tbody tr.entry').length === 3, { timeout: 10_000 })
  const rows = await panel.$$eval('#journal tbody tr.entry', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(2, 6).map((td) => td.textContent ?? '')))
  t.strictSame(rows, [
    ['POST /api/todos', 'createTodo', 'example', '201'],
    ['GET /api/todos/5', 'getTodo', 'backend', '200 answer breaks the spec (1)'],
    ['GET /api/todos', 'listTodos', 'backend', '200']
  ], 'the real half, its drift marked; the missing half from the mock')
  t.equal(await panel.$eval('#journal .broke', (mark) => mark.getAttribute('title')), 'the 200 application/json body does not match its schema at /id: must be integer')

  await panel.click('details[data-operation="getTodo"] summary')
  await panel.click('details[data-operation="getTodo"] input[value="missing"]')
  await panel.waitForFunction(() => document.querySelector('details[data-operation="getTodo"] .chosen')?.textContent === '→ missing', { timeout: 10_000 })
  t.equal(await call('GET', '/api/todos/5'), 404, 'the error state, forced on the real backend from the panel')
})
