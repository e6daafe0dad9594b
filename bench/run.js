// Throughput of understudy against hand-written Fastify routes doing the same work, on five
// kinds of request. Usage: npm run bench (builds first). Env: BENCH_DURATION (s per round,
// default 10), BENCH_CONNECTIONS (default 50), BENCH_WARMUP (s, default 3), BENCH_CASES
// (comma-separated case names, default all).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { cpuOf, machineBusy, onServerCore, percent, pinning, positive } from './harness.js'

const DURATION = positive('BENCH_DURATION', 10)
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50)
const WARMUP = positive('BENCH_WARMUP', 3)
const ROUNDS = 2
const TARGET = 0.95
const CANCEL = (id) => `/api/v1/posts/${id}/cancel`
const PUBLISH = '/studio/api/1/services/api/1/publish/cancel-publish-requests.json'
const BEARER = { authorization: 'Bearer bench-key' }
const JSON_BODY = { ...BEARER, 'content-type': 'application/json' }

/** Each kind of request: how it is sent, and the status both servers must answer it with. */
const ALL_CASES = [
  { name: 'pm-ok', what: 'PostMantis cancel, valid', path: CANCEL('497f6eca-6276-4993-bfeb-53cbbbba6f08'), headers: BEARER, status: 200 },
  { name: 'pm-noauth', what: 'PostMantis, no credentials (401)', path: CANCEL('497f6eca-6276-4993-bfeb-53cbbbba6f08'), headers: {}, status: 401 },
  { name: 'pm-bad-id', what: 'PostMantis, postId not a UUID (400)', path: CANCEL('not-a-uuid'), headers: BEARER, status: 400 },
  { name: 'cr-ok', what: 'Crafter cancel-publish-requests, valid body', path: PUBLISH, headers: JSON_BODY, body: JSON.stringify({ site_id: 'mysite', package_ids: ['588d5441-9aa9-4fb7-9a51-8c9a80f4f1d5'] }), status: 200 },
  { name: 'cr-bad-body', what: 'Crafter, invalid body (400)', path: PUBLISH, headers: JSON_BODY, body: JSON.stringify({ site_id: 5, package_ids: [] }), status: 400 }
]
const CASES = process.env.BENCH_CASES === undefined ? ALL_CASES : ALL_CASES.filter(({ name }) => process.env.BENCH_CASES.split(',').includes(name))
const SERVE = fileURLToPath(new URL('./serve.js', import.meta.url))

function startServer (kind, pinned) {
  const [command, args] = onServerCore(pinned, process.execPath, [SERVE, kind])
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    child.once('message', ({ port }) => resolve({ kind, child, url: `http://127.0.0.1:${port}` }))
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (!stopping) fail(new Error(`${kind} server exited unexpectedly (${signal ?? `code ${code}`})`))
    })
  })
}

const children = []
let stopping = false
function killChildren () {
  stopping = true
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill()
}
function fail (error) {
  console.error(`bench failed: ${error.message}`)
  killChildren()
  process.exit(2)
}
process.on('exit', killChildren)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))
// A hung server or autocannon run must not hold the machine: everything has a time budget.
const BUDGET = (CASES.length * (2 * WARMUP + 2 * ROUNDS * DURATION) + 60) * 1000
setTimeout(() => fail(new Error(`no result after ${BUDGET / 1000}s`)), BUDGET).unref()

async function probe ({ url }, { path, headers, body }) {
  const response = await fetch(url + path, { method: 'POST', headers, body })
  return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) }
}

