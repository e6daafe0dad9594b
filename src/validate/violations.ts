import type { ErrorObject } from 'ajv'

/** `security`: the operation's credentials are missing (reported by `x-mock-validate: report`). */
export type ViolationLocation = 'path' | 'query' | 'header' | 'cookie' | 'body' | 'security'

/** One thing wrong with a request, as data: where, a JSON pointer within that place, and why. */
export interface Violation {
  in: ViolationLocation
  path: string
  message: string
}

/** What an invalid-request answer lists at most; the rest are counted. */
export const MAX_LISTED_VIOLATIONS = 100

/**
 * A body of more values than this is checked up to its first violation: listing every
 * violation of a hostile body (500,000 wrong items fit in 1 MiB) would cost a second of CPU.
 */
export const FULLY_CHECKED_VALUES = 5000

/** Whether a parsed body holds more than `limit` values (arrays, objects and scalars, counted until the limit). */
export function holdsMoreThan (value: unknown, limit: number): boolean {
  let count = 0
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    if (++count > limit) return true
    const node = stack.pop()
    if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node)) continue
    const children = Array.isArray(node) ? node : Object.values(node)
    if (count + children.length > limit) return true
    for (const child of children) stack.push(child)
  }
  return false
}

/** Adds `more` to `into` one by one: spreading a long list into push() overflows the stack. */
export function append (into: Violation[], more: readonly Violation[]): void {
  for (const violation of more) into.push(violation)
}

/** AJV errors as violations; a missing property points at the property itself. */
export function toViolations (location: ViolationLocation, errors: ErrorObject[] | null | undefined): Violation[] {
  return (errors ?? []).map((error) => {
    const missing = error.keyword === 'required' ? (error.params as { missingProperty: string }).missingProperty : undefined
    const path = missing === undefined ? error.instancePath : `${error.instancePath}/${missing.replace(/~/g, '~0').replace(/\//g, '~1')}`
    const allowed = error.keyword === 'enum' ? `: ${(error.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')}` : ''
    return { in: location, path, message: `${error.message ?? error.keyword}${allowed}` }
  })
}
