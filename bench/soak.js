// Soak: the mock as `npm start` runs it, under a steady mix of every kind of request for
// ten minutes. Usage: npm run soak (builds first). Env: SOAK_DURATION (s, default 600),
// SOAK_CONNECTIONS (default 50), SOAK_REPORT (s between reports, default 30).
// Exit code: 0 when nothing unexpected happened and RSS held, 1 otherwise, 2 if the run failed.
// Before the clock starts, session state is filled to its bound (100,000 entries), so the
// soak measures the mock at its memory ceiling, and RSS is compared at the ceiling.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { freePort, onServerCore, pinning, positive } from './harness.js'

const DURATION = positive('SOAK_DURATION', 600)
const CONNECTIONS = positive('SOAK_CONNECTIONS', 50)
const REPORT = positive('SOAK_REPORT', 30)
const RSS_DRIFT = 0.2
/**
 * RSS is read every second, and a figure is the median of a minute of readings: under this
 * load V8 grows and shrinks its heap by 60–80 MiB within seconds (the live heap after a
 * collection stays at 40–50 MiB), so fewer readings measure where in that swing they fell.
 */
const RSS_EVERY = 1
const RSS_WINDOW = 60
const STATE_ENTRIES = 100_000
const ROOT = fileURLToPath(new URL('..', import.meta.url))

const POSTMANTIS = (id) => `/api/v1/posts/${id}/cancel`
const CRAFTER = '/studio/api/1/services/api/1/publish/cancel-publish-requests.json'
const UFORGE = '/api/users/soak/appliances/1/images/2/pimages/3/cancel'
const CANCEL = POSTMANTIS('497f6eca-6276-4993-bfeb-53cbbbba6f08')
const BEARER = { authorization: 'Bearer soak' }
const JSON_BODY = { ...BEARER, 'content-type': 'application/json' }
const CRAFTER_OK = JSON.stringify({ site_id: 'mysite', package_ids: ['588d5441-9aa9-4fb7-9a51-8c9a80f4f1d5'] })
const SESSIONS = 50

/**
 * What each connection sends, in turn, and the status each must get. The stateful pair
 * cancels a new post twice in one of 50 sessions (200, then the fixture's 409), so session
 * state keeps growing until its bound holds it.
 */
const MIX = [
  { kind: 'valid', method: 'POST', path: CANCEL, headers: { ...BEARER, 'x-mock-scenario': 'canceled' }, expect: 200 },
  { kind: 'no credentials', method: 'POST', path: CANCEL, expect: 401 },
  { kind: 'invalid parameter', method: 'POST', path: POSTMANTIS('not-a-uuid'), headers: BEARER, expect: 400 },
  { kind: 'valid body', method: 'POST', path: CRAFTER, headers: JSON_BODY, body: CRAFTER_OK, expect: 200 },
  { kind: 'invalid body', method: 'POST', path: CRAFTER, headers: JSON_BODY, body: '{"site_id":1,"package_ids":[]}', expect: 400 },
  { kind: 'malformed JSON', method: 'POST', path: CRAFTER, headers: JSON_BODY, body: '{"site_id":', expect: 400 },
  { kind: 'scenario', method: 'POST', path: CRAFTER, headers: { ...JSON_BODY, 'x-mock-scenario': 'siteNotFound' }, body: CRAFTER_OK, expect: 404 },
  { kind: 'Prefer', method: 'POST', path: CANCEL, headers: { ...BEARER, prefer: 'code=429' }, expect: 429 },
  { kind: 'dynamic', method: 'POST', path: CANCEL, headers: { ...BEARER, 'x-mock-scenario': 'canceled', 'x-mock-dynamic': 'true' }, expect: 200, seeded: true },
  { kind: 'XML', method: 'DELETE', path: UFORGE, headers: { authorization: 'Basic c29hazpzb2Fr', accept: 'application/xml' }, expect: 200 },
  { kind: 'session set', method: 'POST', path: CRAFTER, headers: { ...JSON_BODY, 'x-mock-session': 'soak-logged-out' }, body: CRAFTER_OK, expect: 401 },
  { kind: 'state: first cancel', method: 'POST', path: POSTMANTIS('00000000-0000-0000-0000-000000000000'), headers: BEARER, expect: 200, stateful: 'first' },
  { kind: 'state: second cancel', method: 'POST', path: POSTMANTIS('00000000-0000-0000-0000-000000000000'), headers: BEARER, expect: 409, stateful: 'again' },
  { kind: 'delay', method: 'POST', path: CANCEL, headers: { ...BEARER, 'x-mock-scenario': 'canceled', 'x-mock-delay': '5' }, expect: 200 },
  { kind: 'unknown scenario', method: 'POST', path: CANCEL, headers: { ...BEARER, 'x-mock-scenario': 'nope' }, expect: 404 },
  { kind: 'unknown path', method: 'GET', path: '/nope', expect: 404 },
  { kind: 'session listing', method: 'GET', path: '/__mock/sessions?limit=20', expect: 200 },
  { kind: 'coverage', method: 'GET', path: '/__mock/coverage', expect: 200 }
]

