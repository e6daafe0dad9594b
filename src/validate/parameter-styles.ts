import type { ValueKind } from './schema-shape.js'

/**
 * OpenAPI's parameter serialisations, read back. Each parameter gets its reader at start,
 * chosen by location, style, explode and the kind of value its schema describes; a plain
 * scalar gets none and is validated as sent. Values stay text: the coercing validator turns
 * them into the schema's types afterwards.
 */

/** A value its style cannot read (a label value without its '.'): a violation at the parameter. */
export class StyleMismatch {
  constructor (readonly message: string) {}
}

/** From the value as sent (a string, or an array of them for a repeated key) to the value to validate. */
export type Decode = (raw: unknown) => unknown
/** A value spread over several keys of the request part: exploded form objects, deepObject. */
export type Gather = (source: Readonly<Record<string, unknown>>) => unknown

export interface StyleReader {
  gather?: Gather
  decode?: Decode
  /** Keys of the part, other than the parameter's own name, that the value is made of. */
  claimsKey?: (key: string) => boolean
}

export type StyleLocation = 'path' | 'query' | 'header' | 'cookie'

export interface StyleOptions {
  location: StyleLocation
  name: string
  style: string | undefined
  explode: boolean | undefined
  kind: ValueKind
  /** The declared properties of an object value: an exploded form object is made of these keys. */
  properties: readonly string[]
  /** The other parameters' keys in the same part (not this one's): a free-form exploded object takes every other key. */
  claimed: ReadonlySet<string>
}

/** Only what needs reading gets a reader: `{}` means the value is validated as sent. */
export function compileStyle (options: StyleOptions): StyleReader {
  const { location, name, kind } = options
  const style = options.style ?? (location === 'query' || location === 'cookie' ? 'form' : 'simple')
  const explode = options.explode ?? style === 'form'
  switch (style) {
    case 'simple':
      return delimited(kind, ',', explode, location === 'header')
    case 'label':
      return { decode: label(kind, explode) }
    case 'matrix':
      return { decode: matrix(name, kind, explode) }
    case 'deepObject':
      return kind === 'primitive' ? {} : deepObject(name)
    case 'form':
    case 'spaceDelimited':
    case 'pipeDelimited':
      if (kind === 'object' && explode) return explodedObject(options)
      // Exploded arrays are repeated keys: the query parser already made the array. A cookie
      // cannot repeat, so its list is comma-separated whatever explode says.
      if (kind === 'array' && explode && location !== 'cookie') return {}
      return delimited(kind, style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ',', false, false)
    default:
      return {}
  }
}

/** `content: {application/json: ...}` parameters: the value is JSON text. */
export function decodeJson (raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  try {
    return JSON.parse(raw)
  } catch {
    return new StyleMismatch('must be valid JSON')
  }
}

