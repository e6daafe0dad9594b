import { Worker } from 'node:worker_threads'
import { UnderstudyError } from '../errors.js'
import type { ValidationAnswer } from './validate-document-worker.js'

export interface AsideValidation {
  /** The document's problems against the OpenAPI schema (see findDocumentProblems), worked out on another thread. */
  problemsOf: (file: string) => Promise<UnderstudyError[]>
  close: () => Promise<void>
}

interface Waiting { file: string, resolve: (problems: UnderstudyError[]) => void, reject: (error: Error) => void }

/**
 * One worker thread that validates documents against the OpenAPI schema while the main
 * thread converts, resolves and indexes them (GitHub's spec: 1.2 s of validation off the
 * path to the first answer). It is made on the first file asked for. Once it has failed
 * (or exited), every question is refused at once, so the caller validates on its own.
 */
export function validateAside (): AsideValidation {
  let worker: Worker | undefined
  let failure: Error | undefined
  let next = 0
  const waiting = new Map<number, Waiting>()
  const fail = (error: Error): void => {
    failure ??= error
    for (const pending of waiting.values()) pending.reject(failure)
    waiting.clear()
  }
  const start = (): Worker => {
    const made = new Worker(new URL('./validate-document-worker.js', import.meta.url))
    made.on('message', ({ id, problems }: ValidationAnswer) => {
      const pending = waiting.get(id)
      waiting.delete(id)
      pending?.resolve(problems.map(({ code, detail, pointer }) => new UnderstudyError(code, detail, { file: pending.file, pointer })))
    })
    made.on('error', fail)
    made.on('exit', () => { fail(new Error('the validation thread exited')) })
    return made
  }
  return {
    problemsOf: async (file) => await new Promise((resolve, reject) => {
      if (failure !== undefined) return reject(failure)
      const id = next++
      waiting.set(id, { file, resolve, reject })
      ;(worker ??= start()).postMessage({ id, file })
    }),
    close: async () => {
      failure ??= new Error('closed')
      await worker?.terminate()
    }
  }
}
