import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { CLI, ROOT, runCli } from './helpers.js'

const run = promisify(execFile)

t.test('init writes an example to start from, and refuses to overwrite', async (t) => {
  const dir = t.testdir({})
  const first = await runCli(['init'], dir)
  t.equal(first.code, 0)
  t.match(first.stdout, 'understudy: wrote specs/todos.yaml\nunderstudy: wrote fixtures/todos/getTodo/missing.yaml\nunderstudy: wrote fixtures/sets/empty.yaml\n')
  t.equal(await readFile(path.join(dir, 'specs/todos.yaml'), 'utf8'), await readFile(path.join(ROOT, 'templates/init/specs/todos.yaml'), 'utf8'))
  const checked = await runCli(['check'], dir)
  t.equal(checked.code, 0, 'the example is sound')
  t.equal(checked.stdout, 'understudy check: 1 spec, 3 operations, 1 fixture, 1 scenario set, 6 examples: no problems\n')
  const again = await runCli(['init'], dir)
  t.equal(again.code, 1)
  t.equal(again.stderr, `understudy: UNDERSTUDY_INIT_EXISTS: The project has a mock already: fixtures/ and specs/ in ${dir}; nothing was written\n`)
})

t.test('no specs/ folder: the error says what to do', async (t) => {
  const { code, stderr } = await runCli(['serve', '--port', '0'], t.testdir({}))
  t.equal(code, 1)
  t.equal(stderr, "understudy: UNDERSTUDY_SPEC_NOT_FOUND specs: No such file or directory: specs (start with 'npx understudy init', or name your spec: 'npx understudy serve openapi.yaml')\n")
})

t.test('--version, and an option error is one line and where to read more', async (t) => {
  const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
  t.strictSame(await runCli(['--version']), { code: 0, stdout: `${version}\n`, stderr: '' })
  const bad = await runCli(['serve', '--port', 'eighty'])
  t.equal(bad.code, 1)
  t.equal(bad.stderr, "error: option '-p, --port <port>' argument 'eighty' is invalid. a port is a whole number from 0 to 65535\nsee 'understudy serve --help'\n")
  const unknown = await runCli(['check', '--bogus'])
  t.equal(unknown.stderr, "error: unknown option '--bogus'\nsee 'understudy check --help'\n")
})

/**
 * The README's CI pattern, as a team runs it: `npx understudy` (npm exec, then a shell,
 * then the server) in the background of a non-interactive shell.
 */
async function project (dir: string): Promise<string> {
  await writeFile(path.join(dir, 'package.json'), '{"name":"app","private":true}')
  await mkdir(path.join(dir, 'node_modules/.bin'), { recursive: true })
  await symlink(ROOT, path.join(dir, 'node_modules/understudy-mock'))
  // What npm links at install (dist/ itself is not executable in a clone).
  await writeFile(path.join(dir, 'node_modules/.bin/understudy'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 })
  // `init <dir>`, not a cwd: the CI tests run side by side.
  await runCli(['init', dir])
  return dir
}

/** `curl -s`, where the machine may have no curl. */
const GET = (url: string): string => `"${process.execPath}" -e "fetch('${url}').then((r) => r.text()).then((t) => console.log(t), () => process.exit(7))"`

async function ciScript (dir: string, port: number, script: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', `
    npx understudy serve --port ${port} --coverage-report cov.json --fail-under 80 > serve.log 2>&1 & MOCK=$!
    for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2> /dev/null && break; sleep 0.1; done
    ${GET(`http://127.0.0.1:${port}/api/todos/1`)}
    ${script}`], { cwd: dir, timeout: 45_000 })
  return stdout
}

/** Whether a server started on this port is still running after 3 s to stop in (it looks for its parent once a second). */
async function orphaned (port: number): Promise<boolean> {
  const running = async (): Promise<boolean> => {
    const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))
    const lines = await Promise.all(pids.map(async (pid) => await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')))
    return lines.some((line) => line.includes(`${CLI}\0serve\0--port\0${port}`))
  }
  for (const deadline = Date.now() + 3000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (!await running()) return false
  }
  return true
}

// Two at once: most of their time is npm and the server starting, not CPU.
t.test('the README\'s CI pattern', async (t) => {
  t.jobs = 2
  t.test('CI: npx understudy serve & … npx understudy stop; wait: coverage written, the exit code is the server\'s', async (t) => {
    const dir = await project(t.testdir({}))
    const out = await ciScript(dir, 4791, 'npx understudy stop --port 4791; wait $MOCK; echo "exit $?"')
    t.equal(out, '{"id":1,"title":"Buy milk","done":true}\nunderstudy: http://127.0.0.1:4791 stopped\nexit 1\n')
    t.equal(await orphaned(4791), false)
    t.match(await readFile(path.join(dir, 'serve.log'), 'utf8'), 'understudy: coverage 20% is under --fail-under 80%\n')
    t.ok(existsSync(path.join(dir, 'cov.json')))
  })

  t.test('CI: kill $MOCK (npm exec) stops the server too, with no orphan', async (t) => {
    const dir = await project(t.testdir({}))
    const out = await ciScript(dir, 4792, 'kill $MOCK; wait $MOCK; echo "exit $?"')
    t.equal(out, '{"id":1,"title":"Buy milk","done":true}\nexit 143\n')
    t.equal(await orphaned(4792), false, 'the server followed npm and its shell')
  })
})

t.test('stop: only from this machine without an Origin, and nothing to stop is one line', async (t) => {
  const nothing = await runCli(['stop', '--port', '4793'])
  t.equal(nothing.code, 1)
  t.equal(nothing.stderr, 'understudy: UNDERSTUDY_STOP_FAILED: The mock could not be stopped: nothing answers on http://127.0.0.1:4793\n')
})
