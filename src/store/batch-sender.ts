/** How often what was recorded here is sent on: the longest another replica waits to see it. */
export const FLUSH_MS = 250

/**
 * When a replica's batch goes to the store: FLUSH_MS after something starts waiting, at
 * once when asked (a reader wants every replica's latest), ten times later after a failed
 * try; one send at a time, in order; never again once closed. `send` sends what waits and
 * says whether it could (what it could not send it keeps for the next try).
 */
export class BatchSender {
  readonly #send: () => Promise<boolean>
  #timer: NodeJS.Timeout | undefined
  #sending: Promise<void> = Promise.resolve()
  #closed = false

  constructor (send: () => Promise<boolean>) {
    this.#send = send
  }

  /** Something waits: sent within FLUSH_MS. */
  due (): void {
    this.#schedule(FLUSH_MS)
  }

  async flush (): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#sending = this.#sending.then(async () => {
      if (!await this.#send()) this.#schedule(FLUSH_MS * 10)
    })
    await this.#sending
  }

  /** What waits is sent; nothing is tried again after. */
  async close (): Promise<void> {
    await this.flush()
    this.#closed = true
    clearTimeout(this.#timer)
  }

  #schedule (ms: number): void {
    if (!this.#closed) this.#timer ??= setTimeout(() => { void this.flush() }, ms).unref()
  }
}
