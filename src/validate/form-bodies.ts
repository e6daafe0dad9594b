import { getMultipartBoundary, parseMultipart, type MultipartPart } from '@remix-run/multipart-parser'
import type { OpenAPIV3 } from 'openapi-types'
import { MalformedBody } from './malformed-body.js'
import { essence, isJsonMediaType } from './media-type.js'
import { compileStyle, decodeJson, setOwn, StyleMismatch, type StyleReader } from './parameter-styles.js'
import { isBinary, itemsOf, kindOf, propertiesOf } from './schema-shape.js'
import type { Violation } from './violations.js'

export const URLENCODED = 'application/x-www-form-urlencoded'
export const MULTIPART = 'multipart/form-data'

/** The bytes of a form body → its fields (an object), or a MalformedBody. */
export type FormReader = (bytes: Buffer, contentType: string) => unknown

/**
 * What reading a body found wrong with single fields (a field its style cannot read, a JSON
 * part that does not parse), kept beside the body it was read into: the field keeps its
 * text, and the validator reports these in place of what it would say about that text.
 */
const readProblems = new WeakMap<object, Violation[]>()

export function readProblemsOf (body: object): readonly Violation[] {
  return readProblems.get(body) ?? []
}

export function isFormMediaType (mediaType: string): boolean {
  const type = essence(mediaType)
  return type === URLENCODED || type === MULTIPART
}

type Encoding = Record<string, OpenAPIV3.EncodingObject>

/**
 * Compiles, once, how one media type's body is read: each declared property with its
 * `encoding` (style/explode for urlencoded, contentType for both), from the dereferenced schema.
 */
export function compileFormReader (mediaType: string, schema: unknown, encoding: Encoding | undefined): FormReader {
  return essence(mediaType) === MULTIPART ? compileMultipart(schema, encoding ?? {}) : compileUrlencoded(schema, encoding ?? {})
}

/**
 * A copy for the coercing validator, which writes the schema's types into what it checks:
 * the body the fixtures see keeps the text that was sent. File bytes become a string of
 * as many characters (their content is not validated, only that they are there).
 */
export function validationCopy (value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('latin1')
  if (Array.isArray(value)) return value.map(validationCopy)
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {}
    for (const key of Object.keys(value)) setOwn(copy, key, validationCopy((value as Record<string, unknown>)[key]))
    return copy
  }
  return value
}

