import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { progressLine } from '../dist/cli/progress-line.js'
import { runCli as runProgram } from '../dist/cli/program.js'
import { SPECS, listening, runCli, spawnServe, testSpec } from './helpers.js'

/** Runs `understudy serve` in this process on a free port; `stop()` asks it to stop (`POST /__mock/stop`) and resolves with its exit code. */
async function serve (t: { teardown: (fn: () => Promise<unknown>) => void }, args: string[], terminalColumns?: number): Promise<{ address: string, output: () => string, stop: () => Promise<number> }> {
  let output = ''
  let exited = false
  const write = (text: string): void => { output += text }
  const code = runProgram(['serve', ...args, '--port', '0'], { stdout: write, stderr: write, ...(terminalColumns === undefined ? {} : { terminalColumns }) }).finally(() => { exited = true })
  const address = await listening(() => output, () => exited)
  const stop = async (): Promise<number> => {
    if (!exited) await fetch(`${address}/__mock/stop`, { method: 'POST' })
    return await code
  }
  t.teardown(stop)
  return { address, output: () => output, stop }
}

t.test('serve, as a process: prints the mounted operations, answers fixtures, sets and sessions on a real port, stops on SIGTERM', async (t) => {
  const { address, child, output } = await spawnServe(t, [])
  t.match(output(), `understudy: 5 operations from 3 specs, 17 fixtures, 3 scenario sets on ${address}`)
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

  const cancel = async (id: string, headers: Record<string, string> = {}): Promise<Response> =>
    await fetch(`${address}/api/v1/posts/${id}/cancel`, { method: 'POST', headers: { authorization: 'Bearer t', ...headers } })
  const missing = await cancel('00000000-0000-0000-0000-000000000404')
  t.equal(missing.status, 404)
  t.equal(missing.headers.get('x-mock-scenario'), 'missingPost')
  const put = await fetch(`${address}/__mock/sessions/alice`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"set":"rate-limited"}' })
  t.equal(put.status, 200)
  const limited = await cancel('497f6eca-6276-4993-bfeb-53cbbbba6f08', { cookie: 'mock_session=alice' })
  t.equal(limited.status, 429)
  t.equal(limited.headers.get('retry-after'), '60')
  const first = await cancel('497f6eca-6276-4993-bfeb-53cbbbba6f08')
  const second = await cancel('497f6eca-6276-4993-bfeb-53cbbbba6f08')
  t.strictSame([first.status, second.status], [200, 409], 'the default session remembers the cancel')

  child.kill('SIGTERM')
  const [code] = await once(child, 'exit') as [number]
  t.equal(code, 0)
  t.match(output(), 'understudy: stopped')
})

t.test('serve --no-fixtures: the specs\' examples only', async (t) => {
  const { address, output } = await serve(t, ['--no-fixtures'])
  t.match(output(), 'understudy: 5 operations from 3 specs, 0 fixtures, 0 scenario sets on')
  const res = await fetch(`${address}/api/v1/posts/00000000-0000-0000-0000-000000000404/cancel`, { method: 'POST', headers: { authorization: 'Bearer t' } })
  t.equal(res.status, 200)
  t.equal(res.headers.get('x-mock-scenario'), 'canceled')
})

/** Runs `serve` that should fail at startup; resolves with its exit code and stderr. */
async function failingCli (args: string[]): Promise<{ code: number, stderr: string }> {
  const { code, stderr } = await runCli(['serve', ...args, '--port', '0'])
  return { code, stderr }
}

t.test('serve: a bad fixture stops startup with one typed line; --lenient warns and serves', async (t) => {
  const fixtures = t.testdir({ postmantis: { cancelScheduledPost: { 'teapot.yaml': 'status: 418\n' } } })
  const file = `${fixtures}/postmantis/cancelScheduledPost/teapot.yaml`
  const line = `UNDERSTUDY_FIXTURE_INVALID ${file}#/status: The fixture is invalid: 418 is not documented for cancelScheduledPost (documented: 200, 400, 401, 403, 404, 409, 429)`
  const failed = await failingCli([SPECS, '--fixtures', fixtures])
  t.equal(failed.code, 1)
  t.equal(failed.stderr, `understudy: ${line}\n`)
  const { output } = await serve(t, [SPECS, '--fixtures', fixtures, '--lenient'])
  t.match(output(), `understudy: warning: ${line}\n`)
  t.match(output(), '0 fixtures')
})

