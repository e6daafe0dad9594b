import { parentPort } from 'node:worker_threads'
import { ERROR_CODES, UnderstudyError } from '../errors.js'
import { readDocument } from './read-document.js'
import { findDocumentProblems } from './validate-document.js'

export interface ValidationRequest { id: number, file: string }
export interface ValidationAnswer { id: number, problems: Array<{ code: UnderstudyError['code'], detail: string, pointer: string | undefined }> }

// A thread of its own: the OpenAPI schema's validator (and the document it reads) never
// holds up the main thread, which goes on loading meanwhile. Files are validated in turn.
parentPort?.on('message', ({ id, file }: ValidationRequest) => {
  const answer = async (): Promise<ValidationAnswer> => {
    try {
      const problems = findDocumentProblems(await readDocument(file) as Record<string, unknown>, file)
      return { id, problems: problems.map(({ code, message, pointer }) => ({ code, detail: message.slice(ERROR_CODES[code].length + 2), pointer })) }
    } catch (error) {
      // The main thread reads the file too, and reports what stops it.
      return { id, problems: error instanceof UnderstudyError ? [] : [{ code: 'UNDERSTUDY_SPEC_INVALID', detail: `the document could not be validated: ${String(error)}`, pointer: '' }] }
    }
  }
  void answer().then((message) => parentPort?.postMessage(message))
})
