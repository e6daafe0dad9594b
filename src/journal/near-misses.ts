import type { IndexedOperation } from '../openapi/index-operations.js'
import type { NearMiss } from './request-journal.js'

const MOST = 5

/**
 * What a request no operation matched was probably meant for: its path documented for
 * other methods, a documented path that differs from it in one segment (a typo, a
 * singular for a plural), or a documented path it matches once a spec's mount is put in
 * front (the base path the client forgot). At most five, in that order.
 */
export function nearMissFinder (operations: readonly IndexedOperation[], mounts: readonly string[]): (method: string, url: string) => NearMiss[] {
  const templates = operations.map((operation) => ({ operation, segments: operation.path.split('/') }))
  return (method, url) => {
    const path = url.split('?', 1)[0] ?? ''
    const segments = path.split('/')
    const found: NearMiss[] = []
    const add = (reason: NearMiss['reason'], { operation }: { operation: IndexedOperation }): void => {
      if (found.length < MOST) found.push({ reason, method: operation.method.toUpperCase(), path: operation.path, operationId: operation.operationId })
    }
    for (const template of templates) {
      if (differences(template.segments, segments) === 0 && template.operation.method.toUpperCase() !== method) add('method', template)
    }
    for (const template of templates) if (differences(template.segments, segments) === 1) add('segment', template)
    for (const mount of mounts) {
      if (mount === '/' || path.startsWith(`${mount}/`)) continue
      const mounted = `${mount}${path}`.split('/')
      for (const template of templates) if (differences(template.segments, mounted) === 0) add('base-path', template)
    }
    return found
  }
}

/** How many segments differ (a `{parameter}` segment matches any but an empty one); Infinity when the counts do. */
function differences (template: readonly string[], segments: readonly string[]): number {
  if (template.length !== segments.length) return Infinity
  let count = 0
  for (const [index, part] of template.entries()) {
    const segment = segments[index]!
    if (part.includes('{') ? segment === '' : part !== segment) count++
  }
  return count
}
