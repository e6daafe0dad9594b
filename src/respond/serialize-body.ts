import type { OpenAPIV3 } from 'openapi-types'
import { isJsonMediaType, isXmlMediaType } from '../validate/media-type.js'
import { serializeXml } from './serialize-xml.js'

/** The bytes of a body value for a media type: JSON, XML (per the schema's `xml` objects) or text. */
export function serializeBody (value: unknown, mediaType: string, schema: OpenAPIV3.SchemaObject | undefined, rootName: string): Buffer {
  if (isXmlMediaType(mediaType)) return Buffer.from(serializeXml(value, schema, rootName))
  if (typeof value === 'string' && !isJsonMediaType(mediaType)) return Buffer.from(value)
  return Buffer.from(JSON.stringify(value))
}
