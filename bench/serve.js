// Child process for run.js: `node bench/serve.js <mock|baseline>` listens on a free port
// and reports it over IPC, so the servers never share an event loop with autocannon.
import { fileURLToPath } from 'node:url'
import { buildMockServer } from '../dist/index.js'
import { buildBaseline } from './baseline-server.js'

const kind = process.argv[2]
const app = kind === 'mock'
  ? await buildMockServer({ specs: [fileURLToPath(new URL('../specs', import.meta.url))], fixtures: false })
  : kind === 'baseline' ? buildBaseline() : undefined
if (app === undefined) throw new Error(`usage: serve.js <mock|baseline>, got ${kind}`)

await app.listen({ port: 0, host: '127.0.0.1' })
process.send({ port: app.server.address().port })
// run.js asks for CPU time around each round, to tell a saturated server from a saturated loader.
process.on('message', () => process.send({ cpu: process.cpuUsage() }))
// If the parent dies without killing us, do not linger as an orphan holding CPU 0.
process.on('disconnect', () => { app.close().finally(() => process.exit(0)) })
