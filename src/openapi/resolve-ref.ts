import { toPointer } from '../errors.js'

/** Reads the value at a JSON pointer (RFC 6901); undefined when a step is missing. */
export function getByPointer (root: unknown, pointer: string): unknown {
  if (pointer === '') return root
  let value: unknown = root
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    // Own properties only: `/constructor` is not a value of a parsed body.
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

export interface Located<T> {
  value: T
  /** Where the value lives in the bundled document, after following $refs. */
  pointer: string
}

/**
 * Follows local `$ref`s (a bundled document has no other kind) and says where the target
 * lives, so validators can be compiled against the document itself.
 */
export function resolveLocalRef<T> (document: unknown, value: unknown, pointer: string): Located<T> {
  let current = value
  let at = pointer
  const seen = new Set<string>()
  while (typeof current === 'object' && current !== null && typeof (current as { $ref?: unknown }).$ref === 'string') {
    const ref = (current as { $ref: string }).$ref
    if (!ref.startsWith('#') || seen.has(ref)) break
    seen.add(ref)
    at = refPointer(ref)
    current = getByPointer(document, at)
  }
  return { value: current as T, pointer: at }
}

export function childPointer (pointer: string, ...tokens: Array<string | number>): string {
  return pointer + toPointer(tokens)
}

/** `#/paths/~1a%7Bid%7D` → `/paths/~1a{id}`: a $ref's fragment is URI-encoded. */
export function refPointer (ref: string): string {
  const fragment = ref.slice(1)
  try {
    return decodeURIComponent(fragment)
  } catch {
    return fragment
  }
}
