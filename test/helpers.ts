import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { buildMockServer, type MockServer, type MockServerOptions } from '../src/index.js'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const SPECS = fileURLToPath(new URL('../specs', import.meta.url))
export const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url))

/** The built CLI: dist/ must be current (`npm test` builds first, or `npx tsc -p tsconfig.json`). */
export const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))

/** Runs `understudy <args>` from the repository root (or `cwd`) to its end. */
export async function runCli (args: readonly string[], cwd: string = ROOT): Promise<{ code: number, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const [code] = await once(child, 'exit') as [number]
  return { code, stdout, stderr }
}

export function testSpec (name: string): string {
  return fileURLToPath(new URL(`./specs/${name}`, import.meta.url))
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
