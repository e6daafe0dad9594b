/** A store's URL as lines name it: scheme, host, port and database, never a password. */
export function shownStore (url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`
}
