import { Worker } from 'node:worker_threads'
import { ERROR_CODES, UnderstudyError } from '../errors.js'
import type { ValidationAnswer } from './validate-document-worker.js'

export interface AsideValidation {
  /** The document's problems against the OpenAPI schema (see findDocumentProblems), worked out on another thread. */
  problemsOf: (file: string) => Promise<UnderstudyError[]>
  close: () => Promise<void>
}

/**
 * One worker thread that validates documents against the OpenAPI schema while the main
 * thread converts, resolves and indexes them (GitHub's spec: 1.2 s of validation off the
 * path to the first answer). It is made on the first file asked for.
 */
export function validateAside (): AsideValidation {
  let worker: Worker | undefined
  let next = 0
  const waiting = new Map<number, { file: string, resolve: (problems: UnderstudyError[]) => void, reject: (error: Error) => void }>()
  const start = (): Worker => {
    const made = new Worker(new URL('./validate-document-worker.js', import.meta.url))
    made.on('message', ({ id, problems }: ValidationAnswer) => {
      const pending = waiting.get(id)
      waiting.delete(id)
      pending?.resolve(problems.map(({ code, message, pointer }) =>
        new UnderstudyError(code, message.slice(ERROR_CODES[code].length + 2), { file: pending.file, pointer })))
    })
    made.on('error', (error) => {
      for (const pending of waiting.values()) pending.reject(error)
      waiting.clear()
    })
    return made
  }
  return {
    problemsOf: async (file) => await new Promise((resolve, reject) => {
      const id = next++
      waiting.set(id, { file, resolve, reject })
      ;(worker ??= start()).postMessage({ id, file })
    }),
    close: async () => { await worker?.terminate() }
  }
}
