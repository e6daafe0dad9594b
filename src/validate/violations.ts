import type { ErrorObject } from 'ajv'

/** `security`: the operation's credentials are missing (reported by `x-mock-validate: report`). */
export type ViolationLocation = 'path' | 'query' | 'header' | 'cookie' | 'body' | 'security'

/** One thing wrong with a request, as data: where, a JSON pointer within that place, and why. */
export interface Violation {
  in: ViolationLocation
  path: string
  message: string
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
