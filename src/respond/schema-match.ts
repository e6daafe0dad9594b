import { fullFormats } from 'ajv-formats/dist/formats.js'

/**
 * Does a value satisfy a schema? The faker's own check, over the *dereferenced* schema (object
 * cycles allowed), with the semantics the mock's AJV validators have: OpenAPI 3.0 (`nullable`
 * next to `type`, boolean `exclusiveMinimum`) and 3.1 (JSON Schema 2020-12) keywords alike,
 * ajv-formats' formats plus OpenAPI's `int32`/`int64`. `discriminator`, `readOnly`, `writeOnly`
 * and unknown keywords are annotations, as they are to AJV. It tells which oneOf branch a faked
 * value follows, and whether a value written in a schema (`example`, `default`) fits it.
 */
export function matches (schema: unknown, value: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return schema !== false
  let check = checks.get(schema)
  if (check === undefined) checks.set(schema, check = compileCheck(schema as Schema))
  // A schema that is its own allOf (a cycle no value can end) is not worth a stack overflow.
  if (depth > MAX_DEPTH) return true
  depth++
  try {
    return check(value)
  } finally {
    depth--
  }
}

/**
 * The types a schema allows (`integer` included), `undefined` for any. 3.0's `nullable` (and
 * Swagger's `x-nullable`) next to `type` adds `null`; Swagger's `type: file` is a string.
 */
export function typesOf (schema: Schema): string[] | undefined {
  const { type } = schema
  if (type === undefined) return undefined
  const types = (Array.isArray(type) ? type : [type]).filter((entry): entry is string => typeof entry === 'string')
    .map((entry) => entry === 'file' ? 'string' : entry)
  if (isNullable(schema) && !types.includes('null')) types.push('null')
  return types
}

/** The values a schema's `enum` allows; `nullable` adds `null` to them, as the 3.0 → JSON Schema conversion does. */
export function enumOf (schema: Schema): unknown[] | undefined {
  if (!Array.isArray(schema.enum)) return undefined
  return nullableFlag(schema) && !schema.enum.includes(null) ? [...schema.enum, null] : schema.enum
}

function nullableFlag (schema: Schema): boolean {
  return schema.nullable === true || schema['x-nullable'] === true
}

/** `nullable` makes `type` accept null; with no `type` it opens nothing (but an `enum`). */
function isNullable (schema: Schema): boolean {
  return schema.type !== undefined && nullableFlag(schema)
}

export function deepEqual (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, index) => deepEqual(item, b[index]))
  if (Array.isArray(b)) return false
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
}

/** `pattern` as AJV compiles it (`u` flag); a pattern JavaScript cannot compile checks nothing. */
export function patternOf (source: string): RegExp | undefined {
  let regex = patterns.get(source)
  if (regex === undefined && !patterns.has(source)) {
    try {
      regex = new RegExp(source, 'u')
    } catch {
      try {
        regex = new RegExp(source)
      } catch {
        regex = undefined
      }
    }
    patterns.set(source, regex)
  }
  return regex
}

/** Whether a string or number fits a format the validators know (unknown formats fit). */
export function fitsFormat (format: string, value: unknown): boolean {
  if (typeof value === 'number') {
    if (format === 'int32') return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31
    if (format === 'int64') return Number.isInteger(value)
    return true
  }
  if (typeof value !== 'string') return true
  const known = (fullFormats as Record<string, unknown>)[format]
  if (known instanceof RegExp) return known.test(value)
  if (typeof known === 'function') return (known as (text: string) => boolean)(value)
  if (typeof known === 'object' && known !== null) {
    const { type, validate } = known as { type?: string, validate?: unknown }
    if (type !== undefined && type !== 'string') return true
    if (validate instanceof RegExp) return validate.test(value)
    if (typeof validate === 'function') return (validate as (text: string) => boolean)(value)
  }
  return true
}

/** Length in code points, as AJV counts (`unicode` on). */
export function lengthOf (text: string): number {
  let length = 0
  for (let index = 0; index < text.length; index++) {
    length++
    const code = text.charCodeAt(index)
    if (code >= 0xd800 && code <= 0xdbff) index++
  }
  return length
}

/** A schema object as the faker reads it: any JSON Schema / OpenAPI keyword, loosely typed. */
export interface Schema {
  [keyword: string]: unknown
  type?: unknown
  nullable?: unknown
  enum?: unknown[]
  const?: unknown
  properties?: Record<string, unknown>
  required?: unknown
  items?: unknown
  prefixItems?: unknown[]
  allOf?: unknown[]
  anyOf?: unknown[]
  oneOf?: unknown[]
}

