// The mock with its sessions and state in Redis (--store) against the same mock in memory,
// on requests that need no state and on requests that read or record it.
// Usage: npm run bench:store (builds first; needs redis-server). Env: BENCH_DURATION (s per
// round, default 10), BENCH_CONNECTIONS (default 50), BENCH_WARMUP (s, default 3).
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { cpuOf, freePort, onCore, onServerCore, percent, pinning, positive } from './harness.js'

const DURATION = positive('BENCH_DURATION', 10)
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50)
const WARMUP = positive('BENCH_WARMUP', 3)
const ROUNDS = 2
const SERVE = fileURLToPath(new URL('./serve.js', import.meta.url))
const BEARER = { authorization: 'Bearer bench' }
const cancel = (id) => `/api/v1/posts/${id}/cancel`
const POST = '497f6eca-6276-4993-bfeb-53cbbbba6f08'

/** Each kind of request, the status it must get, and the least Redis / memory it may reach. */
const CASES = [
  { name: 'stateless (no session, no state)', path: '/studio/api/1/services/api/1/publish/stop.json?site_id=mysite', headers: BEARER, status: 200, target: 0.95 },
  // After one first cancel, every cancel of the post reads its state and answers 409: one round trip.
  { name: 'stateful read (when.state)', path: cancel(POST), headers: { ...BEARER, 'x-mock-session': 'reader' }, status: 409, target: 0.7 },
  // A new post each time: the state read, then the fixture's state recorded: two round trips.
  { name: 'stateful write (state recorded)', path: cancel(POST), fresh: true, headers: { ...BEARER, 'x-mock-session': 'writer' }, status: 200, target: 0.7 }
]

const children = []
function killChildren () {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}
process.on('exit', killChildren)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))
const BUDGET = (CASES.length * 2 * (WARMUP + ROUNDS * DURATION) + 60) * 1000
setTimeout(() => { console.error(`bench failed: no result after ${BUDGET / 1000}s`); process.exit(2) }, BUDGET).unref()

async function startRedis (pinned) {
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  // Beside autocannon, not the mock: replicas reach Redis on a host of its own, so the mock's
  // core does only the mock's work. (Sharing the load generator's core can only lower the Redis figures.)
  const child = spawn(...onCore(pinned, 1, 'redis-server', args), { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  let output = ''
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => { output += chunk; if (output.includes('Ready to accept connections')) resolve() })
    child.once('error', () => reject(new Error('redis-server cannot be started: apt-get install redis-server')))
    child.once('exit', () => reject(new Error(`redis-server exited:\n${output}`)))
  })
  return `redis://127.0.0.1:${port}/0`
}

async function startMock (name, pinned, args) {
  const child = spawn(...onServerCore(pinned, process.execPath, [SERVE, 'fixtures', ...args]), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  children.push(child)
  const [{ port }] = await once(child, 'message')
  return { name, child, url: `http://127.0.0.1:${port}` }
}

async function load ({ url, child }, { path, headers, status, fresh }, duration) {
  const cpu0 = await cpuOf(child)
  const started = performance.now()
  const result = await autocannon({
    url: url + path,
    method: 'POST',
    headers,
    connections: CONNECTIONS,
    duration,
    ...(fresh ? { requests: [{ setupRequest: (request) => ({ ...request, path: cancel(randomUUID()) }) }] } : {})
  })
  const serverCpu = (await cpuOf(child) - cpu0) / ((performance.now() - started) * 1000)
  const statuses = Object.keys(result.statusCodeStats)
  if (result.errors > 0 || result.timeouts > 0 || statuses.some((code) => code !== String(status))) {
    throw new Error(`${url}${path}: ${result.errors} errors, ${result.timeouts} timeouts, statuses ${statuses.join(', ')} (expected ${status})`)
  }
  return { rps: result.requests.average, p99: result.latency.p99, serverCpu }
}

async function main () {
  const { pinned, why } = pinning()
  console.log(pinned ? 'pinning: the mocks on CPU 0, autocannon and Redis on CPU 1' : `pinning: none (${why}); figures are noisier`)
  const redisUrl = await startRedis(pinned)
  const servers = [await startMock('memory', pinned, []), await startMock('redis', pinned, [redisUrl])]
  for (const { url } of servers) await fetch(url + cancel(POST), { method: 'POST', headers: CASES[1].headers })
  console.log(`warm-up ${WARMUP}s, then ${ROUNDS} x ${DURATION}s rounds each, ${CONNECTIONS} connections`)
  const rows = []
  for (const kind of CASES) {
    const best = new Map()
    for (const server of servers) await load(server, kind, WARMUP)
    for (let round = 1; round <= ROUNDS; round++) {
      for (const server of servers) {
        const figures = await load(server, kind, DURATION)
        console.log(`  ${kind.name}, round ${round}, ${server.name.padEnd(6)} ${figures.rps.toFixed(0).padStart(6)} req/s (server CPU ${percent(figures.serverCpu)})`)
        if (!(best.get(server.name)?.rps >= figures.rps)) best.set(server.name, figures)
      }
    }
    rows.push({ kind, memory: best.get('memory'), redis: best.get('redis') })
  }
  console.log(`\n${'request'.padEnd(34)}${['memory', 'redis', 'ratio', 'target', 'p99 ms'].map((h) => h.padStart(9)).join('')}`)
  let ok = true
  for (const { kind, memory, redis } of rows) {
    const ratio = redis.rps / memory.rps
    ok &&= ratio >= kind.target
    console.log(kind.name.padEnd(34) + [memory.rps.toFixed(0), redis.rps.toFixed(0), ratio.toFixed(2), `>= ${kind.target}`, redis.p99].map((cell) => String(cell).padStart(9)).join(''))
  }
  return ok ? 0 : 1
}

main().then((code) => { process.exitCode = code; killChildren() }, (error) => { console.error(`bench failed: ${error.message}`); killChildren(); process.exit(2) })