t.test('serve: a fixtures folder that does not exist is one typed line', async (t) => {
  const failed = await failingCli(['--fixtures', 'no-such-folder'])
  t.equal(failed.code, 1)
  t.equal(failed.stderr, 'understudy: UNDERSTUDY_FIXTURES_NOT_FOUND no-such-folder: The fixtures folder does not exist: no-such-folder\n')
})

t.test('serve: a bad spec prints one typed line, no stack trace, exit 1', async (t) => {
  const { code, stderr } = await failingCli([testSpec('broken/missing-ref.yaml')])
  t.equal(code, 1)
  t.equal(stderr, `understudy: UNDERSTUDY_SPEC_REF ${testSpec('broken/missing-ref.yaml')}#/paths/~1x/get/responses/200/$ref: ` +
    'A $ref cannot be resolved: #/components/responses/Nope points at nothing\n')
})

t.test('serve: a bad port is refused by the option parser', async (t) => {
  const { code, stderr } = await runCli(['serve', '--port', 'eighty'])
  t.equal(code, 1)
  t.match(stderr, "error: option '-p, --port <port>' argument 'eighty' is invalid. a port is a whole number from 0 to 65535")
})

t.test('serve: a port in use prints one line, exit 1', async (t) => {
  const { createServer } = await import('node:net')
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { blocker.close() })
  const port = (blocker.address() as { port: number }).port
  const { code, stderr } = await runCli(['serve', '--port', String(port)])
  t.equal(code, 1)
  t.equal(stderr, `understudy: UNDERSTUDY_LISTEN_FAILED: The server cannot listen there: listen EADDRINUSE: address already in use 127.0.0.1:${port} (another server has it: pick one with --port, or stop it with 'npx understudy stop')\n`)
})

t.test('serve --coverage-report --fail-under: the report on shutdown, a summary, and the exit code', async (t) => {
  const dir = t.testdir({})
  const run = async (failUnder: string, requests: number): Promise<{ code: number, output: string, file: string }> => {
    const file = path.join(dir, `coverage-${failUnder}.json`)
    const { address, output, stop } = await serve(t, [path.join(SPECS, 'postmantis.yaml'), '--no-fixtures', '--strict', '--coverage-report', file, '--fail-under', failUnder])
    for (let i = 0; i < requests; i++) {
      const res = await fetch(`${address}/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel`, { method: 'POST', headers: { authorization: 'Bearer t' } })
      t.equal(res.status, 200)
    }
    return { code: await stop(), output: output(), file }
  }
  const under = await run('20', 1)
  t.equal(under.code, 1)
  t.match(under.output, [
    'understudy: stopped',
    'understudy: coverage: 1 of 7 documented responses served (14.3%), 1 of 7 scenarios (14.3%)',
    '  never served:',
    '    postmantis#cancelScheduledPost  400, 401, 403, 404, 409, 429',
    ''
  ].join('\n'))
  t.match(under.output, `understudy: coverage report written to ${under.file}\n`)
  t.match(under.output, 'understudy: coverage 14.3% is under --fail-under 20%\n')
  const report = JSON.parse(await readFile(under.file, 'utf8'))
  t.strictSame(report.served, [{ spec: 'postmantis', operationId: 'cancelScheduledPost', status: '200', scenario: 'canceled', session: 'default', count: 1 }])
  t.strictSame(report.responses, { documented: 7, served: 1, percent: 14.3 })

  const over = await run('14', 2)
  t.equal(over.code, 0)
  t.notMatch(over.output, 'is under --fail-under')
})

t.test('serve --coverage-report to a folder that does not exist fails at start, in one line', async (t) => {
  const file = path.join(t.testdir({}), 'missing', 'coverage.json')
  const failed = await failingCli(['--coverage-report', file])
  t.equal(failed.code, 1)
  t.equal(failed.stderr, `understudy: UNDERSTUDY_COVERAGE_REPORT_UNWRITABLE ${file}: The coverage report cannot be written there: ${path.dirname(file)}: ENOENT\n`)
})

