import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'

/** Debian's `chromium` (`apt-get install chromium`); `CHROMIUM` names another. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'

/**
 * Why the browser tests cannot run here (tap reports them skipped, with this line), or false.
 * `.ci/run` installs Chromium and sets UNDERSTUDY_BROWSER_TESTS=required: there a missing
 * browser fails the run instead.
 */
export function noBrowser (): string | false {
  if (existsSync(CHROMIUM)) return false
  const reason = `no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM to run the browser tests`
  if (process.env.UNDERSTUDY_BROWSER_TESTS === 'required') throw new Error(reason)
  return reason
}

interface Teardown { teardown: (fn: () => unknown) => void }

/** Headless Chromium, closed when the test ends. */
export async function launchBrowser (t: Teardown): Promise<Browser> {
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  t.teardown(async () => await browser.close())
  return browser
}

/** The text of the first element matching `selector`, once there is one. */
export async function textOf (page: Page, selector: string): Promise<string> {
  const element = await page.waitForSelector(selector, { timeout: 10_000 })
  return await element!.evaluate((node) => node.textContent ?? '')
}

/**
 * The team's app: a page of its own origin (`http://localhost:<port>/`, another port than
 * the mock's), closed when the test ends. Its scripts call the mock as a web app would.
 */
export async function appOrigin (t: Teardown): Promise<string> {
  const site = createServer((_request, response) => { response.setHeader('content-type', 'text/html'); response.end('<!DOCTYPE html><title>app</title>') })
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { site.close() })
  return `http://localhost:${(site.address() as AddressInfo).port}/`
}
