import { choiceOf, type SessionChoice, type SessionControl, type SessionDetail, type SessionSummary } from '../session/session-control.js'
import { DEFAULT_SESSION, MAX_STATE_KEYS, stateKey, type Session, type SessionStore } from '../session/session-store.js'
import type { RedisConnection } from './connect-redis.js'

/** A session Redis has not seen changed (chosen, or state recorded) for this long is forgotten: its keys expire. */
export const SESSION_TTL_MS = 24 * 60 * 60 * 1000

/** What the sessions channel tells every mock: a session's new choice, or that it is gone. */
type ChoiceMessage = { id: string, set: string | null, scenarios: Record<string, string> } | { id: string, deleted: true }

/**
 * Sessions every replica shares, in Redis: `<prefix>sessions` (ids by last change),
 * `choice:<id>` (its set and scenarios, JSON), `state:<id>` (what fixtures recorded),
 * `counter:<id>`; each key expires SESSION_TTL_MS after the session last changed, and past
 * `maxSessions` the least recently changed are forgotten.
 *
 * Choices are read on every request, so each mock keeps them in its own SessionStore and
 * hears every change on the `<prefix>sessions` channel (all of them again after a
 * reconnect): a request costs no round trip for them. State is read from Redis, in one
 * round trip, only by requests to operations whose fixtures read it, and written back in
 * one when a fixture records it.
 */
export class RedisSessions implements SessionControl {
  readonly #store: RedisConnection
  readonly #local: SessionStore
  readonly #maxSessions: number
  /** The counter a request's session had when read: what it counted is written back as an increment. */
  readonly #counted = new WeakMap<Session, number>()

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

  /** Hears every choice made on any replica; on each (re)connection, reads them all again. */
  async listen (): Promise<void> {
    const { subscriber } = this.#store
    const channel = this.#sessions
    subscriber.on('message', (from: string, text: string) => {
      if (from === channel) this.#apply(JSON.parse(text) as ChoiceMessage)
    })
    subscriber.on('ready', () => { this.#resync().catch(() => {}) })
    await subscriber.subscribe(channel)
    await this.#resync()
  }

  #apply (message: ChoiceMessage): void {
    if ('deleted' in message) {
      this.#local.delete(message.id)
      if (message.id === DEFAULT_SESSION) this.#local.open(DEFAULT_SESSION)
      return
    }
    const session = this.#local.open(message.id)
    session.set = message.set ?? undefined
    session.scenarios = new Map(Object.entries(message.scenarios))
  }

  /** Every session's choice as Redis has it, in place of what this mock knew. */
  async #resync (): Promise<void> {
    const { redis } = this.#store
    const ids = await this.#store.use(async () => await redis.zrange(this.#sessions, 0, -1))
    const choices = ids.length === 0 ? [] : await this.#store.use(async () => await redis.mget(ids.map((id) => this.#key('choice', id))))
    const known = new Set(ids)
    for (const session of this.#local.list()) {
      if (!known.has(session.id)) this.#apply({ id: session.id, deleted: true })
    }
    ids.forEach((id, index) => {
      const choice = choices[index]
      this.#apply(choice === null || choice === undefined ? { id, set: null, scenarios: {} } : { id, ...JSON.parse(choice) as { set: string | null, scenarios: Record<string, string> } })
    })
  }

  /**
   * The session a request names, with the state entries `keys` and (if `counter`) its
   * counter as Redis has them now: one round trip. Its choice is this mock's copy.
   */
  async read (id: string, keys: readonly string[], counter: boolean): Promise<Session> {
    const cached = this.#local.find(id)
    const kept = keys.map(stateKey)
    const { redis } = this.#store
    const [values, count] = await this.#store.use(async () => await Promise.all([
      kept.length === 0 ? [] : redis.hmget(this.#key('state', id), ...kept),
      counter ? redis.get(this.#key('counter', id)) : null
    ]))
    const state = new Map<string, unknown>()
    kept.forEach((key, index) => {
      const value = values[index]
      if (value !== null && value !== undefined) state.set(key, JSON.parse(value))
    })
    const session: Session = { id, set: cached?.set, scenarios: cached?.scenarios ?? new Map(), state, counter: Number(count ?? 0) }
    this.#counted.set(session, session.counter)
    return session
  }

  /**
   * What one answer changed in its session, written back in one round trip: the state a
   * fixture recorded, how far its `{{counter}}` went. The session is marked changed.
   */
  async write (id: string, session: Session | undefined, recorded: { key: string, value: unknown } | undefined): Promise<void> {
    const counted = session === undefined ? 0 : session.counter - (this.#counted.get(session) ?? session.counter)
    if (recorded === undefined && counted === 0) return
    const { redis, prefix } = this.#store
    await this.#store.use(async () => await redis.understudyWrite(
      this.#sessions, this.#key('state', id), this.#key('counter', id), id, Date.now(), this.#maxSessions, prefix, DEFAULT_SESSION,
      SESSION_TTL_MS, MAX_STATE_KEYS, counted, ...(recorded === undefined ? [] : [stateKey(recorded.key), JSON.stringify(recorded.value)])))
  }

  async list (): Promise<SessionSummary[]> {
    const { redis } = this.#store
    // Those not changed within the TTL have had their keys expire: forgotten.
    const [, ids] = await this.#exec(redis.pipeline().zremrangebyscore(this.#sessions, '-inf', Date.now() - SESSION_TTL_MS).zrange(this.#sessions, 0, -1)) as [number, string[]]
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
    const { redis, prefix } = this.#store
    const message = { id, set: set ?? null, scenarios: Object.fromEntries(scenarios) }
    const choice = JSON.stringify({ set: message.set, scenarios: message.scenarios })
    const replies = await this.#exec(redis.pipeline()
      .understudyTouch(this.#sessions, id, Date.now(), this.#maxSessions, prefix, DEFAULT_SESSION)
      .set(this.#key('choice', id), choice, 'PX', SESSION_TTL_MS)
      .publish(this.#sessions, JSON.stringify(message))
      .hgetall(this.#key('state', id)))
    // This mock's copy at once: its next request must not wait for the channel.
    this.#apply(message)
    return detail(id, choice, replies[3] as Record<string, string>)
  }

  async delete (id: string): Promise<void> {
    const { redis } = this.#store
    await this.#exec(redis.pipeline()
      .del(this.#key('choice', id), this.#key('state', id), this.#key('counter', id))
      .zrem(this.#sessions, id)
      .publish(this.#sessions, JSON.stringify({ id, deleted: true })))
    this.#apply({ id, deleted: true })
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
  const { set, scenarios } = JSON.parse(text) as { set: string | null, scenarios: Record<string, string> }
  return { set: set ?? undefined, scenarios: new Map(Object.entries(scenarios)) }
}

function detail (id: string, choice: string | null, state: Record<string, string>): SessionDetail {
  return { ...choiceOf({ id, ...parseChoice(choice) }), state: Object.fromEntries(Object.entries(state).map(([key, value]) => [key, JSON.parse(value) as unknown])) }
}
