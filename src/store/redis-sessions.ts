import { choiceOf, type SessionChoice, type SessionControl, type SessionDetail, type SessionSummary } from '../session/session-control.js'
import { DEFAULT_SESSION, MAX_STATE_KEYS, stateKey, type Session, type SessionStore } from '../session/session-store.js'
import type { RedisConnection } from './connect-redis.js'

/** A session's state and counter not changed for this long expire (its choice stays, bounded by --max-sessions). */
export const STATE_TTL_MS = 24 * 60 * 60 * 1000

/** How soon a snapshot of the choices that failed (the store away again) is tried again. */
const RESYNC_RETRY_MS = 500

interface StoredChoice { set: string | null, scenarios: Record<string, string>, version: number }

/**
 * Sessions every replica shares, in Redis: `<prefix>sessions` (ids by last change),
 * `choice:<id>` (its set and scenarios, with the version of the change), `state:<id>`
 * (what fixtures recorded), `counter:<id>`; past `maxSessions` the least recently changed
 * are forgotten.
 *
 * Choices are read on every request, so each mock keeps them in its own SessionStore, hears
 * every change on the `<prefix>sessions` channel, and reads them all again (one script
 * call) whenever its connections come back; of a message and a snapshot, the newer version
 * wins, so a late one never undoes a change. A request costs no round trip for them. State
 * is read from Redis, in one round trip, only by requests to operations whose fixtures read
 * it, and written back (one script call) before the answer of a fixture that records it.
 */
export class RedisSessions implements SessionControl {
  readonly #store: RedisConnection
  readonly #local: SessionStore
  readonly #maxSessions: number
  /** The version of the last change applied, per session this mock has. */
  readonly #versions = new Map<string, number>()
  /**
   * No session this mock does not have changed at or before this version: the last
   * forgetting it applied. (The channel brings changes in version order; only a snapshot,
   * read over the other connection, can be older than a message, or newer.)
   */
  #floor = 0
  #resync: NodeJS.Timeout | undefined
  #closed = false

  constructor (store: RedisConnection, local: SessionStore, maxSessions: number) {
    this.#store = store
    this.#local = local
    this.#maxSessions = maxSessions
  }

