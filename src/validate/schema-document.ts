import { UnderstudyError, escapePointerToken } from '../errors.js'
import type { OpenApiVersion } from '../openapi/load-spec.js'

/**
 * Every problem of the document's schemas that cleaning them works around (see
 * cleanSchema), reported at once: what `check` and `--eager` report at start, where
 * `serve` reports each when an operation first reaches its schema.
 *
 * Schemas are cleaned (each change is a tolerated problem, with its pointer):
 * - OpenAPI 3.0 becomes draft-04 JSON Schema: `nullable` (and Swagger's `x-nullable`)
 *   adds `null` to `type`, `type: file` (a Swagger 2 leftover) is a binary string, and
 *   unknown type names are dropped. In 3.1 `nullable` is not a keyword and is ignored.
 * - A `pattern` that no JavaScript engine compiles is dropped; one that compiles only
 *   without the `u` flag (`\_`, `\-`) is kept and compiled that way (see `compilePattern`).
 * - Annotations that hold data (`example`, `examples`, `x-*`) and 3.0's non-keyword `id`
 *   are not copied: AJV scans what it is given for schema ids, and under draft-04 every
 *   `"id"` inside an example would count as one.
 */
export function reportSchemaProblems (document: Record<string, unknown>, version: OpenApiVersion, file: string, tolerate: (error: UnderstudyError) => void): void {
  const cleaner = new SchemaCleaner(version, file, tolerate, (ref) => ref)
  for (const [key, value] of Object.entries(document)) {
    if (key === 'paths' || key === 'webhooks') mapObject(value, `/${key}`, (item, at) => cleaner.pathItem(item, at))
    else if (key === 'components') cleaner.components(value, '/components')
    // Sloppy documents keep schemas in places of their own (`definitions`, `x-schemas`) and $ref them.
    else if (key === 'definitions' || key.startsWith('x-')) mapObject(value, `/${key}`, (schema, at) => cleaner.schema(schema, at))
  }
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])
const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null'])

/** Keywords whose value is one schema, a list of schemas, or a map of them. */
const ONE_SCHEMA = new Set(['items', 'additionalItems', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains',
  'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema'])
const SCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems'])
const SCHEMA_MAP = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'])
/** Data, never schema: left out of the copy. */
const DATA = new Set(['example', 'examples', 'externalDocs', 'xml', 'discriminator'])

type Node = Record<string, unknown>