t.test('serve --control-token, --control-origin, --allow-host: the guards, over a real port', async (t) => {
  const { address, stop } = await serve(t, ['--no-fixtures', '--control-token', 't0k', '--control-origin', 'https://qa.example', '--allow-host', 'mock.test'])
  const put = async (headers: Record<string, string>): Promise<number> =>
    (await fetch(`${address}/__mock/sessions/alice`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: '{}' })).status
  t.equal(await put({}), 401)
  t.equal(await put({ authorization: 'Bearer t0k' }), 200)
  t.equal(await put({ authorization: 'Bearer t0k', origin: 'https://qa.example' }), 200)
  t.equal(await put({ authorization: 'Bearer t0k', origin: 'https://other.example' }), 403)
  t.equal(await stop(), 0, 'POST /__mock/stop needs no token, as `understudy stop` sends none')
})

t.test('serve: the listing fits a terminal: a line per spec, and the operations when there are at most 40 (else with --list)', async (t) => {
  const paths = (count: number): object => Object.fromEntries(Array.from({ length: count }, (_, i) =>
    [`/items/${i}`, { get: { operationId: `getItem${i}`, responses: { 204: { description: 'none' } } } }]))
  const dir = t.testdir({
    'many.json': JSON.stringify({ openapi: '3.1.0', info: { title: 'Many', version: '1' }, servers: [{ url: 'https://api.example.com/v2' }], paths: paths(41) }),
    'few.json': JSON.stringify({ openapi: '3.1.0', info: { title: 'Few', version: '1' }, paths: { '/few': { get: { operationId: 'getFew', responses: { 204: { description: 'none' } } } } } })
  })
  const many = await serve(t, [`${dir}/many.json`, '--no-fixtures'])
  t.equal(many.output(), [
    `understudy: 41 operations from 1 spec, 0 fixtures, 0 scenario sets on ${many.address}`,
    '  many  41 operations  /v2',
    `  (41 operations: --list prints them, ${many.address}/__mock/operations has them)`,
    `  control panel: ${many.address}/__mock/, docs: ${many.address}/__mock/docs`,
    ''
  ].join('\n'))
  const listed = await serve(t, [`${dir}/many.json`, `${dir}/few.json`, '--no-fixtures', '--list'])
  const lines = listed.output().split('\n')
  t.strictSame(lines.slice(0, 3), [`understudy: 42 operations from 2 specs, 0 fixtures, 0 scenario sets on ${listed.address}`, '  many  41 operations  /v2', '  few   1 operation    /'])
  t.equal(lines[3], '    GET /v2/items/0   many#getItem0')
  t.equal(lines.length, 3 + 42 + 2, 'every operation, then the control line')
})

t.test('serve on a terminal: whatever progress was shown is cleared before the listing', async (t) => {
  const shown = await serve(t, ['--no-fixtures'], 80)
  const output = shown.output()
  const cleared = output.lastIndexOf('\r\x1b[K')
  const listing = cleared === -1 ? output : output.slice(cleared + 4)
  t.match(listing, /^understudy: 5 operations from 3 specs/)
  t.notMatch(listing, /[\r\x1b]/, 'no control characters in the listing')
})

t.test('the progress line: shown after its delay, the latest step at most every so often, cut to the terminal, cleared at the end', async (t) => {
  let written = ''
  const shown = progressLine((text) => { written += text }, { delayMs: 0, everyMs: 60_000, columns: 20 })
  shown.update('reading api.github.com.json')
  shown.update('resolving the $refs')
  shown.done()
  t.equal(written, '\runderstudy: reading\x1b[K\r\x1b[K', 'the first step, cut to 19 columns; the second within everyMs is not drawn; then cleared')
  let nothing = ''
  const hidden = progressLine((text) => { nothing += text }, { delayMs: 60_000 })
  hidden.update('reading specs')
  hidden.done()
  t.equal(nothing, '', 'a start shorter than the delay writes nothing, not even the clearing')
})
