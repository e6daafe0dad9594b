import { createHash } from 'node:crypto'

/** Requests that name no session share this one. */
export const DEFAULT_SESSION = 'default'
/** State keys kept per session; past this the oldest are forgotten. */
export const MAX_STATE_KEYS = 10_000
/** State keys kept in all sessions together; past this the oldest of the least recently used session go. */
export const MAX_STATE_ENTRIES = 100_000
/** A longer key (path values may be 2,048 characters) is kept as its digest: it still matches itself. */
const MAX_KEY_LENGTH = 256

/** The key a state entry is kept under. */
export function stateKey (key: string): string {
  return key.length <= MAX_KEY_LENGTH ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`
}

/** What a fixture recorded under `key` in this session. */
export function readState (session: Session | undefined, key: string): unknown {
  return session?.state.get(stateKey(key))
}

export interface Session {
  id: string
  /** A scenario set applied to every request of the session. */
  set: string | undefined
  /** operationId → scenario, over the set. */
  scenarios: Map<string, string>
  /** Resource key → value recorded by fixtures' `state`. */
  state: Map<string, unknown>
  /** `{{counter}}`: how many answers read it; reset with the state. */
  counter: number
}

/**
 * Sessions, bounded in number: the least recently used one is dropped first (a Map keeps
 * insertion order, and every use moves a session to the end). The default session stays.
 * State is bounded per session and in all: keys of at most 256 characters, 10,000 a
 * session, `maxStateEntries` together, so no run of requests grows it past a few tens of MB.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>()
  readonly #max: number
  readonly #maxStateEntries: number
  #stateEntries = 0

  constructor (max: number, maxStateEntries = MAX_STATE_ENTRIES) {
    this.#max = max
    this.#maxStateEntries = maxStateEntries
  }

  /** State entries kept in all sessions. */
  get stateEntries (): number {
    return this.#stateEntries
  }

  /** Records what a fixture's `state` sets, forgetting the oldest entries past the bounds. */
  record (session: Session, key: string, value: unknown): void {
    const kept = stateKey(key)
    if (!session.state.delete(kept)) this.#stateEntries++
    session.state.set(kept, value)
    if (session.state.size > MAX_STATE_KEYS) this.#forgetOldest(session)
    // Least recently used sessions first: a Map iterates in insertion order.
    for (const candidate of this.#sessions.values()) {
      while (this.#stateEntries > this.#maxStateEntries && candidate.state.size > 0) this.#forgetOldest(candidate)
      if (this.#stateEntries <= this.#maxStateEntries) break
    }
  }

  /** The session's next `{{counter}}` value: 1, 2, 3… */
  count (session: Session): number {
    return ++session.counter
  }

  #forgetOldest (session: Session): void {
    for (const oldest of session.state.keys()) {
      session.state.delete(oldest)
      this.#stateEntries--
      break
    }
  }

  /** The session if it exists, marked as just used. */
  find (id: string): Session | undefined {
    const session = this.#sessions.get(id)
    if (session !== undefined && id !== DEFAULT_SESSION) {
      this.#sessions.delete(id)
      this.#sessions.set(id, session)
    }
    return session
  }

  /** The session, created (and the least recently used one dropped) if needed. */
  open (id: string): Session {
    const found = this.find(id)
    if (found !== undefined) return found
    const session: Session = { id, set: undefined, scenarios: new Map(), state: new Map(), counter: 0 }
    this.#sessions.set(id, session)
    // `default` is not counted: maxSessions is how many of one's own sessions are kept.
    if (this.#sessions.size - (this.#sessions.has(DEFAULT_SESSION) ? 1 : 0) > this.#max) {
      for (const oldest of this.#sessions.keys()) {
        if (oldest === DEFAULT_SESSION || oldest === id) continue
        this.delete(oldest)
        break
      }
    }
    return session
  }

  delete (id: string): boolean {
    this.#stateEntries -= this.#sessions.get(id)?.state.size ?? 0
    return this.#sessions.delete(id)
  }

  list (): Session[] {
    return [...this.#sessions.values()]
  }

  /** Clears recorded state: every session's, or one's. */
  resetState (id?: string): void {
    const sessions = id === undefined ? this.#sessions.values() : [this.#sessions.get(id)]
    for (const session of sessions) {
      if (session === undefined) continue
      this.#stateEntries -= session.state.size
      session.state.clear()
      session.counter = 0
    }
  }
}
