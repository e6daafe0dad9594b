/** A request needs the store and it cannot be reached: answered with the 503 store-unavailable problem. */
export class StoreUnavailable extends Error {
  constructor (store: string, cause: unknown) {
    super(`The store at ${store} cannot be reached (${(cause as Error).message}); understudy reconnects by itself.`)
    this.name = 'StoreUnavailable'
  }
}
