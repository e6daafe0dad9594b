/**
 * What a schema says about the shape of its values, read once at start from the
 * dereferenced document: how a parameter or form field sent as text is to be split.
 */
export type ValueKind = 'primitive' | 'array' | 'object' | 'any'

type Schema = Record<string, unknown>

const COMBINATORS = ['allOf', 'anyOf', 'oneOf'] as const

function asSchema (value: unknown): Schema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Schema : undefined
}

/** The schema itself, then its allOf/anyOf/oneOf members, depth first, each once (cycles stay finite). */
function * walk (schema: unknown, seen = new Set<Schema>()): Generator<Schema> {
  const node = asSchema(schema)
  if (node === undefined || seen.has(node)) return
  seen.add(node)
  yield node
  for (const key of COMBINATORS) {
    const members = node[key]
    if (Array.isArray(members)) for (const member of members) yield * walk(member, seen)
  }
}

/** array or object when the schema (or a member of it) says so; `any` when nothing does. */
export function kindOf (schema: unknown): ValueKind {
  for (const node of walk(schema)) {
    const { type } = node
    const types = typeof type === 'string' ? [type] : Array.isArray(type) ? type.filter((entry) => entry !== 'null') : []
    if (types.includes('array')) return 'array'
    if (types.includes('object')) return 'object'
    if (types.length > 0) return 'primitive'
    if (node.properties !== undefined || node.additionalProperties !== undefined || node.patternProperties !== undefined) return 'object'
    if (node.items !== undefined || node.prefixItems !== undefined) return 'array'
  }
  return 'any'
}

/** The schema of an array's items (`items`, else the first of 3.1's `prefixItems`). */
export function itemsOf (schema: unknown): unknown {
  for (const node of walk(schema)) {
    if (asSchema(node.items) !== undefined) return node.items
    if (Array.isArray(node.prefixItems) && node.prefixItems.length > 0) return node.prefixItems[0]
  }
  return undefined
}

/** The declared properties, the schema's own and its members'; the first declaration of a name wins. */
export function propertiesOf (schema: unknown): Map<string, unknown> {
  const properties = new Map<string, unknown>()
  for (const node of walk(schema)) {
    const own = asSchema(node.properties)
    if (own === undefined) continue
    for (const [name, value] of Object.entries(own)) if (!properties.has(name)) properties.set(name, value)
  }
  return properties
}

/** Bytes rather than text: `format: binary`, or (3.1) a `contentMediaType` that is neither text nor JSON, not base64-encoded. */
export function isBinary (schema: unknown): boolean {
  for (const node of walk(schema)) {
    if (node.format === 'binary') return true
    const media = node.contentMediaType
    if (typeof media === 'string' && node.contentEncoding === undefined && !/^text\/|[/+]json$/i.test(media)) return true
  }
  return false
}