function isObject (value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function mapObject (value: unknown, pointer: string, each: (child: unknown, pointer: string) => unknown): unknown {
  if (!isObject(value)) return value
  const out: Node = {}
  for (const [key, child] of Object.entries(value)) out[key] = each(child, `${pointer}/${escapePointerToken(key)}`)
  return out
}

function mapList (value: unknown, pointer: string, each: (child: unknown, pointer: string) => unknown): unknown {
  return Array.isArray(value) ? value.map((child, index) => each(child, `${pointer}/${index}`)) : value
}

/**
 * One schema of the document as AJV is given it (cleaned as toSchemaDocument cleans): each
 * local `$ref` in it becomes what `refTo` makes of it (a schema id of its own).
 */
export function cleanSchema (schema: unknown, pointer: string, version: OpenApiVersion, file: string, tolerate: (error: UnderstudyError) => void, refTo: (ref: string) => string): unknown {
  return new SchemaCleaner(version, file, tolerate, refTo).schema(schema, pointer)
}

/** Copies OpenAPI objects, keeping only `$ref`s and the members that lead to schemas. */
class SchemaCleaner {
  constructor (
    private readonly version: OpenApiVersion,
    private readonly file: string,
    private readonly tolerate: (error: UnderstudyError) => void,
    /** What a schema's local `$ref` becomes. */
    private readonly refTo: (ref: string) => string
  ) {}

  components (value: unknown, pointer: string): unknown {
    if (!isObject(value)) return value
    const out: Node = {}
    for (const [key, group] of Object.entries(value)) {
      const at = `${pointer}/${escapePointerToken(key)}`
      if (key === 'schemas' || key === 'definitions' || key.startsWith('x-')) out[key] = mapObject(group, at, (schema, p) => this.schema(schema, p))
      else if (key === 'parameters' || key === 'headers') out[key] = mapObject(group, at, (parameter, p) => this.parameter(parameter, p))
      else if (key === 'requestBodies' || key === 'responses') out[key] = mapObject(group, at, (body, p) => this.withContent(body, p))
      else if (key === 'pathItems') out[key] = mapObject(group, at, (item, p) => this.pathItem(item, p))
    }
    return out
  }

  pathItem (value: unknown, pointer: string): unknown {
    if (!isObject(value)) return value
    const out: Node = {}
    for (const [key, member] of Object.entries(value)) {
      const at = `${pointer}/${escapePointerToken(key)}`
      if (key === '$ref') out[key] = member
      else if (key === 'parameters') out[key] = mapList(member, at, (parameter, p) => this.parameter(parameter, p))
      else if (METHODS.has(key)) out[key] = this.operation(member, at)
    }
    return out
  }

  private operation (value: unknown, pointer: string): unknown {
    if (!isObject(value)) return value
    const out: Node = {}
    if (value.parameters !== undefined) out.parameters = mapList(value.parameters, `${pointer}/parameters`, (parameter, p) => this.parameter(parameter, p))
    if (value.requestBody !== undefined) out.requestBody = this.withContent(value.requestBody, `${pointer}/requestBody`)
    if (value.responses !== undefined) out.responses = mapObject(value.responses, `${pointer}/responses`, (response, p) => this.withContent(response, p))
    return out
  }

  /** A parameter or header: a `schema`, or a `content` map. */
  private parameter (value: unknown, pointer: string): unknown {
    if (!isObject(value)) return value
    if (typeof value.$ref === 'string') return { $ref: value.$ref }
    const out: Node = {}
    if (value.schema !== undefined) out.schema = this.schema(value.schema, `${pointer}/schema`)
    if (value.content !== undefined) out.content = this.content(value.content, `${pointer}/content`)
    return out
  }

  /** A request body or response: `content`, and a response's `headers`. */
  private withContent (value: unknown, pointer: string): unknown {
    if (!isObject(value)) return value
    if (typeof value.$ref === 'string') return { $ref: value.$ref }
    const out: Node = {}
    if (value.content !== undefined) out.content = this.content(value.content, `${pointer}/content`)
    if (value.headers !== undefined) out.headers = mapObject(value.headers, `${pointer}/headers`, (header, p) => this.parameter(header, p))
    return out
  }

  private content (value: unknown, pointer: string): unknown {
    return mapObject(value, pointer, (media, at) => {
      if (!isObject(media)) return media
      const out: Node = {}
      if (media.schema !== undefined) out.schema = this.schema(media.schema, `${at}/schema`)
      if (isObject(media.encoding)) {
        out.encoding = mapObject(media.encoding, `${at}/encoding`, (encoding, p) =>
          isObject(encoding) ? { headers: mapObject(encoding.headers, `${p}/headers`, (header, hp) => this.parameter(header, hp)) } : encoding)
      }
      return out
    })
  }

  schema (value: unknown, pointer: string): unknown {
    // 3.1 allows boolean schemas; anything else that is not an object is left to AJV to refuse.
    if (!isObject(value)) return value
    const out: Node = {}
    for (const [key, member] of Object.entries(value)) {
      const at = `${pointer}/${escapePointerToken(key)}`
      if (DATA.has(key) || key.startsWith('x-')) continue
      if (ONE_SCHEMA.has(key)) {
        out[key] = Array.isArray(member) ? mapList(member, at, (schema, p) => this.schema(schema, p)) : this.schema(member, at)
      } else if (SCHEMA_LIST.has(key)) {
        out[key] = mapList(member, at, (schema, p) => this.schema(schema, p))
      } else if (SCHEMA_MAP.has(key)) {
        out[key] = mapObject(member, at, (schema, p) => this.schema(schema, p))
        if (key === 'patternProperties' && isObject(out[key])) out[key] = this.patternKeys(out[key] as Node, at)
      } else if (key === 'dependencies') {
        out[key] = mapObject(member, at, (entry, p) => Array.isArray(entry) ? entry : this.schema(entry, p))
      } else if (key === 'pattern') {
        if (typeof member !== 'string' || compilePattern(member) !== undefined) out[key] = member
        else this.problem(at, `the pattern ${JSON.stringify(member)} is not a JavaScript regular expression; it is not enforced`)
      } else if (key === 'type') {
        const type = this.type(member, at)
        if (type !== undefined) out.type = type
      } else if (key === '$ref' && typeof member === 'string' && member.startsWith('#')) {
        out[key] = this.refTo(member)
      } else if (key === 'nullable' || (key === 'id' && this.version === '3.0') || key === '$schema' || key === '$id') {
        // `nullable` is applied below (3.0) or is no keyword (3.1); 3.0 has no `id`; a `$schema` AJV may not know;
        // a `$id` would be the same schema's twice once the schema around it and it are given to AJV each under its own pointer.
      } else {
        out[key] = member
      }
    }
    if (this.version === '3.0' && (value.nullable === true || value['x-nullable'] === true)) addNull(out)
    if (this.version === '3.0' && value.type === 'file') out.format ??= 'binary'
    return out
  }

  private type (member: unknown, at: string): unknown {
    const names = Array.isArray(member) ? member : [member]
    const kept = names.map((name) => name === 'file' ? 'string' : name).filter((name) => typeof name === 'string' && JSON_TYPES.has(name))
    if (names.includes('file')) this.problem(at, "'file' is a Swagger 2.0 type; it is served as a binary string")
    else if (kept.length < names.length) this.problem(at, `${JSON.stringify(member)} is not a JSON Schema type; it is not enforced`)
    if (kept.length === 0) return undefined
    return Array.isArray(member) ? [...new Set(kept)] : kept[0]
  }

  private patternKeys (properties: Node, at: string): Node {
    const out: Node = {}
    for (const [pattern, schema] of Object.entries(properties)) {
      if (compilePattern(pattern) !== undefined) out[pattern] = schema
      else this.problem(`${at}/${escapePointerToken(pattern)}`, `the pattern ${JSON.stringify(pattern)} is not a JavaScript regular expression; it is not enforced`)
    }
    return out
  }

  private problem (pointer: string, message: string): void {
    this.tolerate(new UnderstudyError('UNDERSTUDY_SCHEMA_INVALID', message, { file: this.file, pointer }))
  }
}

/** 3.0's `nullable: true`: null is valid too. */
function addNull (schema: Node): void {
  const type = schema.type
  if (typeof type === 'string') schema.type = [type, 'null']
  else if (Array.isArray(type) && !type.includes('null')) schema.type = [...type, 'null']
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null]
}

/** Escapes of letters that mean the same with and without the `u` flag. */
const PORTABLE_LETTER_ESCAPE = /^[dDwWsSbBnrtfvcxuk]$/

/**
 * AJV compiles patterns with the `u` flag, under which `\_`, `\:` or `\-` are errors;
 * ECMA-262 without it reads them as the plain characters, as the spec's authors meant, so
 * such a pattern is compiled without it. One that escapes a letter JavaScript gives no
 * meaning (PCRE's `\A…\Z`, `\h`) would silently mean something else: it is undefined,
 * like one that compiles neither way.
 */
export function compilePattern (pattern: string, flags = ''): RegExp | undefined {
  try {
    return new RegExp(pattern, flags.includes('u') ? flags : flags + 'u')
  } catch {
    for (const [, letter] of pattern.matchAll(/\\(.)/gs)) {
      if (/[A-Za-z]/.test(letter ?? '') && !PORTABLE_LETTER_ESCAPE.test(letter ?? '')) return undefined
    }
    try {
      return new RegExp(pattern, flags.replace('u', ''))
    } catch {
      return undefined
    }
  }
}
