import { UnderstudyError } from '../errors.js'
import type { CliIo } from './program.js'

export interface StopOptions {
  port: number
  host: string
  timeout: number
}

/**
 * `understudy stop`: asks the `serve` on this machine to stop (`POST /__mock/stop`) and
 * returns once it no longer answers, so its coverage report is written and its exit code
 * set by the time `wait $MOCK` returns.
 */
export async function stop (options: StopOptions, io: CliIo): Promise<void> {
  const base = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`
  const answer = await fetch(`${base}/__mock/stop`, { method: 'POST' }).catch(() => undefined)
  if (answer === undefined) throw new UnderstudyError('UNDERSTUDY_STOP_FAILED', `nothing answers on ${base}`)
  if (answer.status !== 202) throw new UnderstudyError('UNDERSTUDY_STOP_FAILED', `${base} answered ${answer.status}: is it an understudy serve?`)
  const deadline = Date.now() + options.timeout
  while (await fetch(`${base}/__mock/health`).then(() => true, () => false)) {
    if (Date.now() > deadline) throw new UnderstudyError('UNDERSTUDY_STOP_FAILED', `${base} still answers after ${options.timeout} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  io.stdout(`understudy: ${base} stopped\n`)
}
