/** What every key and channel starts with unless `--store-prefix` says otherwise. */
export const DEFAULT_STORE_PREFIX = 'understudy:'

/** A store's URL as lines name it: scheme, host, port and database, never a password. */
export function shownStore (url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`
}