/** Every request of the mix, with the tally of what came back. */
function requests (tally) {
  return MIX.map(({ kind, expect, stateful, seeded, ...request }) => ({
    ...request,
    setupRequest: (req, context) => {
      if (seeded) return { ...req, headers: { ...req.headers, 'x-mock-seed': String(Math.floor(Math.random() * 1000)) } }
      if (stateful === undefined) return req
      if (stateful === 'first') {
        context.post = randomUUID()
        context.session = `soak-${Math.floor(Math.random() * SESSIONS)}`
      }
      return { ...req, path: POSTMANTIS(context.post), headers: { ...req.headers, 'x-mock-session': context.session } }
    },
    onResponse: (status) => {
      tally.answered++
      if (status !== expect) tally.unexpected.set(`${kind}: ${status} (expected ${expect})`, (tally.unexpected.get(`${kind}: ${status} (expected ${expect})`) ?? 0) + 1)
    }
  }))
}

/**
 * Faults break their connection on purpose, so they go over sockets of their own, two at a
 * time, each checked for exactly what it acts out.
 */
const FAULTS = {
  reset: ({ bytes, error }) => error === 'ECONNRESET' && bytes.length === 0,
  empty: ({ bytes, error }) => error === undefined && bytes.length === 0,
  malformed: ({ bytes, error }) => error === undefined && /^HTTP\/1\.1 200 OK\r\n/.test(bytes.toString('latin1')) && bytes.length < 1200,
  timeout: ({ bytes, error }) => error === 'held' && bytes.length === 0
}

function fault (port, name) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const chunks = []
    let error
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', (e) => { error = e.code })
    socket.on('close', () => { clearTimeout(held); resolve({ bytes: Buffer.concat(chunks), error }) })
    socket.write(`POST ${CANCEL} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer soak\r\nx-mock-scenario: canceled\r\nx-mock-fault: ${name}\r\n\r\n`)
    // `timeout` must still be holding the connection after 300 ms; the others must have closed it within 5 s (a busy mock may take its time).
    const held = setTimeout(() => { error = 'held'; socket.destroy() }, name === 'timeout' ? 300 : 5000)
  })
}

async function driveFaults (port, until, tally) {
  const names = Object.keys(FAULTS)
  const lane = async (offset) => {
    for (let i = offset; Date.now() < until; i += 2) {
      const name = names[i % names.length]
      const outcome = await fault(port, name)
      tally.answered++
      if (!FAULTS[name](outcome)) tally.unexpected.set(`fault ${name}: ${outcome.error ?? 'closed'} after ${outcome.bytes.length} bytes`, (tally.unexpected.get(`fault ${name}: ${outcome.error ?? 'closed'} after ${outcome.bytes.length} bytes`) ?? 0) + 1)
    }
  }
  await Promise.all([lane(0), lane(1)])
}

function rssMiB (pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match === null ? NaN : Number(match[1]) / 1024
}

