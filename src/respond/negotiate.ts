import Negotiator from 'negotiator'

/**
 * The response media type for an `Accept` header (negotiator does the q-value work).
 * No Accept, or `*\/*`, means the first declared type: the spec's order is the server's
 * preference (UForge lists XML first because it answers XML by default).
 */
export function negotiate (accept: string | undefined, available: readonly string[]): string | undefined {
  if (accept === undefined || accept.trim() === '') return available[0]
  return new Negotiator({ headers: { accept } }).mediaType(available as string[])
}
