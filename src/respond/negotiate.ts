import Negotiator from 'negotiator'
import { essence } from '../validate/media-type.js'

/**
 * The response media type for an `Accept` header (negotiator does the q-value work).
 * No Accept, or `*\/*`, means the first declared type: the spec's order is the server's
 * preference (UForge lists XML first because it answers XML by default). Types compare
 * by essence: `application/vnd.api+json; version=1` asks for `application/vnd.api+json`,
 * and a client asking for `application/json` (or XML) takes a `+json` (`+xml`) type.
 */
export function negotiate (accept: string | undefined, available: readonly string[]): string | undefined {
  if (accept === undefined || accept.trim() === '') return available[0]
  const essences = available.map(essence)
  const negotiator = new Negotiator({ headers: { accept: withoutParameters(accept) } })
  const chosen = negotiator.mediaType(essences)
  if (chosen !== undefined) return available[essences.indexOf(chosen)]
  const suffix = negotiator.mediaType(['application/json', 'application/xml'])
  if (suffix === undefined) return undefined
  const structured = `+${suffix.slice('application/'.length)}`
  return available.find((_, index) => essences[index]!.endsWith(structured))
}

/** `a/b; version=1; q=0.5, c/d` → `a/b;q=0.5, c/d`: only the weight of each range is kept. */
function withoutParameters (accept: string): string {
  if (!accept.includes(';')) return accept
  return accept.split(',').map((range) => {
    const [type = '', ...parameters] = range.split(';')
    const weight = parameters.find((parameter) => /^\s*q\s*=/i.test(parameter))
    return weight === undefined ? type.trim() : `${type.trim()};${weight.trim()}`
  }).join(', ')
}
