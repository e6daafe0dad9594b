import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli as runProgram } from '../dist/cli/program.js'
import { buildMockServer, type MockServer, type MockServerOptions } from '../dist/index.js'

// The same from test/ and from dist-test/, where `npm test` runs the tests compiled.
export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const SPECS = path.join(ROOT, 'specs')
export const FIXTURES = path.join(ROOT, 'fixtures')

/** The built CLI: dist/ must be current (`npm test` builds first, or `npx tsc -p tsconfig.json`). */
export const CLI = path.join(ROOT, 'dist/cli/main.js')

/**
 * Runs `understudy <args>` in this process, from the repository root (or `cwd`), to its end:
 * what the command writes and the exit code it would leave, without a process to start.
 * `echo` is given what it writes as it writes it (a command that runs until stopped).
 */
export async function runCli (args: readonly string[], cwd: string = ROOT, echo?: (text: string) => void): Promise<{ code: number, stdout: string, stderr: string }> {
  let stdout = ''
  let stderr = ''
  const previous = process.cwd()
  process.chdir(cwd)
  try {
    const code = await runProgram(args, { stdout: (text) => { stdout += text; echo?.(text) }, stderr: (text) => { stderr += text; echo?.(text) } })
    return { code, stdout, stderr }
  } finally {
    process.chdir(previous)
  }
}

export function testSpec (name: string): string {
  return path.join(ROOT, 'test/specs', name)
}

interface Teardown { teardown: (fn: () => unknown) => void }

/** A fresh mock for one test file, closed when the test ends. */
export async function buildMock (t: Teardown, options: MockServerOptions = {}): Promise<MockServer> {
  const app = await buildMockServer({ specs: [SPECS], fixtures: FIXTURES, ...options })
  t.teardown(async () => await app.close())
  return app
}

export const BEARER = { authorization: 'Bearer test-token' }

/** The mock's 400 problem for a request that does not match an operation documenting no 400 or 422. */
export function invalidRequest (operationId: string, errors: object[]): object {
  const count = `${errors.length} violation${errors.length === 1 ? '' : 's'}`
  return { type: 'urn:understudy:error:invalid-request', title: 'Invalid request', status: 400, detail: `The request does not match ${operationId}: ${count}.`, errors }
}

/** The mock's 415 problem for a body of a type the operation does not take (`supported`: what it does). */
export function unsupportedMediaType (detail: string, supported: string[]): object {
  return { type: 'urn:understudy:error:unsupported-media-type', title: 'Unsupported media type', status: 415, detail, supported }
}

const ADDRESS = /on (http:\/\/127\.0\.0\.1:\d+)/

/** Waits until `output()` names the address the server listens on. */
export async function listening (output: () => string, exited: () => boolean): Promise<string> {
  const deadline = Date.now() + 20000
  while (!ADDRESS.test(output())) {
    if (exited() || Date.now() > deadline) throw new Error(`the CLI did not start:\n${output()}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return ADDRESS.exec(output())![1]!
}

/** Starts the built `understudy serve` as a process of its own on a free port. */
export async function spawnServe (t: { teardown: (fn: () => void) => void }, args: string[]): Promise<{ address: string, child: ReturnType<typeof spawn>, output: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  return { address: await listening(() => output, () => child.exitCode !== null), child, output: () => output }
}
