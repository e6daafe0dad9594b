import { spawn } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'
import { ROOT, testSpec } from './helpers.js'

const CLI = `${ROOT}dist/cli/main.js`

/** Starts `understudy serve` on a free port; resolves with the address it printed. */
async function startCli (t: { teardown: (fn: () => void) => void }, args: string[]): Promise<{ address: string, child: ReturnType<typeof spawn>, output: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const deadline = Date.now() + 20000
  while (!/on (http:\/\/127\.0\.0\.1:\d+)/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the CLI did not start:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { address: /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!, child, output: () => output }
}

t.test('serve: prints the mounted operations, answers on a real port, stops on SIGTERM', async (t) => {
  const { address, child, output } = await startCli(t, [])
  t.match(output(), `understudy: 5 operations from 3 specs on ${address}`)
  t.match(output(), /POST \/api\/v1\/posts\/\{postId\}\/cancel\s+postmantis#cancelScheduledPost/)
  t.match(output(), /DELETE \/api\/users\/\{uid\}\/appliances\/\{aid\}\/images\/\{itid\}\/pimages\/\{pitid\}\/cancel\s+uforge#cancelMachineImagePublish/)
  const res = await fetch(`${address}/studio/api/1/services/api/1/publish/stop.json?site_id=mysite`, {
    method: 'POST',
    headers: { authorization: 'Bearer t', 'x-mock-scenario': 'siteNotFound' }
  })
  t.equal(res.status, 404)
  t.strictSame(await res.json(), { message: 'Site not found' })
  const xml = await fetch(`${address}/api/users/root/appliances/12/images/34/pimages/56/cancel`, { method: 'DELETE', headers: { authorization: 'Basic dTpw' } })
  t.equal(xml.headers.get('content-type'), 'application/xml')
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit') as [number]
  t.equal(code, 0)
  t.match(output(), 'understudy: stopped')
})

t.test('serve: a bad spec prints one typed line, no stack trace, exit 1', async (t) => {
  const child = spawn(process.execPath, [CLI, 'serve', testSpec('broken/invalid.yaml'), '--port', '0'], { cwd: ROOT })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const [code] = await once(child, 'exit') as [number]
  t.equal(code, 1)
  t.equal(stderr, `understudy: UNDERSTUDY_SPEC_INVALID ${testSpec('broken/invalid.yaml')}#/paths/~1x/get/responses/200: ` +
    "The document is not a valid OpenAPI document: must have required property 'description' (1 related schema error(s))\n")
})

t.test('serve: a bad port is refused by the option parser', async (t) => {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', 'eighty'], { cwd: ROOT })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const [code] = await once(child, 'exit') as [number]
  t.equal(code, 1)
  t.match(stderr, "error: option '-p, --port <port>' argument 'eighty' is invalid. a port is a whole number from 0 to 65535")
})

t.test('serve: a port in use prints one line, exit 1', async (t) => {
  const { createServer } = await import('node:net')
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { blocker.close() })
  const port = (blocker.address() as { port: number }).port
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port)], { cwd: ROOT })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const [code] = await once(child, 'exit') as [number]
  t.equal(code, 1)
  t.equal(stderr, `understudy: cannot listen: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`)
})
