// Throughput of understudy against a hand-written Fastify route doing the same work.
// Usage: npm run bench (builds first). Env: BENCH_DURATION (s, default 10),
// BENCH_CONNECTIONS (default 50), BENCH_WARMUP (s, default 3).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { machineBusy, onServerCore, percent, pinning, positive } from './harness.js'

const DURATION = positive('BENCH_DURATION', 10)
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50)
const WARMUP = positive('BENCH_WARMUP', 3)
const ROUNDS = 2
const TARGET = 0.8
const PATH = '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel'
const HEADERS = { authorization: 'Bearer bench-key' }
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
const BUDGET = (2 * WARMUP + 2 * ROUNDS * DURATION + 60) * 1000
setTimeout(() => fail(new Error(`no result after ${BUDGET / 1000}s`)), BUDGET).unref()

async function probe ({ url }) {
  const response = await fetch(url + PATH, { method: 'POST', headers: HEADERS })
  return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) }
}

function cpuOf (child) {
  return new Promise((resolve) => {
    child.once('message', ({ cpu }) => resolve(cpu.user + cpu.system))
    child.send('cpu')
  })
}

async function load ({ url, child }, duration) {
  const [server0, loader0, machine0] = [await cpuOf(child), process.cpuUsage(), machineBusy()]
  const started = performance.now()
  const result = await autocannon({ url: url + PATH, method: 'POST', headers: HEADERS, connections: CONNECTIONS, duration })
  const wall = (performance.now() - started) * 1000
  const loaderUsage = process.cpuUsage(loader0)
  const serverCpu = (await cpuOf(child) - server0) / wall
  const loaderCpu = (loaderUsage.user + loaderUsage.system) / wall
  const otherCpu = Math.max(0, (machineBusy() - machine0) / wall - serverCpu - loaderCpu)
  // Only 2xx with no errors counts: a fast 400 or a dropped socket would flatter the figure.
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx during load`)
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, serverCpu, loaderCpu, otherCpu }
}

async function main () {
  const { pinned, why } = pinning()
  console.log(pinned ? 'pinning: servers on CPU 0, autocannon on CPU 1' : `pinning: none (${why}); figures are noisier`)
  const mock = await startServer('mock', pinned)
  const baseline = await startServer('baseline', pinned)

  const [a, b] = await Promise.all([probe(mock), probe(baseline)])
  if (a.status !== 200 || b.status !== 200 || a.type !== b.type || !a.body.equals(b.body)) {
    throw new Error('the servers do not answer the same: ' +
      `mock ${a.status} ${a.type} ${a.body.length} bytes, baseline ${b.status} ${b.type} ${b.body.length} bytes`)
  }
  console.log(`both answer 200 ${a.type}, ${a.body.length} identical bytes`)
  console.log(`warm-up ${WARMUP}s each, then ${ROUNDS} x ${DURATION}s rounds each, ${CONNECTIONS} connections`)

  for (const server of [mock, baseline]) await load(server, WARMUP)
  const best = new Map()
  // Alternating spreads slow drift (thermal, neighbours) over both servers.
  for (let round = 1; round <= ROUNDS; round++) {
    for (const server of [mock, baseline]) {
      const figures = await load(server, DURATION)
      console.log(`  round ${round} ${server.kind.padEnd(8)} ${figures.rps.toFixed(0).padStart(6)} req/s` +
        `  (CPU: server ${percent(figures.serverCpu)}, autocannon ${percent(figures.loaderCpu)}, others ${percent(figures.otherCpu)})`)
      if (!(best.get(server.kind)?.rps >= figures.rps)) best.set(server.kind, figures)
    }
  }

  // Server CPU per request does not depend on whether autocannon kept the server busy.
  const row = (name, { rps, p50, p99, serverCpu }) => [name.padEnd(12), rps.toFixed(0), p50, p99, (serverCpu * 1e6 / rps).toFixed(1)]
    .map((cell, i) => i === 0 ? cell : String(cell).padStart(12)).join('')
  console.log(`\n${'server'.padEnd(12)}${['req/s', 'p50 ms', 'p99 ms', 'CPU µs/req'].map((h) => h.padStart(12)).join('')}`)
  console.log(row('understudy', best.get('mock')))
  console.log(row('baseline', best.get('baseline')))
  if ([...best.values()].some(({ otherCpu }) => otherCpu > 0.1)) {
    console.log('warning: other processes were busy during a best round; rerun on a quiet machine')
  }
  const ratio = best.get('mock').rps / best.get('baseline').rps
  console.log(`ratio: ${ratio.toFixed(2)} (target >= ${TARGET.toFixed(2)})`)
  return ratio >= TARGET ? 0 : 1
}

main().then((code) => { process.exitCode = code; killChildren() }, fail)
