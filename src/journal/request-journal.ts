import type { IncomingHttpHeaders } from 'node:http'
import type { Violation } from '../validate/violations.js'

/** What a request body is kept as, at most: the rest is cut (`bodyTruncated`). */
export const BODY_KEPT = 4096

/** One request as it arrived and was answered. */
export interface JournalEntry {
  /** Increasing: `?after=<id>` asks for what came since. */
  id: number
  time: string
  session: string
  method: string
  url: string
  /** The operation that answered; null when none matched (see `nearMisses`). */
  operationId: string | null
  /** The mock's scenario that answered; null when none did (a refusal, or the backend). */
  scenario: string | null
  /** With `--proxy`: the backend, when it answered (its answer checked, in `responseViolations`). */
  backend?: string
  status: number
  durationMs: number
  /** As sent, with credentials and cookies redacted. */
  headers: Record<string, string | string[]>
  body: string | null
  bodyTruncated: boolean
  violations: Violation[]
  responseViolations: Violation[]
  /** For a request no operation matched: what it was probably meant for. */
  nearMisses?: NearMiss[]
}

export interface NearMiss {
  /** `method`: the path is documented for other methods; `segment`: one segment differs; `base-path`: it lacks the spec's mount. */
  reason: 'method' | 'segment' | 'base-path'
  method: string
  path: string
  operationId: string
}

/** What the mock knows of a request when it has been answered; the journal makes an entry of it only when read. */
export interface Recorded {
  at: number
  session: string
  method: string
  url: string
  operationId: string | undefined
  scenario: string | undefined
  backend: string | undefined
  status: number
  durationMs: number
  headers: IncomingHttpHeaders
  body: { text: string, truncated: boolean } | undefined
  violations: string | undefined
  responseViolations: string | undefined
}

export interface JournalQuery {
  session?: string
  operationId?: string
  /** At most this many, newest first. */
  limit?: number
  /** Only those recorded after the entry with this id. */
  after?: number
}

const REDACTED = '(redacted)'

/**
 * The last `size` requests the operations were sent (a ring: the oldest goes first), kept
 * as recorded (a few references and numbers, so recording costs next to nothing) and made
 * into entries when read: redacting credentials and cookies (`authorization`,
 * `proxy-authorization`, `cookie`, and every header an apiKey scheme of the specs names),
 * parsing the violations, finding a stray request's near misses.
 */
export class RequestJournal {
  readonly #ring: Array<{ id: number, recorded: Recorded, reader: Reader }> = []
  #next = 1
  #start = 0
  #reader: Reader = { credentials: credentialHeaders([]), nearMisses: () => [] }
  #shared: ((recorded: Recorded, reader: Reader) => void) | undefined

  constructor (readonly size: number) {}

  /**
   * How the specs now served read a request: which headers are credentials, what it nearly
   * matched. Each request is read as the specs it was sent to (a reload does not change it).
   */
  readWith (credentials: ReadonlySet<string>, nearMisses: (method: string, url: string) => NearMiss[]): void {
    this.#reader = { credentials, nearMisses }
  }

  /** Every request recorded is handed on too (to a store replicas share), with how to read it. */
  share (shared: (recorded: Recorded, reader: Reader) => void): void {
    this.#shared = shared
  }

  record (recorded: Recorded): void {
    if (this.size === 0) return
    this.#shared?.(recorded, this.#reader)
    const entry = { id: this.#next++, recorded, reader: this.#reader }
    if (this.#ring.length < this.size) this.#ring.push(entry)
    else {
      this.#ring[this.#start] = entry
      this.#start = (this.#start + 1) % this.size
    }
  }

  /** Newest first. */
  list ({ session, operationId, limit = this.size, after = 0 }: JournalQuery = {}): JournalEntry[] {
    const found: JournalEntry[] = []
    for (let i = this.#ring.length - 1; i >= 0 && found.length < limit; i--) {
      const { id, recorded, reader } = this.#ring[(this.#start + i) % this.#ring.length]!
      if (id <= after) break
      if (session !== undefined && recorded.session !== session) continue
      if (operationId !== undefined && recorded.operationId !== operationId) continue
      found.push(journalEntry(id, recorded, reader))
    }
    return found
  }

  clear (): void {
    this.#ring.length = 0
    this.#start = 0
  }
}

export interface Reader {
  credentials: ReadonlySet<string>
  nearMisses: (method: string, url: string) => NearMiss[]
}

export function journalEntry (id: number, recorded: Recorded, { credentials, nearMisses }: Reader): JournalEntry {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(recorded.headers)) {
    if (value !== undefined) headers[name] = credentials.has(name) ? REDACTED : value
  }
  const entry: JournalEntry = {
    id,
    time: new Date(recorded.at).toISOString(),
    session: recorded.session,
    method: recorded.method,
    url: recorded.url,
    operationId: recorded.operationId ?? null,
    scenario: recorded.scenario ?? null,
    status: recorded.status,
    durationMs: Math.round(recorded.durationMs * 10) / 10,
    headers,
    body: recorded.body?.text ?? null,
    bodyTruncated: recorded.body?.truncated ?? false,
    violations: parsed(recorded.violations),
    responseViolations: parsed(recorded.responseViolations)
  }
  if (recorded.backend !== undefined) entry.backend = recorded.backend
  if (recorded.operationId === undefined) entry.nearMisses = nearMisses(recorded.method, recorded.url)
  return entry
}

/** Credentials and cookies never shown: these headers and those the specs' apiKey schemes name. */
export function credentialHeaders (apiKeyHeaders: Iterable<string>): Set<string> {
  return new Set(['authorization', 'proxy-authorization', 'cookie', ...[...apiKeyHeaders].map((name) => name.toLowerCase())])
}

/** A body as the journal keeps it: text, at most BODY_KEPT characters (copied, so the rest is not kept alive). */
export function keptBody (text: string): { text: string, truncated: boolean } {
  if (text.length <= BODY_KEPT) return { text, truncated: false }
  return { text: Buffer.from(text.slice(0, BODY_KEPT)).toString(), truncated: true }
}

function parsed (header: string | undefined): Violation[] {
  if (header === undefined) return []
  try {
    return JSON.parse(header) as Violation[]
  } catch {
    return []
  }
}
