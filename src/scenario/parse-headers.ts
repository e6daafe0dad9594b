/**
 * `x-mock-scenario: conflict` or `x-mock-scenario: cancelScheduledPost=conflict, stopPublisher=siteNotFound`:
 * the entry keyed by this operation wins over a bare name; entries for other operations are ignored.
 */
export function scenarioFor (header: string | undefined, operationId: string): string | undefined {
  if (header === undefined) return undefined
  let bare: string | undefined
  for (const entry of header.split(',')) {
    const [left, right] = entry.split('=', 2).map((part) => part.trim())
    if (right === undefined) {
      if (left !== undefined && left !== '') bare ??= left
    } else if (left === operationId && right !== '') {
      return right
    }
  }
  return bare
}

export interface Preference {
  code?: string
  example?: string
  dynamic?: boolean
  seed?: string
}

/** Prism's `Prefer: code=404, example=siteNotFound, dynamic=true, seed=7` (`;` separates too). */
export function parsePrefer (header: string | undefined): Preference {
  const preference: Preference = {}
  if (header === undefined) return preference
  for (const entry of header.split(/[,;]/)) {
    const [key, raw] = entry.split('=', 2).map((part) => part.trim())
    const value = raw?.replace(/^"(.*)"$/, '$1')
    if (value === undefined || value === '') continue
    if (key === 'code') preference.code = value
    else if (key === 'example') preference.example = value
    else if (key === 'dynamic') preference.dynamic = value === 'true'
    else if (key === 'seed') preference.seed = value
  }
  return preference
}

/** The first value of a header Node may have collected into an array. */
export function single (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
