import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'

/** Debian's `redis-server` (`apt-get install redis-server`); `REDIS_SERVER` names another. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server'

/**
 * Why the Redis tests cannot run here (tap reports them skipped, with this line), or false.
 * `.ci/run` installs redis-server and sets UNDERSTUDY_REDIS_TESTS=required: there a missing
 * one fails the run instead.
 */
export function noRedis (): string | false {
  if (spawnSync(REDIS_SERVER, ['--version']).status === 0) return false
  const reason = `no ${REDIS_SERVER} on this machine: install it (apt-get install redis-server) or set REDIS_SERVER to run the shared-store tests`
  if (process.env.UNDERSTUDY_REDIS_TESTS === 'required') throw new Error(reason)
  return reason
}

export interface TestRedis {
  url: string
  /** Stops it (the mocks' connections drop) and resolves once it is gone. */
  stop: () => Promise<void>
  /** Starts it again on the same port, empty. */
  start: () => Promise<void>
}

/** A redis-server of the test's own on 127.0.0.1 (a free port, nothing saved), stopped when the test ends. */
export async function startRedis (t: { teardown: (fn: () => unknown) => void }): Promise<TestRedis> {
  const port = await freePort()
  let server: ChildProcess | undefined
  const start = async (): Promise<void> => {
    const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
    server = child
    let output = ''
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) resolve()
      })
      child.once('exit', () => { reject(new Error(`redis-server did not start:\n${output}`)) })
    })
  }
  const stop = async (): Promise<void> => {
    const child = server
    server = undefined
    if (child === undefined || child.exitCode !== null) return
    child.kill('SIGKILL')
    await once(child, 'exit')
  }
  await start()
  t.teardown(stop)
  return { url: `redis://127.0.0.1:${port}/0`, stop, start }
}

async function freePort (): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}
