import type { SessionStore } from './session-store.js'

/** What a reload took from a session's choice: its set, or a scenario of an operation. */
export interface DroppedChoice {
  session: string
  /** `set` or an operationId. */
  what: string
  /** The set's or the scenario's name. */
  name: string
}

/**
 * After a reload: every session keeps its set and its scenario per operation where the
 * new version still has them; the others are dropped (and returned). State is kept as is.
 * `scenariosOf` names an operation's scenarios, or undefined when there is no such operation now.
 */
export async function keepChoices (sessions: SessionStore, sets: { has: (name: string) => boolean }, scenariosOf: (operationId: string) => Promise<{ has: (name: string) => boolean } | undefined>): Promise<DroppedChoice[]> {
  const dropped: DroppedChoice[] = []
  for (const session of sessions.list()) {
    if (session.set !== undefined && !sets.has(session.set)) {
      dropped.push({ session: session.id, what: 'set', name: session.set })
      session.set = undefined
    }
    for (const [operationId, name] of session.scenarios) {
      if ((await scenariosOf(operationId))?.has(name) === true) continue
      dropped.push({ session: session.id, what: operationId, name })
      session.scenarios.delete(operationId)
    }
  }
  return dropped
}