/** An own property, whatever its name (`__proto__` included). */
export function setOwn (target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

function split (text: string, delimiter: string, trim: boolean): string[] {
  if (text === '') return []
  const items = text.split(delimiter)
  return trim ? items.map((item) => item.trim()) : items
}

/** `R,100,G,200` → `{R: '100', G: '200'}`; undefined when the count is odd. */
function pairs (tokens: readonly string[]): Record<string, unknown> | undefined {
  if (tokens.length % 2 !== 0) return undefined
  const object: Record<string, unknown> = {}
  for (let at = 0; at < tokens.length; at += 2) setOwn(object, tokens[at] as string, tokens[at + 1])
  return object
}

/** `R=100`, `G=200` → `{R: '100', G: '200'}`; undefined when a token has no `=`. */
function entries (tokens: readonly string[]): Record<string, unknown> | undefined {
  const object: Record<string, unknown> = {}
  for (const token of tokens) {
    const at = token.indexOf('=')
    if (at < 0) return undefined
    setOwn(object, token.slice(0, at), token.slice(at + 1))
  }
  return object
}

/** An object from its text, else the text itself (the validator then says it must be an object). */
function objectFrom (text: string, delimiter: string, explode: boolean, trim: boolean): unknown {
  const tokens = split(text, delimiter, trim)
  return (explode ? entries(tokens) : pairs(tokens)) ?? text
}

/** simple, and non-exploded form, spaceDelimited and pipeDelimited: one text, delimited. */
function delimited (kind: ValueKind, delimiter: string, explode: boolean, trim: boolean): StyleReader {
  if (kind === 'array') {
    return {
      decode: (raw) => typeof raw === 'string'
        ? split(raw, delimiter, trim)
        : Array.isArray(raw) ? raw.flatMap((item) => typeof item === 'string' ? split(item, delimiter, trim) : [item]) : raw
    }
  }
  if (kind === 'object') return { decode: (raw) => typeof raw === 'string' ? objectFrom(raw, delimiter, explode, trim) : raw }
  return {}
}

/** `.blue`; arrays `.blue,black` (exploded `.blue.black`); objects `.R,100,G,200` (exploded `.R=100.G=200`). */
function label (kind: ValueKind, explode: boolean): Decode {
  return (raw) => {
    if (typeof raw !== 'string') return raw
    if (!raw.startsWith('.')) return new StyleMismatch('must start with "." (label style)')
    const text = raw.slice(1)
    if (kind === 'array') return split(text, explode ? '.' : ',', false)
    if (kind === 'object') return objectFrom(text, explode ? '.' : ',', explode, false)
    return text
  }
}

/** `;id=5`; arrays `;id=3,4` (exploded `;id=3;id=4`); objects `;id=R,100,G,200` (exploded `;R=100;G=200`). */
function matrix (name: string, kind: ValueKind, explode: boolean): Decode {
  const mismatch = new StyleMismatch(kind === 'object' && explode ? 'must start with ";" (matrix style)' : `must start with ";${name}=" (matrix style)`)
  return (raw) => {
    if (typeof raw !== 'string') return raw
    if (!raw.startsWith(';')) return mismatch
    const segments = raw.slice(1).split(';')
    if (kind === 'object' && explode) return entries(segments.filter((segment) => segment !== '')) ?? raw
    const values: string[] = []
    for (const segment of segments) {
      const at = segment.indexOf('=')
      if ((at < 0 ? segment : segment.slice(0, at)) === name) values.push(at < 0 ? '' : segment.slice(at + 1))
    }
    if (values.length === 0) return mismatch
    if (kind === 'array') return explode ? (values.length === 1 && values[0] === '' ? [] : values) : values.flatMap((value) => split(value, ',', false))
    if (kind === 'object') return objectFrom(values[0] as string, ',', false, false)
    return values.length === 1 ? values[0] : values
  }
}

/** `?offset=1&limit=123` for an object with those properties; a free-form object takes every key no other parameter has. */
function explodedObject ({ properties, claimed }: StyleOptions): StyleReader {
  if (properties.length === 0) {
    return {
      gather: (source) => {
        let object: Record<string, unknown> | undefined
        for (const key of Object.keys(source)) {
          if (claimed.has(key)) continue
          setOwn(object ??= {}, key, source[key])
        }
        return object
      },
      claimsKey: () => true
    }
  }
  const names = new Set(properties)
  return {
    gather: (source) => {
      let object: Record<string, unknown> | undefined
      for (const key of properties) {
        if (Object.hasOwn(source, key)) setOwn(object ??= {}, key, source[key])
      }
      return object
    },
    claimsKey: (key) => names.has(key)
  }
}

/** `?filter[color]=red&filter[size]=M` → `{color: 'red', size: 'M'}`; `filter[a][b]` nests. */
function deepObject (name: string): StyleReader {
  const prefix = `${name}[`
  const claimsKey = (key: string): boolean => key.startsWith(prefix) && key.endsWith(']')
  return {
    gather: (source) => {
      let object: Record<string, unknown> | undefined
      for (const key of Object.keys(source)) {
        if (!claimsKey(key)) continue
        const path = key.slice(prefix.length, -1).split('][')
        let node = object ??= {}
        for (const step of path.slice(0, -1)) {
          const next = Object.hasOwn(node, step) ? node[step] : undefined
          if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
            node = next as Record<string, unknown>
          } else {
            const child: Record<string, unknown> = {}
            setOwn(node, step, child)
            node = child
          }
        }
        setOwn(node, path.at(-1) as string, source[key])
      }
      return object
    },
    claimsKey
  }
}
