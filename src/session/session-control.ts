import { DEFAULT_SESSION, type Session, type SessionStore } from './session-store.js'

/** A session as `/__mock/sessions` lists it: its choice and how many state entries it holds. */
export interface SessionSummary {
  id: string
  set: string | null
  scenarios: Record<string, string>
  stateEntries: number
}

/** A session as `/__mock/sessions/<id>` shows it: its choice and its state. */
export interface SessionDetail {
  id: string
  set: string | null
  scenarios: Record<string, string>
  state: Record<string, unknown>
}

export interface SessionChoice {
  set: string | undefined
  scenarios: ReadonlyMap<string, string>
}

/**
 * What the control surface does with sessions, wherever they are kept: in this process
 * (`localSessions`) or in a store every replica shares (`RedisSessions`).
 */
export interface SessionControl {
  list: () => Promise<SessionSummary[]>
  get: (id: string) => Promise<SessionDetail | undefined>
  /** Sets the session's choice, creating it if needed. */
  choose: (id: string, choice: SessionChoice) => Promise<SessionDetail>
  /** Forgets the session (`default` starts again empty). */
  delete: (id: string) => Promise<void>
  exists: (id: string) => Promise<boolean>
  /** Clears recorded state and counters: every session's, or one's. */
  resetState: (id?: string) => Promise<void>
}

/** The sessions of this process. */
export function localSessions (sessions: SessionStore): SessionControl {
  return {
    list: async () => sessions.list().map((session) => ({ ...choiceOf(session), stateEntries: session.state.size })),
    get: async (id) => {
      const session = sessions.find(id)
      return session === undefined ? undefined : detailOf(session)
    },
    choose: async (id, { set, scenarios }) => {
      const session = sessions.open(id)
      session.set = set
      session.scenarios = new Map(scenarios)
      return detailOf(session)
    },
    delete: async (id) => {
      sessions.delete(id)
      if (id === DEFAULT_SESSION) sessions.open(DEFAULT_SESSION)
    },
    exists: async (id) => sessions.find(id) !== undefined,
    resetState: async (id) => { sessions.resetState(id) }
  }
}

function detailOf (session: Session): SessionDetail {
  return { ...choiceOf(session), state: Object.fromEntries(session.state) }
}

export function choiceOf ({ id, set, scenarios }: Pick<Session, 'id' | 'set' | 'scenarios'>): Omit<SessionSummary, 'stateEntries'> {
  return { id, set: set ?? null, scenarios: Object.fromEntries(scenarios) }
}
