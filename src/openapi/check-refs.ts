import { UnderstudyError, escapePointerToken } from '../errors.js'
import { getByPointer, refPointer } from './resolve-ref.js'

export interface RefScan {
  /** Some `$ref` names another file: the document must be bundled. */
  external: boolean
}

/**
 * Finds every `$ref` of the document (example values are data and are skipped: an
 * example may well contain a `"$ref"` of its own) and checks that each local one points
 * at something. A broken one goes to `broken`, which may replace it (returning the new
 * value) or throw. `dropSiblings` (OpenAPI 3.0: a Reference Object's other members "SHALL
 * be ignored") removes them, so neither AJV nor the dereferencer merges them in.
 * `outside` says why a `$ref` to another file may not be followed (it leaves the specs' folders).
 */
export function checkRefs (document: unknown, file: string, broken: (error: UnderstudyError) => unknown, dropSiblings: boolean, outside: (ref: string) => string | undefined = () => undefined): RefScan {
  const scan: RefScan = { external: false }
  const visit = (node: unknown, pointer: string, parent: Record<string, unknown> | unknown[] | undefined, key: string | number): void => {
    if (typeof node !== 'object' || node === null) return
    const ref = (node as { $ref?: unknown }).$ref
    if (typeof ref === 'string') {
      if (dropSiblings) {
        for (const key of Object.keys(node)) if (key !== '$ref') delete (node as Record<string, unknown>)[key]
      }
      const leaving = ref.startsWith('#') ? undefined : outside(ref)
      if (leaving !== undefined && parent !== undefined) {
        ;(parent as Record<string | number, unknown>)[key] = broken(new UnderstudyError('UNDERSTUDY_SPEC_REF', leaving, { file, pointer: `${pointer}/$ref` }))
      } else if (!ref.startsWith('#')) {
        scan.external = true
      } else if (getByPointer(document, refPointer(ref)) === undefined && parent !== undefined) {
        const replacement = broken(new UnderstudyError('UNDERSTUDY_SPEC_REF', `${ref} points at nothing`, { file, pointer: `${pointer}/$ref` }))
        ;(parent as Record<string | number, unknown>)[key] = replacement
      }
      return
    }
    for (const [name, child] of Object.entries(node)) {
      if (isData(name, pointer)) continue
      visit(child, `${pointer}/${escapePointerToken(name)}`, node as Record<string, unknown>, Array.isArray(node) ? Number(name) : name)
    }
  }
  visit(document, '', undefined, '')
  return scan
}

/**
 * Whether the member `key` of the value at `parent` is data rather than part of the
 * document's structure: an `example` (not a property named so), an Example Object's
 * `value` (under `examples`), an `x-` extension.
 */
export function isData (key: string, parent: string): boolean {
  if (parent.endsWith('/properties')) return false
  return key === 'example' || key.startsWith('x-') || (key === 'value' && parent.includes('/examples/'))
}