async function waitFor (url, child) {
  for (let tries = 0; tries < 300; tries++) {
    if (child.exitCode !== null) throw new Error(`the mock exited with code ${child.exitCode}`)
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the mock did not answer ${url} within 30 s`)
}

/** First cancels of new posts in the 50 sessions until the state is past its bound. */
async function fillState (base) {
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    amount: Math.ceil(STATE_ENTRIES * 1.1),
    requests: [{
      method: 'POST',
      headers: BEARER,
      setupRequest: (req) => ({ ...req, path: POSTMANTIS(randomUUID()), headers: { ...req.headers, 'x-mock-session': `soak-${Math.floor(Math.random() * SESSIONS)}` } })
    }]
  })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`filling the state: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return result.requests.total
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

async function main () {
  const port = await freePort()
  const onTwo = pinning().pinned
  const serve = [fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)), 'serve', 'specs', '--fixtures', 'fixtures', '--port', String(port)]
  const child = spawn(...onServerCore(onTwo, process.execPath, serve), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  process.on('exit', () => child.kill())
  const base = `http://127.0.0.1:${port}`
  await waitFor(`${base}/__mock/health`, child)
  const logout = await fetch(`${base}/__mock/sessions/soak-logged-out`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"set":"logged-out"}' })
  if (logout.status !== 200) throw new Error(`PUT /__mock/sessions/soak-logged-out answered ${logout.status}`)
  // The helper's own pid is taskset's: it execs node, so it is the mock's.
  const pid = child.pid
  const filled = await fillState(base)
  console.log(`state filled to its bound: ${filled} first cancels over ${SESSIONS} sessions; RSS ${rssMiB(pid).toFixed(0)} MiB`)
  console.log(`soak: ${DURATION} s, ${CONNECTIONS} connections, ${MIX.length} kinds of request and ${Object.keys(FAULTS).length} faults; ${onTwo ? 'mock on CPU 0, load on CPU 1' : 'not pinned'}`)
  console.log(`${'time'.padStart(6)}${'req/s'.padStart(9)}${'unexpected'.padStart(12)}${'errors'.padStart(8)}${'timeouts'.padStart(10)}${'RSS MiB'.padStart(10)}`)

  const tally = { answered: 0, unexpected: new Map(), errors: new Map(), timeouts: 0 }
  const faults = driveFaults(port, Date.now() + DURATION * 1000, tally)
  const instance = autocannon({ url: base, connections: CONNECTIONS, duration: DURATION, requests: requests(tally), timeout: 10 })
  instance.on('reqError', (error) => tally.errors.set(error.code ?? error.message, (tally.errors.get(error.code ?? error.message) ?? 0) + 1))
  instance.on('timeout', () => { tally.timeouts++ })
  const started = Date.now()
  let last = 0
  const readings = []
  const sampler = setInterval(() => readings.push({ at: (Date.now() - started) / 1000, rss: rssMiB(pid) }), RSS_EVERY * 1000)
  /** The RSS readings of the window up to `at` seconds. */
  const rssUpTo = (at, window) => readings.filter((reading) => reading.at > at - window && reading.at <= at + 1).map(({ rss }) => rss)
  const report = () => {
    const seconds = Math.round((Date.now() - started) / 1000)
    const recent = rssUpTo(seconds, REPORT)
    const rss = recent.length === 0 ? rssMiB(pid).toFixed(0) : `${Math.min(...recent).toFixed(0)}–${Math.max(...recent).toFixed(0)}`
    const count = (map) => [...map.values()].reduce((sum, n) => sum + n, 0)
    console.log(`${`${seconds}s`.padStart(6)}${((tally.answered - last) / REPORT).toFixed(0).padStart(9)}${String(count(tally.unexpected)).padStart(12)}` +
      `${String(count(tally.errors)).padStart(8)}${String(tally.timeouts).padStart(10)}${rss.padStart(10)}`)
    last = tally.answered
  }
  const timer = setInterval(report, REPORT * 1000)
  const result = await instance
  await faults
  clearInterval(timer)
  clearInterval(sampler)
  report()
  const health = await fetch(`${base}/__mock/health`).then((response) => response.status, (error) => error.message)
  child.kill()

  console.log(`\n${result.requests.total} requests, ${(result.requests.average).toFixed(0)} req/s on average; p99 ${result.latency.p99} ms`)
  for (const [what, n] of tally.unexpected) console.log(`unexpected: ${what} x ${n}`)
  for (const [what, n] of tally.errors) console.log(`socket error: ${what} x ${n}`)
  if (stderr !== '') console.log(`the mock wrote to stderr:\n${stderr.trimEnd()}`)
  // The reference is the minute after the first (a shorter run: the second third of it), the end is the last.
  const window = Math.min(RSS_WINDOW, DURATION / 3)
  const reference = median(rssUpTo(2 * window, window))
  const rssEnd = median(rssUpTo(DURATION, window))
  const drift = rssEnd / reference - 1
  const peak = Math.max(...readings.map(({ rss }) => rss))
  console.log(`RSS (median of ${window} s of readings, one a second): ${reference.toFixed(0)} MiB after the first minute, ${rssEnd.toFixed(0)} MiB at the end (${drift >= 0 ? '+' : ''}${(drift * 100).toFixed(1)}%); peak ${peak.toFixed(0)} MiB`)
  console.log(`health after: ${health}`)
  const ok = tally.unexpected.size === 0 && tally.errors.size === 0 && tally.timeouts === 0 && drift <= RSS_DRIFT && health === 200 && stderr === ''
  console.log(ok ? 'soak: passed' : `soak: FAILED (target: 0 unexpected, 0 errors, RSS within ${RSS_DRIFT * 100}% of the first minute's)`)
  return ok ? 0 : 1
}

main().then((code) => { process.exitCode = code }, (error) => {
  console.error(`soak failed: ${error.message}`)
  process.exit(2)
})
