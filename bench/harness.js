// What the benchmarks share: their options, pinning the server and the load generator to a
// core each, a free port, and the CPU shares around a load.
import { execFileSync } from 'node:child_process'
import { createServer } from 'node:net'
import { availableParallelism, cpus } from 'node:os'

/** A positive number from the environment, or `fallback`. */
export function positive (name, fallback) {
  const value = Number(process.env[name] ?? fallback)
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${process.env[name]}`)
  return value
}

/**
 * Servers on CPU 0, this process (autocannon) on CPU 1: otherwise they steal each other's
 * core. `{ pinned: false, why }` on a machine without two CPUs or taskset.
 */
export function pinning () {
  if (availableParallelism() < 2) return { pinned: false, why: 'fewer than 2 CPUs' }
  try {
    // -a: every thread of this process (libuv pool, V8 helpers), not just the main one.
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' })
    return { pinned: true }
  } catch {
    return { pinned: false, why: 'taskset not available' }
  }
}

/** `[command, args]` that runs `command args` on CPU `cpu` when pinned. */
export function onCore (pinned, cpu, command, args) {
  return pinned ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args]
}

/** The same on the servers' core, CPU 0. */
export const onServerCore = (pinned, command, args) => onCore(pinned, 0, command, args)

export async function freePort () {
  return await new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Busy CPU time of the whole machine in µs, to spot other processes competing for the cores. */
export function machineBusy () {
  return cpus().reduce((sum, { times }) => sum + times.user + times.nice + times.sys + times.irq, 0) * 1000
}

/** A server child's CPU time so far in µs, asked over IPC (bench/serve.js answers). */
export function cpuOf (child) {
  return new Promise((resolve) => {
    child.once('message', ({ cpu }) => resolve(cpu.user + cpu.system))
    child.send('cpu')
  })
}

export const percent = (share) => `${(share * 100).toFixed(0)}%`
