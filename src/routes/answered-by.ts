import type { FastifyRequest } from 'fastify'

/** What the mock noted of a request while answering it, for its log line and its journal entry. */
export interface AnswerNote {
  operationId: string
  /** Once the mock headers are read. */
  session: string | undefined
  /** The backend that answered (`--proxy`), when one did. */
  backend?: string
}

const notes = new WeakMap<FastifyRequest, AnswerNote>()

/** Notes that `operationId` answers `request`; the note's session is filled in as it is known. */
export function noteOperation (request: FastifyRequest, operationId: string): AnswerNote {
  const note: AnswerNote = { operationId, session: undefined }
  notes.set(request, note)
  return note
}

export function answeredBy (request: FastifyRequest): AnswerNote | undefined {
  return notes.get(request)
}

const bodies = new WeakMap<FastifyRequest, string | Buffer>()

/** The body as it came (text, or bytes of any other media type), for the journal. */
export function noteBody (request: FastifyRequest, body: string | Buffer): void {
  bodies.set(request, body)
}

export function bodyOf (request: FastifyRequest): string | Buffer | undefined {
  return bodies.get(request)
}
