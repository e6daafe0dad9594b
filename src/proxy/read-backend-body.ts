import { Readable } from 'node:stream'
import { essence, isJsonMediaType, isXmlMediaType } from '../validate/media-type.js'
import { codingsOf, decode, isDecodable } from './content-codings.js'
import { joined } from './forward-request.js'

/** The most of a backend's answer read (and decoded) to be checked: a bigger one streams through unread. */
export const CHECKED_BODY_LIMIT = 16 * 1024 * 1024

export type BackendBody =
  /** Read whole: `sent` as the backend sent it (passed on so), `decoded` to check and record, or why it could not be decoded. */
  | { read: true, sent: Buffer, decoded: Buffer }
  | { read: true, sent: Buffer, decoded: undefined, undecodable: string }
  /** Passed on as it comes, unread: an event stream, a binary or a very large answer. */
  | { read: false, stream: Readable }

/**
 * A backend's answer body, read whole when the spec can hold it to its schema: text of a
 * JSON, XML, form, YAML or `text/*` media type (or none), up to CHECKED_BODY_LIMIT once
 * decoded. An event stream (which never ends), a binary body, a bigger one, or one in a
 * coding the proxy cannot decode is streamed through as it comes, and only its status
 * and headers are checked.
 */
export async function readBackendBody (body: Readable, headers: Readonly<Record<string, string | string[]>>): Promise<BackendBody> {
  const codings = codingsOf(joined(headers['content-encoding']))
  const length = Number(joined(headers['content-length']))
  if (!isChecked(joined(headers['content-type'])) || !codings.every(isDecodable) || length > CHECKED_BODY_LIMIT) return { read: false, stream: body }
  // Read by hand: leaving a for-await loop early would destroy the stream still to be passed on.
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const read: Buffer[] = []
  let size = 0
  for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
    read.push(next.value)
    size += next.value.length
    if (size > CHECKED_BODY_LIMIT) return { read: false, stream: Readable.from(rest(read, chunks)) }
  }
  const sent = Buffer.concat(read, size)
  try {
    return { read: true, sent, decoded: await decode(sent, codings, CHECKED_BODY_LIMIT) }
  } catch (error) {
    // Too big once decoded is passed on unchecked, as a big body is; broken bytes are reported.
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return { read: false, stream: Readable.from([sent]) }
    return { read: true, sent, decoded: undefined, undecodable: `${joined(headers['content-encoding'])}: ${(error as Error).message}` }
  }
}

function isChecked (contentType: string | undefined): boolean {
  if (contentType === undefined) return true
  const type = essence(contentType)
  if (type === 'text/event-stream') return false
  return type.startsWith('text/') || isJsonMediaType(type) || isXmlMediaType(type) || type === 'application/x-www-form-urlencoded' || /[/+]yaml$/.test(type)
}

async function * rest (read: readonly Buffer[], chunks: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield * read
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) yield next.value
  } finally {
    // The app went away before the end: the backend's answer is let go too.
    await chunks.return?.()
  }
}