async function load ({ url, child }, { path, headers, body, status }, duration) {
  const [server0, loader0, machine0] = [await cpuOf(child), process.cpuUsage(), machineBusy()]
  const started = performance.now()
  const result = await autocannon({ url: url + path, method: 'POST', headers, body, connections: CONNECTIONS, duration })
  const wall = (performance.now() - started) * 1000
  const loaderUsage = process.cpuUsage(loader0)
  const serverCpu = (await cpuOf(child) - server0) / wall
  const loaderCpu = (loaderUsage.user + loaderUsage.system) / wall
  const otherCpu = Math.max(0, (machineBusy() - machine0) / wall - serverCpu - loaderCpu)
  // Only the expected status with no errors counts: a fast 500 or a dropped socket would flatter the figure.
  const statuses = Object.keys(result.statusCodeStats)
  if (result.errors > 0 || result.timeouts > 0 || statuses.some((code) => code !== String(status))) {
    throw new Error(`${url}${path}: ${result.errors} errors, ${result.timeouts} timeouts, statuses ${statuses.join(', ')} (expected ${status}) during load`)
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, serverCpu, loaderCpu, otherCpu }
}

async function main () {
  const { pinned, why } = pinning()
  console.log(pinned ? 'pinning: servers on CPU 0, autocannon on CPU 1' : `pinning: none (${why}); figures are noisier`)
  const mock = await startServer('mock', pinned)
  const baseline = await startServer('baseline', pinned)
  for (const kind of CASES) {
    const [a, b] = await Promise.all([probe(mock, kind), probe(baseline, kind)])
    if (a.status !== kind.status || b.status !== kind.status || a.type !== b.type || !a.body.equals(b.body)) {
      throw new Error(`${kind.name}: the servers do not answer the same: ` +
        `mock ${a.status} ${a.type} ${a.body.length} bytes, baseline ${b.status} ${b.type} ${b.body.length} bytes`)
    }
    console.log(`${kind.name}: both answer ${kind.status} ${a.type}, ${a.body.length} identical bytes`)
  }
  console.log(`per case: warm-up ${WARMUP}s each, then ${ROUNDS} x ${DURATION}s rounds each, ${CONNECTIONS} connections`)

  const results = []
  for (const kind of CASES) {
    for (const server of [mock, baseline]) await load(server, kind, WARMUP)
    const best = new Map()
    // Alternating spreads slow drift (thermal, neighbours) over both servers.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const server of [mock, baseline]) {
        const figures = await load(server, kind, DURATION)
        console.log(`  ${kind.name.padEnd(12)} round ${round} ${server.kind.padEnd(8)} ${figures.rps.toFixed(0).padStart(6)} req/s` +
          `  (CPU: server ${percent(figures.serverCpu)}, autocannon ${percent(figures.loaderCpu)}, others ${percent(figures.otherCpu)})`)
        if (!(best.get(server.kind)?.rps >= figures.rps)) best.set(server.kind, figures)
      }
    }
    results.push({ kind, mock: best.get('mock'), baseline: best.get('baseline') })
  }

  // Server CPU per request does not depend on whether autocannon kept the server busy.
  const cpuPerRequest = ({ rps, serverCpu }) => (serverCpu * 1e6 / rps).toFixed(1)
  const headings = ['hand-written', 'understudy', 'ratio', 'p99 ms', 'µs/req', 'hw µs/req']
  console.log(`\n${'request kind'.padEnd(46)}${headings.map((h) => h.padStart(13)).join('')}`)
  let met = true
  for (const { kind, mock, baseline } of results) {
    const ratio = mock.rps / baseline.rps
    met &&= ratio >= TARGET
    const cells = [baseline.rps.toFixed(0), mock.rps.toFixed(0), ratio.toFixed(2), mock.p99, cpuPerRequest(mock), cpuPerRequest(baseline)]
    console.log(`${`${kind.what} (${kind.name})`.padEnd(46)}${cells.map((cell) => String(cell).padStart(13)).join('')}`)
  }
  if (results.some(({ mock, baseline }) => mock.otherCpu > 0.1 || baseline.otherCpu > 0.1)) {
    console.log('warning: other processes were busy during a best round; rerun on a quiet machine')
  }
  console.log(`target: understudy / hand-written >= ${TARGET.toFixed(2)} on every kind: ${met ? 'met' : 'not met'}`)
  return met ? 0 : 1
}

main().then((code) => { process.exitCode = code; killChildren() }, fail)
