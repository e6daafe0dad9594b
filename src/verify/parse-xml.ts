import { XMLParser, XMLValidator } from 'fast-xml-parser'
import type { OpenAPIV3 } from 'openapi-types'
import { ATTRIBUTE, TEXT, itemsOf, toXmlName, xmlOf } from '../respond/serialize-xml.js'

type Schema = OpenAPIV3.SchemaObject | OpenAPIV3.ArraySchemaObject

// Values stay text (the schema says what to coerce); namespace prefixes are dropped, so
// `ns0:status` and `ns2:status` read alike: names are compared, namespaces are not.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE,
  textNodeName: TEXT,
  parseTagValue: false,
  parseAttributeValue: false,
  removeNSPrefix: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true
})

export type XmlReading =
  | { ok: true, value: unknown }
  | { ok: false, kind: 'unparsable', message: string }
  | { ok: false, kind: 'root', expected: string, actual: string }

/**
 * Reads an XML body back into the JSON value it stands for, guided by the schema — the
 * inverse of serialize-xml.ts: element names from `xml.name`, attributes, wrapped and
 * unwrapped arrays, numbers and booleans coerced by the schema's type — so the value can
 * be validated against the same schema as JSON. Elements the schema does not name are
 * kept (as text, or objects of text), so `additionalProperties: false` still catches them.
 */
export function readXml (text: string, schema: Schema | undefined, rootName: string): XmlReading {
  const check = XMLValidator.validate(text)
  if (check !== true) return { ok: false, kind: 'unparsable', message: `${check.err.msg} (line ${check.err.line})` }
  let document: Record<string, unknown>
  try {
    // The validator passes some documents the parser still refuses: a `__proto__` element,
    // external or parameter entities in a DOCTYPE.
    document = parser.parse(text) as Record<string, unknown>
  } catch (error) {
    return { ok: false, kind: 'unparsable', message: (error as Error).message }
  }
  const roots = Object.keys(document)
  const root = roots[0]
  if (root === undefined) return { ok: false, kind: 'unparsable', message: 'no root element' }
  const expected = localName(xmlOf(schema)?.name ?? rootName)
  if (schema !== undefined && root !== expected) return { ok: false, kind: 'root', expected: `<${expected}>`, actual: `<${root}>` }
  return { ok: true, value: toValue(rootItems(document[root], schema), schema) }
}

/** A list at the root is its items inside the root element (`<items><item>…</item></items>`), as the writer makes it. */
function rootItems (node: unknown, schema: Schema | undefined): unknown {
  if (!typesOf(schema).has('array')) return node
  if (typeof node !== 'object' || node === null) return []
  return (node as Record<string, unknown>)[localName(xmlOf(itemsOf(schema))?.name ?? 'item')] ?? []
}

function toValue (node: unknown, schema: Schema | undefined): unknown {
  const types = typesOf(schema)
  if (types.has('array')) return toArray(node, schema)
  if (types.has('object')) return toObject(node, schema)
  return toScalar(node, types)
}

function toObject (node: unknown, schema: Schema | undefined): unknown {
  if (node === '' || node === undefined) return {}
  if (typeof node !== 'object' || node === null) return node // text where an object belongs: the validator says so
  const element = node as Record<string, unknown>
  const value: Record<string, unknown> = {}
  const claimed = new Set<string>()
  for (const [key, property] of Object.entries(propertiesOf(schema))) {
    const xml = xmlOf(property)
    if (xml?.attribute === true) {
      const name = ATTRIBUTE + localName(xml.name ?? key)
      claimed.add(name)
      if (element[name] !== undefined) value[key] = toScalar(element[name], typesOf(property))
      continue
    }
    if (typesOf(property).has('array')) {
      const itemName = localName(xmlOf(itemsOf(property))?.name ?? key)
      if (xml?.wrapped === true) {
        const wrapperName = localName(xml.name ?? key)
        claimed.add(wrapperName)
        const wrapper = element[wrapperName]
        if (wrapper === undefined) continue
        const inner = typeof wrapper === 'object' && wrapper !== null ? (wrapper as Record<string, unknown>)[itemName] : undefined
        value[key] = inner === undefined ? [] : toArray(inner, property)
      } else {
        claimed.add(itemName)
        if (element[itemName] !== undefined) value[key] = toArray(element[itemName], property)
      }
      continue
    }
    const name = localName(xml?.name ?? key)
    claimed.add(name)
    if (element[name] !== undefined) value[key] = toValue(element[name], property)
  }
  for (const [name, child] of Object.entries(element)) {
    if (claimed.has(name) || name.startsWith(ATTRIBUTE) || name === TEXT) continue
    value[name] = toValue(child, additionalOf(schema))
  }
  return value
}

function toArray (node: unknown, schema: Schema | undefined): unknown[] {
  const items = itemsOf(schema)
  const list = Array.isArray(node) ? node : [node]
  return list.map((item) => toValue(item, items))
}

function toScalar (node: unknown, types: ReadonlySet<string>): unknown {
  const text = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[TEXT] : node
  if (typeof text !== 'string') return text === undefined ? (typeof node === 'object' ? node : '') : text
  if (text === '' && types.has('null') && !types.has('string')) return null
  if ((types.has('integer') || types.has('number')) && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text)
  if (types.has('boolean') && (text === 'true' || text === 'false')) return text === 'true'
  return text
}

/** The schema's types; without `type`, guessed from `properties` / `items`; looks through allOf/oneOf/anyOf. */
function typesOf (schema: Schema | undefined): Set<string> {
  const types = new Set<string>()
  if (schema === undefined) return types
  const declared = (schema as { type?: string | string[] }).type
  for (const type of Array.isArray(declared) ? declared : declared === undefined ? [] : [declared]) types.add(type)
  if ((schema as { nullable?: boolean }).nullable === true) types.add('null')
  if (declared === undefined) {
    if (schema.properties !== undefined || schema.additionalProperties !== undefined) types.add('object')
    if ((schema as { items?: unknown }).items !== undefined) types.add('array')
  }
  for (const branch of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) {
    for (const type of typesOf(branch as Schema)) types.add(type)
  }
  return types
}

/** Properties, across allOf/oneOf/anyOf branches (the first declaration of a name wins). */
function propertiesOf (schema: Schema | undefined): Record<string, Schema> {
  if (schema === undefined) return {}
  const properties: Record<string, Schema> = {}
  for (const branch of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) {
    for (const [key, property] of Object.entries(propertiesOf(branch as Schema))) properties[key] ??= property
  }
  return { ...properties, ...(schema.properties as Record<string, Schema> | undefined) }
}

function additionalOf (schema: Schema | undefined): Schema | undefined {
  return typeof schema?.additionalProperties === 'object' ? schema.additionalProperties as Schema : undefined
}

/** `ns0:status` → `status`; names the serialiser would have made safe are compared the same way. */
function localName (name: string): string {
  return toXmlName(name.includes(':') ? name.slice(name.indexOf(':') + 1) : name)
}
