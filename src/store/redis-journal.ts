import { journalEntry, type JournalEntry, type JournalQuery, type Reader, type Recorded } from '../journal/request-journal.js'
import { BatchSender } from './batch-sender.js'
import type { RedisConnection } from './connect-redis.js'

/**
 * The journal every replica writes to: `<prefix>journal`, a list capped at `size`, newest
 * first, each entry with an id from `<prefix>journal-id`, so `?after=<id>` works over
 * every replica's requests. Requests are not written one by one on their way out: they
 * are kept here and sent in one script call every FLUSH_MS (BatchSender), made into
 * entries (redacted) only then, so a request costs no round trip. While the store is away
 * the newest `size` wait.
 */
export class RedisJournal {
  readonly #store: RedisConnection
  readonly size: number
  #pending: Array<{ recorded: Recorded, reader: Reader }> = []
  readonly #sender = new BatchSender(async () => await this.#send())

  constructor (store: RedisConnection, size: number) {
    this.#store = store
    this.size = size
  }

  get #list (): string {
    return `${this.#store.prefix}journal`
  }

  /** Another replica cleared the journal: what waits here is of before, let go too. */
  hear (message: Record<string, unknown>): void {
    if (message.clear === 'journal') this.#pending = []
  }

  /** What waits is sent; nothing is tried again after. */
  async close (): Promise<void> {
    await this.#sender.close()
  }

  add (recorded: Recorded, reader: Reader): void {
    // Only the newest `size` are ever sent; the older are let go in halves, not one by one.
    if (this.#pending.push({ recorded, reader }) > 2 * this.size) this.#pending.splice(0, this.size)
    this.#sender.due()
  }

  async flush (): Promise<void> {
    await this.#sender.flush()
  }

  /** Sends what waits; kept for the next try if the store is away (or the batch cannot be made). */
  async #send (): Promise<boolean> {
    const batch = this.#pending.slice(-this.size)
    if (batch.length === 0) return true
    this.#pending = []
    try {
      const entries = batch.map(({ recorded, reader }) => {
        const { id: _, ...entry } = journalEntry(0, recorded, reader)
        return JSON.stringify(entry)
      })
      await this.#store.use(async () => await this.#store.redis.understudyJournal(this.#list, `${this.#list}-id`, this.size, ...entries))
      return true
    } catch {
      this.#pending = [...batch, ...this.#pending].slice(-this.size)
      return false
    }
  }

  /** Newest first, over every replica; this one's latest requests sent first. */
  async list ({ session, operationId, limit = this.size, after = 0 }: JournalQuery = {}): Promise<JournalEntry[]> {
    await this.flush()
    const lines = await this.#store.use(async () => await this.#store.redis.lrange(this.#list, 0, this.size - 1))
    const found: JournalEntry[] = []
    for (const line of lines) {
      if (found.length >= limit) break
      const cut = line.indexOf('\n')
      const id = Number(line.slice(0, cut))
      if (id <= after) break
      const entry = JSON.parse(line.slice(cut + 1)) as Omit<JournalEntry, 'id'>
      if (session !== undefined && entry.session !== session) continue
      if (operationId !== undefined && entry.operationId !== operationId) continue
      found.push({ id, ...entry })
    }
    return found
  }

  /** Forgets every replica's requests (ids go on increasing, so a page that polls misses none). */
  async clear (): Promise<void> {
    this.#pending = []
    await this.#store.use(async () => await this.#store.redis.del(this.#list))
    await this.#store.use(async () => { await this.#store.publish({ clear: 'journal' }) })
  }
}