type Check = (value: unknown) => boolean

const checks = new WeakMap<object, Check>()
const patterns = new Map<string, RegExp | undefined>()
const MAX_DEPTH = 400
let depth = 0

function isType (value: unknown, type: string): boolean {
  switch (type) {
    case 'string': return typeof value === 'string'
    case 'number': return typeof value === 'number' && Number.isFinite(value)
    case 'integer': return typeof value === 'number' && Number.isInteger(value)
    case 'boolean': return typeof value === 'boolean'
    case 'null': return value === null
    case 'array': return Array.isArray(value)
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value)
    default: return true
  }
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const num = (value: unknown): number | undefined => typeof value === 'number' ? value : undefined
const schemas = (value: unknown): unknown[] => Array.isArray(value) ? value : []

function compileCheck (schema: Schema): Check {
  const rules: Check[] = []
  const types = typesOf(schema)
  if (types !== undefined && types.length > 0) rules.push((value) => types.some((type) => isType(value, type)))
  const allowed = enumOf(schema)
  if (allowed !== undefined) rules.push((value) => allowed.some((entry) => deepEqual(entry, value)))
  if (schema.const !== undefined) {
    const constant = schema.const
    rules.push((value) => deepEqual(constant, value))
  }
  compileNumberRules(schema, rules)
  compileStringRules(schema, rules)
  compileArrayRules(schema, rules)
  compileObjectRules(schema, rules)
  for (const member of schemas(schema.allOf)) rules.push((value) => matches(member, value))
  const anyOf = schemas(schema.anyOf)
  if (anyOf.length > 0) rules.push((value) => anyOf.some((branch) => matches(branch, value)))
  const oneOf = schemas(schema.oneOf)
  if (oneOf.length > 0) {
    rules.push((value) => {
      let count = 0
      for (const branch of oneOf) if (matches(branch, value) && ++count > 1) return false
      return count === 1
    })
  }
  if (schema.not !== undefined) {
    const not = schema.not
    rules.push((value) => !matches(not, value))
  }
  if (schema.if !== undefined && (schema.then !== undefined || schema.else !== undefined)) {
    const { if: condition, then, else: otherwise } = schema
    rules.push((value) => matches(condition, value) ? then === undefined || matches(then, value) : otherwise === undefined || matches(otherwise, value))
  }
  if (rules.length === 0) return () => true
  if (rules.length === 1) return rules[0]!
  return (value) => rules.every((rule) => rule(value))
}

function compileNumberRules (schema: Schema, rules: Check[]): void {
  const minimum = num(schema.minimum)
  const maximum = num(schema.maximum)
  // 3.0 (draft-04): a boolean that makes minimum/maximum exclusive; 3.1: the bound itself.
  const exclusiveMinimum = num(schema.exclusiveMinimum)
  const exclusiveMaximum = num(schema.exclusiveMaximum)
  const minExclusive = schema.exclusiveMinimum === true
  const maxExclusive = schema.exclusiveMaximum === true
  const multipleOf = num(schema.multipleOf)
  const format = typeof schema.format === 'string' && (schema.format === 'int32' || schema.format === 'int64') ? schema.format : undefined
  if (minimum === undefined && maximum === undefined && exclusiveMinimum === undefined && exclusiveMaximum === undefined && multipleOf === undefined && format === undefined) return
  rules.push((value) => {
    if (typeof value !== 'number') return true
    if (minimum !== undefined && (minExclusive ? value <= minimum : value < minimum)) return false
    if (maximum !== undefined && (maxExclusive ? value >= maximum : value > maximum)) return false
    if (exclusiveMinimum !== undefined && value <= exclusiveMinimum) return false
    if (exclusiveMaximum !== undefined && value >= exclusiveMaximum) return false
    if (multipleOf !== undefined && multipleOf > 0 && !Number.isInteger(value / multipleOf)) return false
    return format === undefined || fitsFormat(format, value)
  })
}

function compileStringRules (schema: Schema, rules: Check[]): void {
  const minLength = num(schema.minLength)
  const maxLength = num(schema.maxLength)
  const pattern = typeof schema.pattern === 'string' ? patternOf(schema.pattern) : undefined
  const format = typeof schema.format === 'string' ? schema.format : undefined
  if (minLength === undefined && maxLength === undefined && pattern === undefined && format === undefined) return
  rules.push((value) => {
    if (typeof value !== 'string') return true
    if (minLength !== undefined || maxLength !== undefined) {
      const length = lengthOf(value)
      if ((minLength !== undefined && length < minLength) || (maxLength !== undefined && length > maxLength)) return false
    }
    if (pattern !== undefined && !pattern.test(value)) return false
    return format === undefined || fitsFormat(format, value)
  })
}

