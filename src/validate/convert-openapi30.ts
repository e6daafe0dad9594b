import { openapiSchemaToJsonSchema } from '@openapi-contrib/openapi-schema-to-json-schema'

/**
 * OpenAPI 3.0 schemas are a JSON Schema dialect (`nullable`, boolean exclusive bounds);
 * @openapi-contrib/openapi-schema-to-json-schema turns each into draft-04 JSON Schema.
 * Walks the document and converts every schema root in place: `components.schemas.*`
 * and every `schema` of a parameter, header or media type.
 */
export function convertOpenApi30Schemas (document: Record<string, unknown>): void {
  const schemas = (document.components as { schemas?: Record<string, object> } | undefined)?.schemas
  for (const [name, schema] of Object.entries(schemas ?? {})) schemas![name] = convert(schema)
  visit(document)
}

function convert (schema: object): object {
  const converted = openapiSchemaToJsonSchema(schema, { cloneSchema: true }) as Record<string, unknown>
  delete converted.$schema
  return converted
}

function visit (node: unknown): void {
  if (typeof node !== 'object' || node === null) return
  for (const [key, child] of Object.entries(node)) {
    // Example values are data, not schemas; component schemas are converted already.
    if (key === 'example' || key === 'examples' || key === 'schemas') continue
    if (key === 'schema' && typeof child === 'object' && child !== null) {
      (node as Record<string, unknown>)[key] = convert(child)
      continue
    }
    visit(child)
  }
}
