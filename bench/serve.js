// Child process for run.js and store.js: `node bench/serve.js <mock|baseline|fixtures [redis-url]>`
// listens on a free port and reports it over IPC, so the servers never share an event loop
// with autocannon. `fixtures`: the shipped specs and fixtures (stateful), in memory or in Redis.
import { fileURLToPath } from 'node:url'
import { buildMockServer } from '../dist/index.js'
import { buildBaseline } from './baseline-server.js'

const [kind, store] = process.argv.slice(2)
const specs = [fileURLToPath(new URL('../specs', import.meta.url))]
const app = kind === 'mock'
  ? await buildMockServer({ specs, fixtures: false })
  : kind === 'fixtures'
    ? await buildMockServer({ specs, fixtures: fileURLToPath(new URL('../fixtures', import.meta.url)), ...(store === undefined ? {} : { store: { url: store } }) })
    : kind === 'baseline' ? buildBaseline() : undefined
if (app === undefined) throw new Error(`usage: serve.js <mock|baseline|fixtures [redis-url]>, got ${kind}`)

await app.listen({ port: 0, host: '127.0.0.1' })
process.send({ port: app.server.address().port })
// run.js asks for CPU time around each round, to tell a saturated server from a saturated loader.
process.on('message', () => process.send({ cpu: process.cpuUsage() }))
// If the parent dies without killing us, do not linger as an orphan holding CPU 0.
process.on('disconnect', () => { app.close().finally(() => process.exit(0)) })