function compileArrayRules (schema: Schema, rules: Check[]): void {
  const { items, additionalItems, contains } = schema
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(items) ? items : []
  // 2020-12: `items` is the schema after `prefixItems`; draft-04: `items: [...]` is the tuple, `additionalItems` the rest.
  const rest = Array.isArray(schema.prefixItems) ? items : Array.isArray(items) ? additionalItems : items
  const minItems = num(schema.minItems)
  const maxItems = num(schema.maxItems)
  const unique = schema.uniqueItems === true
  const minContains = num(schema.minContains) ?? 1
  const maxContains = num(schema.maxContains)
  if (prefix.length === 0 && rest === undefined && minItems === undefined && maxItems === undefined && !unique && contains === undefined) return
  rules.push((value) => {
    if (!Array.isArray(value)) return true
    if (minItems !== undefined && value.length < minItems) return false
    if (maxItems !== undefined && value.length > maxItems) return false
    for (let index = 0; index < value.length; index++) {
      const itemSchema = index < prefix.length ? prefix[index] : rest
      if (itemSchema !== undefined && !matches(itemSchema, value[index])) return false
    }
    if (unique) {
      for (let i = 0; i < value.length; i++) {
        for (let j = i + 1; j < value.length; j++) if (deepEqual(value[i], value[j])) return false
      }
    }
    if (contains !== undefined) {
      const count = value.filter((item) => matches(contains, item)).length
      if (count < minContains || (maxContains !== undefined && count > maxContains)) return false
    }
    return true
  })
}

function compileObjectRules (schema: Schema, rules: Check[]): void {
  const properties = isPlainObject(schema.properties) ? schema.properties : undefined
  const required = Array.isArray(schema.required) ? schema.required.filter((key): key is string => typeof key === 'string') : []
  const patternProperties = isPlainObject(schema.patternProperties)
    ? Object.entries(schema.patternProperties).flatMap(([source, child]) => {
      const regex = patternOf(source)
      return regex === undefined ? [] : [[regex, child] as const]
    })
    : []
  const { additionalProperties, propertyNames } = schema
  const minProperties = num(schema.minProperties)
  const maxProperties = num(schema.maxProperties)
  const dependentRequired: Array<[string, string[]]> = []
  const dependentSchemas: Array<[string, unknown]> = []
  for (const keyword of ['dependencies', 'dependentRequired', 'dependentSchemas']) {
    const entries = schema[keyword]
    if (!isPlainObject(entries)) continue
    for (const [key, dependency] of Object.entries(entries)) {
      if (Array.isArray(dependency)) dependentRequired.push([key, dependency.filter((entry): entry is string => typeof entry === 'string')])
      else dependentSchemas.push([key, dependency])
    }
  }
  if (properties === undefined && required.length === 0 && patternProperties.length === 0 && additionalProperties === undefined &&
    propertyNames === undefined && minProperties === undefined && maxProperties === undefined &&
    dependentRequired.length === 0 && dependentSchemas.length === 0) return
  rules.push((value) => {
    if (!isPlainObject(value)) return true
    for (const key of required) if (!Object.hasOwn(value, key)) return false
    const keys = Object.keys(value)
    if (minProperties !== undefined && keys.length < minProperties) return false
    if (maxProperties !== undefined && keys.length > maxProperties) return false
    for (const key of keys) {
      const child = value[key]
      let known = false
      if (properties !== undefined && Object.hasOwn(properties, key)) {
        known = true
        if (!matches(properties[key], child)) return false
      }
      for (const [regex, patternSchema] of patternProperties) {
        if (regex.test(key)) {
          known = true
          if (!matches(patternSchema, child)) return false
        }
      }
      if (!known && additionalProperties !== undefined && !matches(additionalProperties, child)) return false
      if (propertyNames !== undefined && !matches(propertyNames, key)) return false
    }
    for (const [key, needed] of dependentRequired) {
      if (Object.hasOwn(value, key) && needed.some((other) => !Object.hasOwn(value, other))) return false
    }
    for (const [key, dependency] of dependentSchemas) {
      if (Object.hasOwn(value, key) && !matches(dependency, value)) return false
    }
    return true
  })
}
