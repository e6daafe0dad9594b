/** Requests that name no session share this one. */
export const DEFAULT_SESSION = 'default'
/** State keys kept per session; past this the oldest are forgotten. */
const MAX_STATE_KEYS = 10_000

export interface Session {
  id: string
  /** A scenario set applied to every request of the session. */
  set: string | undefined
  /** operationId → scenario, over the set. */
  scenarios: Map<string, string>
  /** Resource key → value recorded by fixtures' `state`. */
  state: Map<string, unknown>
}

/**
 * Sessions, bounded in number: the least recently used one is dropped first (a Map keeps
 * insertion order, and every use moves a session to the end). The default session stays.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>()
  readonly #max: number

  constructor (max: number) {
    this.#max = max
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
    const session: Session = { id, set: undefined, scenarios: new Map(), state: new Map() }
    this.#sessions.set(id, session)
    // `default` is not counted: maxSessions is how many of one's own sessions are kept.
    if (this.#sessions.size - (this.#sessions.has(DEFAULT_SESSION) ? 1 : 0) > this.#max) {
      for (const oldest of this.#sessions.keys()) {
        if (oldest === DEFAULT_SESSION || oldest === id) continue
        this.#sessions.delete(oldest)
        break
      }
    }
    return session
  }

  delete (id: string): boolean {
    return this.#sessions.delete(id)
  }

  list (): Session[] {
    return [...this.#sessions.values()]
  }

  /** Clears recorded state: every session's, or one's. */
  resetState (id?: string): void {
    const sessions = id === undefined ? this.#sessions.values() : [this.#sessions.get(id)]
    for (const session of sessions) session?.state.clear()
  }
}

export function recordState (session: Session, key: string, value: unknown): void {
  session.state.delete(key)
  session.state.set(key, value)
  if (session.state.size > MAX_STATE_KEYS) {
    for (const oldest of session.state.keys()) {
      session.state.delete(oldest)
      break
    }
  }
}
