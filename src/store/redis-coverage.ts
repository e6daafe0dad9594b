import { MAX_COVERAGE_ENTRIES, entryOf, type CoverageRecorder, type CoverageReport } from '../coverage/coverage-recorder.js'
import { BatchSender } from './batch-sender.js'
import type { RedisConnection } from './connect-redis.js'

/**
 * Coverage every replica adds to: `<prefix>coverage`, a count per session × operation ×
 * status × scenario (at most 100,000 of them; past that counted in `coverage-dropped`).
 * Counts are added here and sent in one script call every FLUSH_MS (BatchSender), so an
 * answer costs no round trip; the report is this mock's recorder's, over Redis's counts.
 */
export class RedisCoverage {
  readonly #store: RedisConnection
  readonly #recorder: CoverageRecorder
  #pending = new Map<string, number>()
  readonly #sender = new BatchSender(async () => await this.#send())

  constructor (store: RedisConnection, recorder: CoverageRecorder) {
    this.#store = store
    this.#recorder = recorder
  }

  get #hash (): string {
    return `${this.#store.prefix}coverage`
  }

  /** Another replica reset coverage (of a session): what waits here of it is of before, let go too. */
  hear (message: Record<string, unknown>): void {
    if (message.clear !== 'coverage') return
    this.#forgetPending(typeof message.session === 'string' ? message.session : undefined)
  }

  #forgetPending (session: string | undefined): void {
    if (session === undefined) this.#pending.clear()
    else for (const key of this.#pending.keys()) if (key.startsWith(`${session}\n`)) this.#pending.delete(key)
  }

  /** What waits is sent; nothing is tried again after. */
  async close (): Promise<void> {
    await this.#sender.close()
  }

  add (key: string): void {
    const count = this.#pending.get(key)
    if (count !== undefined) this.#pending.set(key, count + 1)
    else if (this.#pending.size < MAX_COVERAGE_ENTRIES) this.#pending.set(key, 1)
    this.#sender.due()
  }

  async flush (): Promise<void> {
    await this.#sender.flush()
  }

  /** Sends the counts that wait; kept (added to any since) for the next try if the store is away. */
  async #send (): Promise<boolean> {
    const batch = this.#pending
    if (batch.size === 0) return true
    this.#pending = new Map()
    try {
      await this.#store.use(async () => await this.#store.redis.understudyCoverage(this.#hash, `${this.#hash}-dropped`, MAX_COVERAGE_ENTRIES, ...[...batch].flat()))
      return true
    } catch {
      for (const [key, count] of batch) this.#pending.set(key, (this.#pending.get(key) ?? 0) + count)
      return false
    }
  }

  async report (session?: string): Promise<CoverageReport> {
    await this.flush()
    const { redis } = this.#store
    const [counts, dropped] = await this.#store.use(async () => await Promise.all([redis.hgetall(this.#hash), redis.get(`${this.#hash}-dropped`)]))
    return await this.#recorder.report(session, Object.entries(counts).map(([key, count]) => entryOf(key, Number(count))), Number(dropped ?? 0))
  }

  /** Forgets what was served: in every session, or in one. */
  async reset (session?: string): Promise<void> {
    const { redis } = this.#store
    this.#forgetPending(session)
    if (session === undefined) {
      await this.#store.use(async () => await redis.del(this.#hash, `${this.#hash}-dropped`))
    } else {
      const fields = (await this.#store.use(async () => await redis.hkeys(this.#hash))).filter((key) => key.startsWith(`${session}\n`))
      if (fields.length > 0) await this.#store.use(async () => await redis.hdel(this.#hash, ...fields))
    }
    await this.#store.use(async () => { await this.#store.publish({ clear: 'coverage', ...(session === undefined ? {} : { session }) }) })
  }
}
