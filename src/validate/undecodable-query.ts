/**
 * The first part of a URL's query that is not valid percent-encoding (`%E0%A4%A`), or
 * undefined. Fastify's query parser keeps such text as it is; a real server refuses it.
 * Only a query holding `%` is looked at.
 */
export function undecodableQuery (url: string): string | undefined {
  const start = url.indexOf('?')
  if (start === -1 || !url.includes('%', start)) return undefined
  for (const part of url.slice(start + 1).split(/[&=]/)) {
    try {
      decodeURIComponent(part)
    } catch {
      return part
    }
  }
  return undefined
}