function fieldPointer (...tokens: Array<string | number>): string {
  return tokens.map((token) => '/' + String(token).replace(/~/g, '~0').replace(/\//g, '~1')).join('')
}

function finish (body: Record<string, unknown>, problems: Violation[]): Record<string, unknown> {
  if (problems.length > 0) readProblems.set(body, problems)
  return body
}

// --- application/x-www-form-urlencoded: a query string, read as query parameters are ---

interface UrlencodedField {
  name: string
  reader: StyleReader
}

function compileUrlencoded (schema: unknown, encoding: Encoding): FormReader {
  const properties = propertiesOf(schema)
  const fields: UrlencodedField[] = []
  for (const [name, property] of properties) {
    const entry = encoding[name]
    // OpenAPI: style, explode or allowReserved given, contentType is ignored.
    const styled = entry?.style !== undefined || entry?.explode !== undefined || entry?.allowReserved !== undefined
    const json = !styled && entry?.contentType !== undefined && entry.contentType.split(',').some(isJsonMediaType)
    const others = new Set([...properties.keys()].filter((other) => other !== name))
    const reader: StyleReader = json
      ? { decode: decodeJson }
      : compileStyle({ location: 'query', name, style: entry?.style, explode: entry?.explode, kind: kindOf(property), properties: [...propertiesOf(property).keys()], claimed: others })
    fields.push({ name, reader })
  }
  const claimed = (key: string): boolean => properties.has(key) || fields.some(({ reader }) => reader.claimsKey?.(key) === true)

  return (bytes) => {
    const source: Record<string, unknown> = {}
    for (const [key, value] of new URLSearchParams(bytes.toString('utf8'))) {
      const seen = Object.hasOwn(source, key) ? source[key] : undefined
      setOwn(source, key, seen === undefined ? value : Array.isArray(seen) ? [...seen as string[], value] : [seen, value])
    }
    const body: Record<string, unknown> = {}
    const problems: Violation[] = []
    for (const { name, reader } of fields) {
      const raw = reader.gather !== undefined ? reader.gather(source) : Object.hasOwn(source, name) ? source[name] : undefined
      if (raw === undefined) continue
      const value = reader.decode === undefined ? raw : reader.decode(raw)
      if (value instanceof StyleMismatch) problems.push({ in: 'body', path: fieldPointer(name), message: value.message })
      setOwn(body, name, value instanceof StyleMismatch ? raw : value)
    }
    for (const key of Object.keys(source)) if (!claimed(key)) setOwn(body, key, source[key])
    return finish(body, problems)
  }
}

// --- multipart/form-data: one part per value, each read by its content type ---

/** How a part's bytes are read: kept as bytes (a file), parsed as JSON, or decoded as UTF-8 text. */
type PartMode = 'bytes' | 'json' | 'text'

interface MultipartField {
  name: string
  array: boolean
  mode: PartMode
}

/**
 * OpenAPI's defaults: a binary string is a file; an object is JSON; anything else text.
 * An `encoding.contentType` decides instead: JSON, text, or (any other type) bytes.
 */
function partMode (schema: unknown, contentType: string | undefined): PartMode {
  if (isBinary(schema)) return 'bytes'
  if (contentType !== undefined) {
    const types = contentType.split(',').map(essence)
    if (types.some(isJsonMediaType)) return 'json'
    return types.every((type) => type.startsWith('text/')) ? 'text' : 'bytes'
  }
  return kindOf(schema) === 'object' ? 'json' : 'text'
}

function compileMultipart (schema: unknown, encoding: Encoding): FormReader {
  const fields = new Map<string, MultipartField>()
  for (const [name, property] of propertiesOf(schema)) {
    const array = kindOf(property) === 'array'
    const contentType = encoding[name]?.contentType
    fields.set(name, { name, array, mode: partMode(array ? itemsOf(property) : property, contentType) })
  }

  return (bytes, contentType) => {
    const boundary = getMultipartBoundary(contentType)
    if (boundary === null) return new MalformedBody('body is not valid multipart/form-data: the Content-Type has no boundary')
    const groups = new Map<string, MultipartPart[]>()
    try {
      // The body is already bounded by the server's body limit; no part can be larger than it.
      for (const part of parseMultipart(bytes, { boundary, maxFileSize: bytes.length, maxTotalSize: bytes.length })) {
        const name = part.name
        if (name === undefined) return new MalformedBody('body is not valid multipart/form-data: a part has no Content-Disposition name')
        const group = groups.get(name)
        if (group === undefined) groups.set(name, [part])
        else group.push(part)
      }
    } catch (error) {
      return new MalformedBody(`body is not valid multipart/form-data: ${(error as Error).message}`)
    }
    const body: Record<string, unknown> = {}
    const problems: Violation[] = []
    for (const [name, parts] of groups) {
      const field = fields.get(name)
      setOwn(body, name, field === undefined ? undeclared(parts) : readField(field, parts, problems))
    }
    return finish(body, problems)
  }
}

function readField ({ name, array, mode }: MultipartField, parts: readonly MultipartPart[], problems: Violation[]): unknown {
  const read = (part: MultipartPart, ...at: number[]): unknown => {
    if (mode === 'bytes') return bytesOf(part)
    const text = textOf(part)
    if (mode === 'text') return text
    const value = decodeJson(text)
    if (!(value instanceof StyleMismatch)) return value
    problems.push({ in: 'body', path: fieldPointer(name, ...at), message: value.message })
    return text
  }
  if (array) {
    if (parts.length === 1 && mode === 'json') {
      // One JSON part holding the whole array is as good as a part per item.
      const value = read(parts[0] as MultipartPart)
      return Array.isArray(value) ? value : [value]
    }
    return parts.map((part, index) => read(part, index))
  }
  return parts.length === 1 ? read(parts[0] as MultipartPart) : parts.map((part, index) => read(part, index))
}

/** A part the schema does not declare: a file's bytes, else its text. */
function undeclared (parts: readonly MultipartPart[]): unknown {
  const read = (part: MultipartPart): unknown => /;\s*filename\*?=/i.test(part.headers['content-disposition'] ?? '') ? bytesOf(part) : textOf(part)
  return parts.length === 1 ? read(parts[0] as MultipartPart) : parts.map(read)
}

function bytesOf (part: MultipartPart): Buffer {
  return Buffer.concat(part.content)
}

function textOf (part: MultipartPart): string {
  return bytesOf(part).toString('utf8')
}
