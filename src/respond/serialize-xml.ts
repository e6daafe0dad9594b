import { XMLBuilder } from 'fast-xml-parser'
import type { OpenAPIV3 } from 'openapi-types'

type Schema = OpenAPIV3.SchemaObject | OpenAPIV3.ArraySchemaObject
type XmlNode = Record<string, unknown> | string | number | boolean

/** fast-xml-parser's names for attributes and text, in what it builds and what it parses. */
export const ATTRIBUTE = '@_'
export const TEXT = '#text'
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: ATTRIBUTE, textNodeName: TEXT, suppressEmptyNode: true })

/**
 * Serialises a JSON value as XML the way OpenAPI's `xml` object describes it: element
 * names, namespace + prefix, attributes and wrapped arrays. fast-xml-parser's XMLBuilder
 * does the writing (and the escaping); this only shapes the tree.
 */
export function serializeXml (value: unknown, schema: Schema | undefined, rootName: string): string {
  if (typeof value === 'string' && value.trimStart().startsWith('<')) return value // already XML
  const xml = xmlOf(schema)
  const root = { [qualifiedName(xml?.name ?? rootName, xml)]: withNamespace(toNode(value, schema), xml) }
  return '<?xml version="1.0" encoding="UTF-8"?>' + builder.build(root)
}

function toNode (value: unknown, schema: Schema | undefined): XmlNode {
  if (value === null || value === undefined) return ''
  if (typeof value !== 'object') return value as string | number | boolean
  if (Array.isArray(value)) {
    const items = itemsOf(schema)
    const itemXml = xmlOf(items)
    return { [qualifiedName(itemXml?.name ?? 'item', itemXml)]: value.map((item) => withNamespace(toNode(item, items), itemXml)) }
  }
  const node: Record<string, unknown> = {}
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue
    const childSchema = propertySchema(schema, key)
    const xml = xmlOf(childSchema)
    if (xml?.attribute === true) {
      node[ATTRIBUTE + qualifiedName(xml.name ?? key, xml)] = String(child)
    } else if (Array.isArray(child)) {
      const items = itemsOf(childSchema)
      const itemXml = xmlOf(items)
      const itemName = qualifiedName(itemXml?.name ?? key, itemXml)
      const elements = child.map((item) => withNamespace(toNode(item, items), itemXml))
      if (xml?.wrapped === true) {
        node[qualifiedName(xml.name ?? key, xml)] = withNamespace({ [itemName]: elements }, xml)
      } else {
        node[itemName] = [...(node[itemName] as unknown[] | undefined ?? []), ...elements]
      }
    } else {
      node[qualifiedName(xml?.name ?? key, xml)] = withNamespace(toNode(child, childSchema), xml)
    }
  }
  return node
}

function qualifiedName (name: string, xml: OpenAPIV3.XMLObject | undefined): string {
  return xml?.prefix === undefined ? toXmlName(name) : `${toXmlName(xml.prefix)}:${toXmlName(name)}`
}

/** JSON keys may be anything; an XML name may not (and `@_`/`#text` would mean attribute/text to the builder). */
export function toXmlName (name: string): string {
  const safe = name.replace(/[^\w.-]/g, '_')
  return /^[A-Za-z_]/.test(safe) ? safe : `_${safe}`
}

/** Declares the element's namespace on the element itself. */
function withNamespace (node: XmlNode, xml: OpenAPIV3.XMLObject | undefined): XmlNode {
  if (xml?.namespace === undefined) return node
  const declaration = ATTRIBUTE + (xml.prefix === undefined ? 'xmlns' : `xmlns:${xml.prefix}`)
  const element = typeof node === 'object' ? node : node === '' ? {} : { [TEXT]: node }
  return { [declaration]: xml.namespace, ...element }
}

/** The first of the schema's own, then its allOf/oneOf/anyOf branches' (AWS wraps a list's $ref in allOf to describe it). */
function firstOf<T> (schema: Schema | undefined, read: (schema: Schema) => T | undefined): T | undefined {
  if (schema === undefined) return undefined
  const own = read(schema)
  if (own !== undefined) return own
  for (const branch of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) {
    const found = firstOf(branch as Schema, read)
    if (found !== undefined) return found
  }
  return undefined
}

export function itemsOf (schema: Schema | undefined): Schema | undefined {
  return firstOf(schema, (each) => (each as { items?: Schema }).items)
}

export function xmlOf (schema: Schema | undefined): OpenAPIV3.XMLObject | undefined {
  return firstOf(schema, (each) => each.xml)
}


/** A property's schema, looking through allOf/oneOf/anyOf and additionalProperties. */
function propertySchema (schema: Schema | undefined, key: string): Schema | undefined {
  if (schema === undefined) return undefined
  const own = schema.properties?.[key] as Schema | undefined
  if (own !== undefined) return own
  for (const branch of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) {
    const found = propertySchema(branch as Schema, key)
    if (found !== undefined) return found
  }
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties as Schema : undefined
}