  #key (kind: 'choice' | 'state' | 'counter', id: string): string {
    return `${this.#store.prefix}${kind}:${id}`
  }

  get #sessions (): string {
    return `${this.#store.prefix}sessions`
  }

  #args (id: string): [string, number, number, string, string] {
    return [id, Date.now(), this.#maxSessions, this.#store.prefix, DEFAULT_SESSION]
  }

  /** A change of a session's choice made on any replica (`<prefix>sessions`). */
  hear (message: Record<string, unknown>): void {
    if (typeof message.id !== 'string' || typeof message.version !== 'number') return
    this.#apply(message.id, message.deleted === true ? undefined : message as unknown as StoredChoice, message.version)
  }

  close (): void {
    this.#closed = true
    clearTimeout(this.#resync)
  }

  /** A change, if it is newer than what this mock has of the session. */
  #apply (id: string, choice: Omit<StoredChoice, 'version'> | undefined, version: number): void {
    if ((this.#versions.get(id) ?? this.#floor) >= version) return
    if (choice === undefined) {
      this.#versions.delete(id)
      this.#floor = Math.max(this.#floor, version)
      this.#local.delete(id)
      if (id === DEFAULT_SESSION) this.#local.open(DEFAULT_SESSION)
      return
    }
    this.#versions.set(id, version)
    const session = this.#local.open(id)
    session.set = choice.set ?? undefined
    session.scenarios = new Map(Object.entries(choice.scenarios))
  }

  /**
   * Every session's choice as Redis has it, over what this mock knew: at start, and after a
   * reconnection (what the channel said meanwhile is lost). Tried again until the store
   * answers; resolves once applied or, failing, once the next try is set.
   */
  async snapshot (): Promise<void> {
    clearTimeout(this.#resync)
    const { redis } = this.#store
    await redis.understudySnapshot(this.#sessions, ...this.#args(DEFAULT_SESSION)).then(([version = '0', ...pairs]) => {
      const known = new Set<string>()
      for (let i = 0; i < pairs.length; i += 2) {
        const id = pairs[i]!
        known.add(id)
        // A session with state and no choice: as new, unless this mock knows better.
        const stored = pairs[i + 1] === '' ? { set: null, scenarios: {}, version: this.#floor + 0.5 } : JSON.parse(pairs[i + 1]!) as StoredChoice
        this.#apply(id, stored, stored.version)
      }
      // Gone from Redis, and this mock heard of nothing since the snapshot was taken: forgotten.
      for (const session of this.#local.list()) {
        if (!known.has(session.id) && session.id !== DEFAULT_SESSION) this.#apply(session.id, undefined, Number(version) + 0.5)
      }
    }, () => {
      if (!this.#closed) this.#resync = setTimeout(() => { void this.snapshot() }, RESYNC_RETRY_MS).unref()
    })
  }

  /**
   * The session a request names, with the state entries `keys` as Redis has them now and,
   * if `counter`, its next `{{counter}}` (counted in Redis, so no two answers share one):
   * one round trip. Its choice is this mock's copy.
   */
  async read (id: string, keys: readonly string[], counter: boolean): Promise<Session> {
    const cached = this.#local.find(id)
    const kept = keys.map(stateKey)
    const { redis } = this.#store
    const [values, count] = await this.#store.use(async () => await Promise.all([
      kept.length === 0 ? [] : redis.hmget(this.#key('state', id), ...kept),
      counter ? redis.understudyCount(this.#sessions, this.#key('counter', id), ...this.#args(id), STATE_TTL_MS) : 0
    ]))
    const state = new Map<string, unknown>()
    kept.forEach((key, index) => {
      const value = values[index]
      if (value !== null && value !== undefined) state.set(key, JSON.parse(value))
    })
    // The template's next count is the one Redis just counted.
    return { id, set: cached?.set, scenarios: cached?.scenarios ?? new Map(), state, counter: count - 1 }
  }

  /**
   * The state a fixture recorded, written (one script call) before the answer goes: the
   * next request, through any replica, sees it. (Sent without waiting, a write can reach
   * Redis after the next request's read: ioredis's first call of a script is two.)
   */
  async write (id: string, key: string, value: unknown): Promise<void> {
    const { redis } = this.#store
    await this.#store.use(async () => await redis.understudyWrite(this.#sessions, this.#key('state', id), ...this.#args(id), STATE_TTL_MS, MAX_STATE_KEYS, stateKey(key), JSON.stringify(value)))
  }

  async list (): Promise<SessionSummary[]> {
    const { redis } = this.#store
    const ids = await this.#store.use(async () => await redis.zrange(this.#sessions, 0, -1))
    if (!ids.includes(DEFAULT_SESSION)) ids.unshift(DEFAULT_SESSION)
    const pipeline = redis.pipeline()
    for (const id of ids) pipeline.get(this.#key('choice', id)).hlen(this.#key('state', id))
    const replies = await this.#exec(pipeline)
    return ids.map((id, index) => ({ ...choiceOf({ id, ...parseChoice(replies[index * 2] as string | null) }), stateEntries: replies[index * 2 + 1] as number }))
  }

  async get (id: string): Promise<SessionDetail | undefined> {
    const { redis } = this.#store
    const [score, choice, state] = await this.#exec(redis.pipeline().zscore(this.#sessions, id).get(this.#key('choice', id)).hgetall(this.#key('state', id)))
    if (score === null && id !== DEFAULT_SESSION) return undefined
    return detail(id, choice as string | null, state as Record<string, string>)
  }

  async choose (id: string, { set, scenarios }: SessionChoice): Promise<SessionDetail> {
    const { redis } = this.#store
    const choice = { set: set ?? null, scenarios: Object.fromEntries(scenarios) }
    const [stored, state] = await this.#exec(redis.pipeline()
      .understudyChoose(this.#sessions, ...this.#args(id), JSON.stringify(choice))
      .hgetall(this.#key('state', id)))
    // This mock's copy at once: its next request must not wait for the channel.
    this.#apply(id, choice, (JSON.parse(stored as string) as StoredChoice).version)
    return detail(id, stored as string, state as Record<string, string>)
  }

  async delete (id: string): Promise<void> {
    await this.#store.use(async () => await this.#store.redis.understudyForget(this.#sessions, ...this.#args(id)))
  }

  async exists (id: string): Promise<boolean> {
    return id === DEFAULT_SESSION || await this.#store.use(async () => await this.#store.redis.zscore(this.#sessions, id)) !== null
  }

  async resetState (id?: string): Promise<void> {
    const { redis } = this.#store
    const ids = id === undefined ? [DEFAULT_SESSION, ...await this.#store.use(async () => await redis.zrange(this.#sessions, 0, -1))] : [id]
    await this.#store.use(async () => await redis.del(...ids.flatMap((each) => [this.#key('state', each), this.#key('counter', each)])))
  }

  /** A pipeline's replies; the first error (a store away, a script's) thrown. */
  async #exec (pipeline: ReturnType<RedisConnection['redis']['pipeline']>): Promise<unknown[]> {
    return await this.#store.use(async () => (await pipeline.exec() ?? []).map(([error, reply]) => {
      if (error !== null) throw error
      return reply
    }))
  }
}

function parseChoice (text: string | null): { set: string | undefined, scenarios: Map<string, string> } {
  if (text === null) return { set: undefined, scenarios: new Map() }
  const { set, scenarios } = JSON.parse(text) as StoredChoice
  return { set: set ?? undefined, scenarios: new Map(Object.entries(scenarios)) }
}

function detail (id: string, choice: string | null, state: Record<string, string>): SessionDetail {
  return { ...choiceOf({ id, ...parseChoice(choice) }), state: Object.fromEntries(Object.entries(state).map(([key, value]) => [key, JSON.parse(value) as unknown])) }
}
