import type { AddressInfo } from 'node:net'
import t from 'tap'
import { buildMock } from './helpers.js'
import { appOrigin, launchBrowser, noBrowser, textOf } from './browser.js'

// What a frontend developer does in a real browser (headless Chromium), against a mock listening on a port.

const POST = '497f6eca-6276-4993-bfeb-53cbbbba6f08'

t.test('in Chromium', { skip: noBrowser() }, async (t) => {
  const app = await buildMock(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const mock = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const browser = await launchBrowser(t)

  t.test('the docs: "Try it out" answers from the mock, with the scenario picked from a list', async (t) => {
    const page = await browser.newPage()
    await page.goto(`${mock}/__mock/docs?urls.primaryName=postmantis`)
    await page.click(await page.waitForSelector('.opblock-post .opblock-summary').then(() => '.opblock-post .opblock-summary'))
    await page.click(await page.waitForSelector('.try-out__btn').then(() => '.try-out__btn'))
    // The input holds the spec's example: replaced.
    await page.click('tr[data-param-name="postId"] input', { clickCount: 3 })
    await page.type('tr[data-param-name="postId"] input', POST)
    const choices = await page.$$eval('tr[data-param-name="x-mock-scenario"] select option', (options) => options.map((option) => option.textContent))
    t.strictSame(choices, ['--', 'canceled', 'invalidRequest', 'unauthorized', 'forbidden', 'notFound', 'conflict', 'rateLimited', 'alreadyCanceled', 'canceledPost', 'completedPost', 'draftPost', 'missingPost', 'pendingPost', 'publishedDelivery', 'scheduled'], "the operation's scenarios")
    await page.select('tr[data-param-name="x-mock-scenario"] select', 'rateLimited')
    // No credentials: the mock's answer is the spec's 401, whatever the scenario.
    await page.click('.execute')
    t.equal((await textOf(page, '.live-responses-table .response .response-col_status')).trim(), '401')
    t.equal((await textOf(page, '.request-url pre')).trim(), `${mock}/api/v1/posts/${POST}/cancel`, 'sent to the mock')

    await page.click('.authorize')
    await page.type(await page.waitForSelector('.modal-ux input').then(() => '.modal-ux input'), 'demo-token')
    await page.click('.modal-ux .auth-btn-wrapper .authorize')
    await page.click('.modal-ux .btn-done')
    await page.click('.btn-clear')
    await page.click('.execute')
    await page.waitForFunction(() => document.querySelector('.live-responses-table .response .response-col_status')?.textContent?.trim() === '429', { timeout: 10_000 })
    t.strictSame(JSON.parse(await textOf(page, '.live-responses-table .response .response-col_description pre')), {
      type: 'https://postmantis.com/problems/rate-limited', title: 'Too many requests', status: 429, detail: 'Too many requests.', code: 'rateLimited'
    }, 'the scenario chosen, answered')
    const headers = await page.$$eval('.live-responses-table .response .headerline', (lines) => lines.map((line) => line.textContent?.trim()))
    t.ok(headers.includes('x-mock-scenario: rateLimited'), 'the scenario header, readable')
    t.ok(headers.includes('retry-after: 60'), 'and the documented Retry-After')
    await page.close()
  })

  t.test('a page on another origin reads documented response headers (CORS)', async (t) => {
    const site = await appOrigin(t)
    const page = await browser.newPage()
    await page.goto(site)
    const read = await page.evaluate(async (url) => {
      const response = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer k', 'x-mock-scenario': 'rateLimited' } })
      return { status: response.status, retryAfter: response.headers.get('retry-after'), scenario: response.headers.get('x-mock-scenario') }
    }, `${mock}/api/v1/posts/${POST}/cancel`)
    t.strictSame(read, { status: 429, retryAfter: '60', scenario: 'rateLimited' })
    await page.close()
  })
})
