import type { RequestParts } from '../validate/compile-request-validator.js'
import { append, type Violation } from '../validate/violations.js'
import type { CompiledOperation } from './compile-operation.js'

/** Violations travel in one response header; past this length the list is cut short. */
const VIOLATIONS_HEADER_LIMIT = 2048

/** `x-mock-validate: report`: everything `refuse` would have refused, as violations. */
export function reportViolations (compiled: CompiledOperation, parts: RequestParts): Violation[] {
  const violations: Violation[] = []
  if (!compiled.checkSecurity(parts)) violations.push({ in: 'security', path: '', message: `requires credentials: ${describeSecurity(compiled)}` })
  const check = compiled.validateRequest(parts)
  if (!check.ok && check.kind === 'unsupported-media-type') {
    violations.push({ in: 'header', path: '/content-type', message: check.supported.length === 0 ? `must be absent: the operation takes no request body, not ${check.contentType}` : `must be one of ${check.supported.join(', ')}, not ${check.contentType}` })
  } else if (!check.ok) {
    append(violations, check.violations)
  }
  return violations
}

export function describeSecurity (compiled: CompiledOperation): string {
  return compiled.operation.security.map((requirement) => Object.keys(requirement).join(' + ')).join(' or ')
}

/** JSON, ASCII only (header values must be), bounded in length. */
export function violationsHeader (violations: readonly object[]): string {
  const encode = (value: unknown): string =>
    JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0'))
  const entries = violations.map(encode)
  const full = `[${entries.join(',')}]`
  if (full.length <= VIOLATIONS_HEADER_LIMIT) return full
  // Keep what fits beside a closing {"truncated":N}; each entry was encoded once.
  const room = VIOLATIONS_HEADER_LIMIT - encode({ truncated: violations.length }).length - 2
  const kept: string[] = []
  let length = 0
  for (const entry of entries) {
    if (length + entry.length + 1 > room) break
    kept.push(entry)
    length += entry.length + 1
  }
  kept.push(encode({ truncated: violations.length - kept.length }))
  return `[${kept.join(',')}]`
}
