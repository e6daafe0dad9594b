import { generateSync } from 'json-schema-faker'
import type { ComponentNames } from './fake-value.js'
import { jsfPatternText, patternText } from './pattern-text.js'
import { deepEqual, enumOf, fitsFormat, lengthOf, matches, patternOf, typesOf, type Schema } from './schema-match.js'

/**
 * The faker behind `fakeValue`: a value from a *dereferenced* OpenAPI 3.0/3.1 schema (object
 * cycles allowed), valid against it wherever the schema allows it.
 *
 * Each schema is turned once into a `Shape` (cached per schema object): its `allOf` merged (the
 * list of schemas a value must satisfy, with their keywords combined), its `oneOf`/`anyOf`/`if`
 * kept as groups of branches. Faking a shape with groups picks a branch per group (seeded),
 * fakes the shape merged with those branches, and checks the value against the original schemas
 * (`matches`): a oneOf value must match exactly one branch, else the next branch is tried.
 * Values written in the schema (`examples[0]`, `example`, `default`, `const`, `enum`) win at
 * every depth, when they fit. json-schema-faker makes the strings of patterns beyond the simple
 * subset pattern-text.ts handles, and of the rarer formats; the structure (objects, arrays,
 * composition, recursion) and the frequent formats are made here, with the tree of each schema
 * compiled once: jsf rebuilds its context on every call (~5 µs), too slow for every leaf.
 */

export type Direction = 'response' | 'request'

/** How one value is faked: the PRNG and what the faker may use. */
export interface Run {
  rng: Rng
  /** Use values written in the schema (`examples`, `example`, `default`); `const` and `enum` always hold. */
  written: boolean
  /** Only required properties and `minItems` items, at every depth. */
  requiredOnly: boolean
  /** `enum`: its first value (sampleValue's contract) rather than a seeded pick. */
  enumFirst: boolean
}

/** Fakes one value from `schema`. */
export function fakeWith (faker: SchemaFaker, schema: object, run: Run): unknown {
  const ctx: Ctx = { run, depth: 0, steps: 0, retries: RETRY_BUDGET, active: new Map() }
  return generate(faker.shapeOfSchema(isObject(schema) ? schema : ANY), ctx, false)
}

/** Per direction and document (component names), the shapes of every schema seen, compiled once. */
export class SchemaFaker {
  private readonly single = new WeakMap<object, Shape>()
  private readonly multi = new WeakMap<object, Map<string, Shape>>()

  constructor (readonly direction: Direction, readonly names: ComponentNames | undefined) {}

  shapeOfSchema (schema: object): Shape {
    let shape = this.single.get(schema)
    if (shape === undefined) {
      shape = buildShape(this, flatten([{ schema: schema as Schema, skip: false }]))
      this.single.set(schema, shape)
    }
    return shape
  }

  /** The shape of a value that satisfies all of `conjuncts` (flattened), one per distinct list. */
  shapeOf (conjuncts: readonly Conjunct[]): Shape {
    const first = conjuncts[0]
    if (first === undefined) return this.shapeOfSchema(ANY)
    if (conjuncts.length === 1 && !first.skip) return this.shapeOfSchema(first.schema)
    const key = conjuncts.map((conjunct) => `${idOf(conjunct.schema)}${conjunct.skip ? '!' : ''}`).join(' ')
    let byKey = this.multi.get(first.schema)
    if (byKey === undefined) this.multi.set(first.schema, byKey = new Map())
    let shape = byKey.get(key)
    if (shape === undefined) byKey.set(key, shape = buildShape(this, conjuncts))
    return shape
  }

  shapeOfSchemas (schemas: readonly unknown[]): Shape {
    return this.shapeOf(flatten(schemas.map((schema) => ({ schema: schema as Schema, skip: false }))))
  }
}

/** Seeded PRNG (mulberry32): same seed, same sequence. The seed is mixed first: mulberry32's first draws for 1, 2, 3... are alike. */
export class Rng {
  private state: number
  constructor (seed: number) {
    let hash = (Math.imul(seed | 0, 0x9e3779b9) + 0x7f4a7c15) | 0
    hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b)
    hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35)
    this.state = hash ^ (hash >>> 16)
  }

  next (): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [low, high]. */
  int (low: number, high: number): number {
    return high <= low ? low : Math.min(high, low + Math.floor(this.next() * (high - low + 1)))
  }

  u32 (): number { return Math.floor(this.next() * 4294967296) >>> 0 }
  pick<T> (items: readonly T[]): T { return items[this.int(0, items.length - 1)]! }
}

// ---------------------------------------------------------------------------------------------
// Shapes

/** One schema a value must satisfy; `skip`: its oneOf/anyOf/if are already resolved (a branch was merged in). */
interface Conjunct { schema: Schema, skip: boolean }

interface Branch {
  conjuncts: Conjunct[]
  /** For bounded recursion: prefer cheap branches (no object or array, few required properties). */
  cost: number | undefined
  /** Only null: the last choice of a full value (`anyOf: [{type: string}, {type: 'null'}]` gives strings). */
  nullOnly: boolean | undefined
}

interface Group { owner: Schema, branches: Branch[] }

interface Shape {
  faker: SchemaFaker
  conjuncts: Conjunct[]
  /** Allowed types (intersection), `undefined` when no conjunct says. */
  types: string[] | undefined
  /** `enum`/`const` values allowed by every conjunct that has one (unfiltered). */
  enumValues: unknown[] | undefined
  groups: Group[]
  /** Schemas checked on the faked value: composition the construction does not guarantee. */
  post: Schema[]
  /** The recursion level it is being faked at (1: not inside itself), set on entry. */
  level: number
  written?: { value: unknown } | null
  validEnum?: unknown[]
  typeChoices?: string[]
  object?: ObjectPlan
  array?: ArrayPlan
  scalar?: ScalarPlan
  resolved?: Map<string, Shape>
}

interface Ctx {
  run: Run
  depth: number
  steps: number
  /** Attempts left for re-faking a composition whose check failed, for the whole value. */
  retries: number
  /** How many times each schema is being faked in the current path: a recursion's level. */
  active: Map<object, number>
}

const ANY: Schema = {}
const STRING: Schema = { type: 'string' }
const RETRY_BUDGET = 400
/** A schema met again deeper than this (a recursion) gets only its required properties. */
const FULL_LEVEL = 2
/** Past this, recursion stops: null where allowed, else the smallest value. */
const HARD_LEVEL = 6
const FULL_DEPTH = 10
/** Only a guard for the stack: recursion is bounded by HARD_LEVEL. */
const HARD_DEPTH = 200
/** Nodes faked per value before everything turns minimal (very wide and deep schemas). */
const STEP_BUDGET = 5000

const ids = new WeakMap<object, number>()
let nextId = 1
function idOf (schema: object): number {
  let id = ids.get(schema)
  if (id === undefined) ids.set(schema, id = nextId++)
  return id
}

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value)
const list = (value: unknown): unknown[] => Array.isArray(value) ? value : []
const num = (value: unknown): number | undefined => typeof value === 'number' && Number.isFinite(value) ? value : undefined

/** The conjuncts, each followed by its `allOf` members (recursively), each schema once. */
function flatten (input: readonly Conjunct[]): Conjunct[] {
  const out: Conjunct[] = []
  const at = new Map<object, number>()
  const visit = (schema: unknown, skip: boolean): void => {
    if (!isObject(schema)) return
    const seen = at.get(schema)
    if (seen !== undefined) {
      if (skip) out[seen] = { schema, skip }
      return
    }
    at.set(schema, out.length)
    out.push({ schema, skip })
    for (const member of list(schema.allOf)) visit(member, false)
  }
  for (const conjunct of input) visit(conjunct.schema, conjunct.skip)
  return out
}

function intersectTypes (a: string[], b: string[]): string[] {
  const out = a.filter((type) => b.includes(type) || (type === 'integer' && b.includes('number')))
  if (a.includes('number') && b.includes('integer') && !out.includes('integer')) out.push('integer')
  return out
}

function buildShape (faker: SchemaFaker, input: readonly Conjunct[]): Shape {
  let conjuncts = [...input]
  const forced = selfDiscriminator(faker, conjuncts)
  if (forced !== undefined) conjuncts = flatten([...conjuncts, { schema: forced, skip: false }])
  let types: string[] | undefined
  let enumValues: unknown[] | undefined
  const groups: Group[] = []
  const post: Schema[] = []
  for (const { schema, skip } of conjuncts) {
    const own = typesOf(schema)
    if (own !== undefined && own.length > 0) {
      if (types === undefined) types = own
      else {
        const both = intersectTypes(types, own)
        if (both.length > 0) types = both // a contradiction: the outer schema's types win
      }
    }
    let values = enumOf(schema)
    if (schema.const !== undefined) values = values === undefined ? [schema.const] : values.filter((value) => deepEqual(value, schema.const))
    if (values !== undefined) enumValues = enumValues === undefined ? values : enumValues.filter((value) => values.some((other) => deepEqual(value, other)))
    let checked = schema.not !== undefined || isObject(schema.dependentSchemas) || schema.contains !== undefined ||
      (isObject(schema.dependencies) && Object.values(schema.dependencies).some((dependency) => !Array.isArray(dependency)))
    if (!skip) {
      for (const keyword of ['oneOf', 'anyOf'] as const) {
        const branches = list(schema[keyword]).filter(isObject)
        if (branches.length === 0) continue
        checked = true
        groups.push({ owner: schema, branches: branches.map((branch) => ({ conjuncts: branchConjuncts(faker, schema, branch), cost: undefined, nullOnly: undefined })) })
      }
      if (isObject(schema.if) && (schema.then !== undefined || schema.else !== undefined)) {
        checked = true
        const then = [schema.if, schema.then].filter(isObject)
        const otherwise = [schema.else].filter(isObject)
        groups.push({ owner: schema, branches: [then, otherwise].map((schemas) => ({ conjuncts: flatten(schemas.map((entry) => ({ schema: entry, skip: false }))), cost: undefined, nullOnly: undefined })) })
      }
    }
    if (checked) post.push(schema)
  }
  return { faker, conjuncts, types, enumValues, groups, post, level: 0 }
}

/** A branch of `owner`'s oneOf/anyOf, with its discriminator property set to the value that names it. */
function branchConjuncts (faker: SchemaFaker, owner: Schema, branch: Schema): Conjunct[] {
  const conjuncts: Conjunct[] = [{ schema: branch, skip: false }]
  const discriminator = discriminatorOf(owner)
  if (discriminator !== undefined) {
    const value = discriminatorValue(faker, discriminator, [branch])
    const flat = flatten(conjuncts)
    if (value !== undefined && !forcesProperty(flat, discriminator.propertyName) && fitsProperty([...flat, { schema: owner, skip: true }], discriminator.propertyName, value)) {
      conjuncts.push({ schema: forcing(discriminator.propertyName, value), skip: false })
    }
  }
  return flatten(conjuncts)
}

interface Discriminator { propertyName: string, mapping: Record<string, string> }

function discriminatorOf (schema: Schema): Discriminator | undefined {
  const discriminator = schema.discriminator
  if (!isObject(discriminator) || typeof discriminator.propertyName !== 'string') return undefined
  const mapping = isObject(discriminator.mapping)
    ? Object.fromEntries(Object.entries(discriminator.mapping).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
    : {}
  return { propertyName: discriminator.propertyName, mapping }
}

/** `#/components/schemas/Cat`, `Cat`, `other.yaml#/components/schemas/Cat` → `Cat`. */
function refName (ref: string): string {
  const last = ref.slice(ref.lastIndexOf('/') + 1)
  try {
    return decodeURIComponent(last).replace(/~1/g, '/').replace(/~0/g, '~')
  } catch {
    return last
  }
}

/**
 * The discriminator value naming the first of `schemas` that has a name: the mapping key whose
 * target is its component name (else the name itself, OpenAPI's implicit mapping), or the
 * mapping key whose target is its `title`.
 */
function discriminatorValue (faker: SchemaFaker, discriminator: Discriminator, schemas: readonly Schema[]): string | undefined {
  const entries = Object.entries(discriminator.mapping)
  for (const schema of schemas) {
    const name = faker.names?.get(schema)
    if (name !== undefined) return entries.find(([, target]) => refName(target) === name)?.[0] ?? name
  }
  for (const schema of schemas) {
    if (typeof schema.title !== 'string') continue
    const title = schema.title
    const key = entries.find(([, target]) => refName(target) === title)?.[0]
    if (key !== undefined) return key
  }
  return undefined
}

/**
 * OpenAPI 3.0 inheritance: `Cat: allOf: [Pet, {...}]`, Pet carrying the discriminator (no
 * oneOf). A value of Cat names Cat in Pet's discriminator property.
 */
function selfDiscriminator (faker: SchemaFaker, conjuncts: readonly Conjunct[]): Schema | undefined {
  const holder = conjuncts.find(({ schema }) => discriminatorOf(schema) !== undefined && schema.oneOf === undefined && schema.anyOf === undefined)
  if (holder === undefined) return undefined
  const discriminator = discriminatorOf(holder.schema)!
  if (forcesProperty(conjuncts, discriminator.propertyName)) return undefined
  const value = discriminatorValue(faker, discriminator, conjuncts.filter(({ skip }) => !skip).map(({ schema }) => schema))
  return value !== undefined && fitsProperty(conjuncts, discriminator.propertyName, value) ? forcing(discriminator.propertyName, value) : undefined
}

function forcesProperty (conjuncts: readonly Conjunct[], key: string): boolean {
  return conjuncts.some(({ schema }) => {
    const property = isObject(schema.properties) ? schema.properties[key] : undefined
    return isObject(property) && (property.const !== undefined || (Array.isArray(property.enum) && property.enum.length === 1))
  })
}

function fitsProperty (conjuncts: readonly Conjunct[], key: string, value: unknown): boolean {
  return conjuncts.every(({ schema }) => !isObject(schema.properties) || !Object.hasOwn(schema.properties, key) || matches(schema.properties[key], value))
}

/** `{properties: {<key>: {const: <value>}}, required: [<key>]}`, one object per key and value (shapes are cached by identity). */
const forcings = new Map<string, Schema>()
function forcing (key: string, value: string): Schema {
  const id = JSON.stringify([key, value])
  let schema = forcings.get(id)
  if (schema === undefined) forcings.set(id, schema = { type: 'object', properties: { [key]: { type: 'string', const: value } }, required: [key] })
  return schema
}

// ---------------------------------------------------------------------------------------------
// Generation

function generate (shape: Shape, ctx: Ctx, shallowMinimal: boolean): unknown {
  ctx.steps++
  // A recursion goes through the same schema objects, whatever wraps them (`allOf: [Node], nullable: true`).
  // A conjunct merged back with its branch (`skip`) was counted by the shape that chose the branch.
  const { active } = ctx
  const outer = shape.level
  let level = 1
  for (const { schema, skip } of shape.conjuncts) {
    if (skip) continue
    const count = (active.get(schema) ?? 0) + 1
    active.set(schema, count)
    if (count > level) level = count
  }
  shape.level = level
  try {
    if (level > HARD_LEVEL || ctx.depth > HARD_DEPTH) return stub(shape, ctx)
    const minimal = shallowMinimal || ctx.run.requiredOnly || level > FULL_LEVEL || ctx.depth > FULL_DEPTH || ctx.steps > STEP_BUDGET
    if (shape.groups.length > 0) {
      const written = ctx.run.written ? writtenValue(shape) : undefined
      return written !== undefined ? copy(written) : generateGroups(shape, ctx, minimal)
    }
    if (shape.post.length === 0) return generatePlain(shape, ctx, minimal)
    let first: { value: unknown } | undefined
    for (let attempt = 0; attempt < 3; attempt++) {
      const value = generatePlain(shape, ctx, minimal)
      if (shape.post.every((schema) => matches(schema, value))) return value
      first ??= { value }
      if (ctx.retries-- <= 0) break
    }
    return first!.value
  } finally {
    shape.level = outer
    for (const { schema, skip } of shape.conjuncts) if (!skip) active.set(schema, active.get(schema)! - 1)
  }
}

/**
 * A branch per group, merged into the shape; the value is checked against the original schemas
 * (oneOf: exactly one branch). Each branch is tried with every property, then with the required
 * ones only (the classic "exactly one of a or b"); in recursion the cheapest branches come first.
 */
function generateGroups (shape: Shape, ctx: Ctx, minimal: boolean): unknown {
  const orders = shape.groups.map(({ branches }) => {
    const indexes = branches.map((_, index) => index)
    if (minimal) return indexes.sort((a, b) => branchCost(shape.faker, branches[a]!) - branchCost(shape.faker, branches[b]!))
    const full = indexes.filter((index) => !nullOnly(shape.faker, branches[index]!))
    const start = ctx.run.rng.int(0, Math.max(0, full.length - 1))
    return [...full.map((_, index) => full[(index + start) % full.length]!), ...indexes.filter((index) => !full.includes(index))]
  })
  const widest = Math.max(...orders.map((order) => order.length))
  const attempts = Math.min(2 * widest, 12)
  let first: { value: unknown } | undefined
  for (let attempt = 0; attempt < attempts; attempt++) {
    const choices = orders.map((order) => order[Math.floor(attempt / 2) % order.length]!)
    const value = generate(resolve(shape, choices), ctx, minimal || attempt % 2 === 1)
    if (shape.post.every((schema) => matches(schema, value))) return value
    first ??= { value }
    if (ctx.retries-- <= 0) break
  }
  return first!.value
}

function resolve (shape: Shape, choices: readonly number[]): Shape {
  const key = choices.join(',')
  shape.resolved ??= new Map()
  let resolved = shape.resolved.get(key)
  if (resolved === undefined) {
    const owners = new Set(shape.groups.map(({ owner }) => owner))
    const conjuncts = shape.conjuncts.map((conjunct) => owners.has(conjunct.schema) ? { schema: conjunct.schema, skip: true } : conjunct)
    shape.groups.forEach((group, index) => conjuncts.push(...group.branches[choices[index]!]!.conjuncts))
    resolved = shape.faker.shapeOf(flatten(conjuncts))
    shape.resolved.set(key, resolved)
  }
  return resolved
}

function branchCost (faker: SchemaFaker, branch: Branch): number {
  if (branch.cost === undefined) {
    const shape = faker.shapeOf(branch.conjuncts)
    const types = shape.types ?? [inferType(shape)]
    branch.cost = shape.enumValues !== undefined || types.includes('null') || !types.some((type) => type === 'object' || type === 'array')
      ? 0
      : 1 + new Set(shape.conjuncts.flatMap(({ schema }) => list(schema.required))).size + shape.groups.length
  }
  return branch.cost
}

function nullOnly (faker: SchemaFaker, branch: Branch): boolean {
  if (branch.nullOnly === undefined) {
    const shape = faker.shapeOf(branch.conjuncts)
    branch.nullOnly = shape.enumValues !== undefined ? shape.enumValues.every((value) => value === null) : shape.types?.every((type) => type === 'null') === true
  }
  return branch.nullOnly
}

function generatePlain (shape: Shape, ctx: Ctx, minimal: boolean): unknown {
  if (ctx.run.written) {
    const written = writtenValue(shape)
    if (written !== undefined) return copy(written)
  }
  if (shape.enumValues !== undefined) return pickEnum(shape, ctx)
  // A recursion that may end in null does.
  if (minimal && shape.level > 1 && shape.types?.includes('null') === true) return null
  switch (chooseType(shape, ctx)) {
    case 'object': return generateObject(shape, ctx, minimal)
    case 'array': return generateArray(shape, ctx, minimal)
    case 'integer': return generateNumber(shape, ctx, true)
    case 'number': return generateNumber(shape, ctx, numberFormat(shape) !== undefined)
    case 'boolean': return ctx.run.rng.next() < 0.5
    case 'null': return null
    default: return generateString(shape, ctx)
  }
}

/** Past the recursion limit: the smallest value the shape allows, at no further depth. */
function stub (shape: Shape, ctx: Ctx): unknown {
  if (shape.types?.includes('null') === true) return null
  const written = writtenValue(shape)
  if (written !== undefined) return copy(written)
  if (shape.enumValues !== undefined) return pickEnum(shape, ctx)
  switch (chooseType(shape, ctx)) {
    case 'object': return {}
    case 'array': return []
    case 'integer': return generateNumber(shape, ctx, true)
    case 'number': return generateNumber(shape, ctx, false)
    case 'boolean': return false
    case 'null': return null
    default: return generateString(shape, ctx)
  }
}

const ALL_TYPES = ['string', 'integer', 'number', 'boolean', 'object', 'array', 'null']

function chooseType (shape: Shape, ctx: Ctx): string {
  const choices = shape.typeChoices ??= typeChoices(shape)
  return choices.length === 1 ? choices[0]! : ctx.run.rng.pick(choices)
}

/** The types a value is faked as: not null when anything else is allowed, not what a `not: {type}` excludes. */
function typeChoices (shape: Shape): string[] {
  const excluded = new Set(shape.conjuncts.flatMap(({ schema }) => isObject(schema.not) ? typesOf(schema.not) ?? [] : []))
  if (excluded.has('number')) excluded.add('integer')
  if (shape.types === undefined) {
    const inferred = inferType(shape)
    return [excluded.has(inferred) ? ALL_TYPES.find((type) => !excluded.has(type)) ?? inferred : inferred]
  }
  const allowed = shape.types.filter((type) => !excluded.has(type))
  const types = allowed.length > 0 ? allowed : shape.types
  const concrete = types.filter((type) => type !== 'null')
  return concrete.length > 0 ? concrete : ['null']
}

const OBJECT_KEYWORDS = ['properties', 'required', 'additionalProperties', 'patternProperties', 'minProperties', 'maxProperties', 'discriminator', 'propertyNames']
const ARRAY_KEYWORDS = ['items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems', 'contains']
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']

/** No `type`: what the keywords describe; nothing at all (`{}`, any value) is a string. */
function inferType (shape: Shape): string {
  const has = (keywords: readonly string[]): boolean => shape.conjuncts.some(({ schema }) => keywords.some((keyword) => schema[keyword] !== undefined))
  if (has(OBJECT_KEYWORDS)) return 'object'
  if (has(ARRAY_KEYWORDS)) return 'array'
  if (numberFormat(shape) !== undefined) return 'integer'
  if (has(NUMBER_KEYWORDS)) return 'number'
  return 'string'
}

/** Every value the shape's conjuncts all accept: a written value has to fit to be used. */
function fits (shape: Shape, value: unknown): boolean {
  return shape.conjuncts.every(({ schema }) => matches(schema, value))
}

/**
 * The value written in the schema, outer schema first: `examples[0]`, `example`, `default`
 * (3.0's `example: null` counts only where null is allowed). One that does not fit the schema
 * is passed over. Properties the direction hides (writeOnly in responses) are taken out.
 */
function writtenValue (shape: Shape): unknown {
  if (shape.written === undefined) {
    shape.written = null
    for (const { schema } of shape.conjuncts) {
      const candidates: unknown[] = []
      if (Array.isArray(schema.examples) && schema.examples.length > 0) candidates.push(schema.examples[0])
      if (Object.hasOwn(schema, 'example')) candidates.push(schema.example)
      if (Object.hasOwn(schema, 'default')) candidates.push(schema.default)
      const found = candidates.find((candidate) => candidate !== undefined && fits(shape, candidate))
      if (found !== undefined) {
        shape.written = { value: hideProperties(shape, found) }
        break
      }
    }
  }
  return shape.written === null ? undefined : shape.written.value
}

/** A copy of a written value without the properties the direction hides, at every depth. */
function hideProperties (shape: Shape, value: unknown): unknown {
  if (Array.isArray(value)) {
    const plan = arrayPlan(shape)
    return value.map((item, index) => hideProperties(itemShape(shape, plan, index), item))
  }
  if (!isObject(value)) return value
  const plan = objectPlan(shape)
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const property = propertyPlan(shape, plan, key)
    if (property.hidden) continue
    out[key] = hideProperties(propertyShape(shape, property), item)
  }
  return out
}

function copy (value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map(copy)
  const out: Record<string, unknown> = {}
  for (const key in value) out[key] = copy((value as Record<string, unknown>)[key])
  return out
}

function pickEnum (shape: Shape, ctx: Ctx): unknown {
  if (shape.validEnum === undefined) {
    const values = shape.enumValues ?? []
    const valid = values.filter((value) => fits(shape, value))
    const usable = valid.length > 0 ? valid : values
    const concrete = usable.filter((value) => value !== null)
    shape.validEnum = concrete.length > 0 ? concrete : usable
  }
  const values = shape.validEnum
  if (values.length === 0) return null
  return copy(ctx.run.enumFirst ? values[0] : ctx.run.rng.pick(values))
}

// ---------------------------------------------------------------------------------------------
// Objects

interface PropertyPlan {
  key: string
  required: boolean
  /** writeOnly in a response, readOnly in a request: never sent. */
  hidden: boolean
  /** Not allowed by some conjunct's `additionalProperties: false`. */
  forbidden: boolean
  schemas: unknown[]
  shape?: Shape
}

interface ObjectPlan {
  properties: PropertyPlan[]
  byKey: Map<string, PropertyPlan>
  minProperties: number
  maxProperties: number
  /** Keys can be added (a map: additionalProperties or patternProperties with a schema). */
  map: boolean
  patterns: string[]
  propertyNames: unknown[]
  dependentRequired: Array<[string, string[]]>
}

function objectPlan (shape: Shape): ObjectPlan {
  if (shape.object !== undefined) return shape.object
  const required = new Set<string>()
  const keys: string[] = []
  const seen = new Set<string>()
  let minProperties = 0
  let maxProperties = Infinity
  let map = false
  const patterns: string[] = []
  const propertyNames: unknown[] = []
  const dependentRequired: Array<[string, string[]]> = []
  for (const { schema } of shape.conjuncts) {
    if (isObject(schema.properties)) {
      for (const key of Object.keys(schema.properties)) if (!seen.has(key)) { seen.add(key); keys.push(key) }
    }
    for (const key of list(schema.required)) if (typeof key === 'string') required.add(key)
    minProperties = Math.max(minProperties, num(schema.minProperties) ?? 0)
    maxProperties = Math.min(maxProperties, num(schema.maxProperties) ?? Infinity)
    if (isObject(schema.additionalProperties)) map = true
    if (isObject(schema.patternProperties)) {
      patterns.push(...Object.keys(schema.patternProperties))
      map = true
    }
    if (schema.propertyNames !== undefined) propertyNames.push(schema.propertyNames)
    for (const keyword of ['dependentRequired', 'dependencies']) {
      const entries = schema[keyword]
      if (!isObject(entries)) continue
      for (const [key, needed] of Object.entries(entries)) {
        if (Array.isArray(needed)) dependentRequired.push([key, needed.filter((entry): entry is string => typeof entry === 'string')])
      }
    }
  }
  for (const key of required) if (!seen.has(key)) { seen.add(key); keys.push(key) }
  const plan: ObjectPlan = { properties: [], byKey: new Map(), minProperties, maxProperties, map, patterns, propertyNames, dependentRequired }
  for (const key of keys) plan.properties.push(propertyPlan(shape, plan, key, required.has(key)))
  shape.object = plan
  return plan
}

/** How to fake one property; remembered for keys the schema or its values name, not for generated map keys. */
function propertyPlan (shape: Shape, plan: ObjectPlan, key: string, required = false, remember = true): PropertyPlan {
  let property = plan.byKey.get(key)
  if (property !== undefined) return property
  const schemas: unknown[] = []
  let forbidden = false
  for (const { schema } of shape.conjuncts) {
    let known = false
    if (isObject(schema.properties) && Object.hasOwn(schema.properties, key)) {
      known = true
      schemas.push(schema.properties[key])
    }
    if (isObject(schema.patternProperties)) {
      for (const [source, child] of Object.entries(schema.patternProperties)) {
        if (patternOf(source)?.test(key) === true) {
          known = true
          schemas.push(child)
        }
      }
    }
    if (!known) {
      if (schema.additionalProperties === false) forbidden = true
      else if (isObject(schema.additionalProperties)) schemas.push(schema.additionalProperties)
    }
  }
  const hideFlag = shape.faker.direction === 'response' ? 'writeOnly' : 'readOnly'
  const hidden = flatten(schemas.filter(isObject).map((schema) => ({ schema, skip: false }))).some(({ schema }) => schema[hideFlag] === true)
  property = { key, required, hidden, forbidden, schemas }
  if (remember) plan.byKey.set(key, property)
  return property
}

function propertyShape (shape: Shape, property: PropertyPlan): Shape {
  property.shape ??= shape.faker.shapeOfSchemas(property.schemas)
  return property.shape
}

function generateObject (shape: Shape, ctx: Ctx, minimal: boolean): Record<string, unknown> {
  const plan = objectPlan(shape)
  const out: Record<string, unknown> = {}
  let count = 0
  const add = (property: PropertyPlan): void => {
    const value = generate(propertyShape(shape, property), ctx, false)
    if (value === undefined) return
    if (!Object.hasOwn(out, property.key)) count++
    out[property.key] = value
  }
  ctx.depth++
  try {
    for (const property of plan.properties) {
      if (property.hidden || property.forbidden || (minimal && !property.required)) continue
      add(property)
    }
    // A map (additionalProperties with a schema): a couple of entries, more for minProperties.
    const wanted = Math.max(plan.minProperties, plan.map && !minimal && plan.properties.length === 0 ? ctx.run.rng.int(1, 2) : 0)
    if (count < wanted) {
      for (const property of plan.properties) {
        if (count >= wanted) break
        if (!Object.hasOwn(out, property.key) && !property.hidden && !property.forbidden) add(property)
      }
      for (let attempt = 1; count < wanted && attempt <= 3 * wanted + 3; attempt++) {
        const key = newKey(shape, plan, ctx, attempt)
        if (key === undefined || Object.hasOwn(out, key)) continue
        const property = propertyPlan(shape, plan, key, false, key.startsWith('additionalProp'))
        if (!property.hidden && !property.forbidden) add(property)
      }
    }
    for (let changed = true; changed;) {
      changed = false
      for (const [key, needed] of plan.dependentRequired) {
        if (!Object.hasOwn(out, key)) continue
        for (const other of needed) {
          if (Object.hasOwn(out, other)) continue
          const property = propertyPlan(shape, plan, other)
          if (property.forbidden) continue
          add(property)
          changed = true
        }
      }
    }
  } finally {
    ctx.depth--
  }
  if (count > plan.maxProperties) {
    const optional = Object.keys(out).filter((key) => plan.byKey.get(key)?.required !== true)
    while (count > plan.maxProperties && optional.length > 0) {
      delete out[optional.pop()!]
      count--
    }
  }
  return out
}

/** A key for a map entry: from propertyNames, else from a patternProperties pattern, else `additionalPropN`. */
function newKey (shape: Shape, plan: ObjectPlan, ctx: Ctx, attempt: number): string | undefined {
  let key: string
  if (plan.propertyNames.length > 0) {
    const value = generate(shape.faker.shapeOfSchemas([STRING, ...plan.propertyNames]), ctx, true)
    if (typeof value !== 'string') return undefined
    key = value
  } else if (plan.patterns.length > 0 && !shape.conjuncts.some(({ schema }) => isObject(schema.additionalProperties))) {
    key = patternText(plan.patterns[(attempt - 1) % plan.patterns.length]!, ctx.run.rng)
  } else {
    key = `additionalProp${attempt}`
  }
  return plan.propertyNames.every((names) => matches(names, key)) ? key : undefined
}

// ---------------------------------------------------------------------------------------------
// Arrays

interface ArrayPlan {
  /** Items before `rest` (prefixItems, draft-04 tuples): schemas per index. */
  prefix: unknown[][]
  prefixShapes: Array<Shape | undefined>
  /** The schemas of every later item; `undefined` when no more items are allowed. */
  rest: unknown[] | undefined
  restShape?: Shape
  minItems: number
  maxItems: number
  unique: boolean
  contains: unknown[]
}

function arrayPlan (shape: Shape): ArrayPlan {
  if (shape.array !== undefined) return shape.array
  let prefixLength = 0
  let minItems = 0
  let maxItems = Infinity
  let unique = false
  const contains: unknown[] = []
  for (const { schema } of shape.conjuncts) {
    const tuple = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : []
    prefixLength = Math.max(prefixLength, tuple.length)
    minItems = Math.max(minItems, num(schema.minItems) ?? 0)
    maxItems = Math.min(maxItems, num(schema.maxItems) ?? Infinity)
    if (schema.uniqueItems === true) unique = true
    if (schema.contains !== undefined) contains.push(schema.contains)
  }
  const schemasAt = (index: number): unknown[] | undefined => {
    const schemas: unknown[] = []
    for (const { schema } of shape.conjuncts) {
      const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : undefined
      const rest = Array.isArray(schema.prefixItems) ? schema.items : Array.isArray(schema.items) ? schema.additionalItems : schema.items
      const item = prefix !== undefined && index < prefix.length ? prefix[index] : rest
      if (item === false) return undefined
      if (isObject(item)) schemas.push(item)
    }
    return schemas
  }
  const prefix: unknown[][] = []
  for (let index = 0; index < prefixLength; index++) prefix.push(schemasAt(index) ?? [])
  shape.array = { prefix, prefixShapes: [], rest: schemasAt(prefixLength), minItems, maxItems, unique, contains }
  return shape.array
}

function itemShape (shape: Shape, plan: ArrayPlan, index: number): Shape {
  if (index < plan.prefix.length) return (plan.prefixShapes[index] ??= shape.faker.shapeOfSchemas(plan.prefix[index]!))
  return (plan.restShape ??= shape.faker.shapeOfSchemas(plan.rest ?? []))
}

function generateArray (shape: Shape, ctx: Ctx, minimal: boolean): unknown[] {
  const plan = arrayPlan(shape)
  const { rng } = ctx.run
  const most = plan.rest === undefined ? Math.min(plan.maxItems, plan.prefix.length) : plan.maxItems
  const target = minimal ? 0 : ctx.depth < 2 ? rng.int(1, 3) : ctx.depth < 4 ? rng.int(1, 2) : 1
  const length = Math.max(Math.min(target, most), Math.min(plan.minItems, most))
  const out: unknown[] = []
  ctx.depth++
  try {
    for (let index = 0; index < length; index++) {
      const item = itemShape(shape, plan, index)
      let value = generate(item, ctx, false)
      if (plan.unique) {
        for (let attempt = 0; attempt < 20 && out.some((other) => deepEqual(other, value)); attempt++) value = generate(item, ctx, false)
        if (out.some((other) => deepEqual(other, value)) && index >= plan.minItems) break
      }
      out.push(value)
    }
    for (const contains of plan.contains) {
      if (out.some((item) => matches(contains, item))) continue
      const value = generate(shape.faker.shapeOfSchemas([...(plan.rest ?? []), contains]), ctx, false)
      if (out.length < plan.maxItems) out.push(value)
      else if (out.length > 0) out[out.length - 1] = value
    }
  } finally {
    ctx.depth--
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Strings and numbers

interface ScalarPlan {
  low: number | undefined
  lowExclusive: boolean
  high: number | undefined
  highExclusive: boolean
  multipleOf: number[]
  format: string | undefined
  minLength: number
  maxLength: number
  patterns: string[]
}

function scalarPlan (shape: Shape): ScalarPlan {
  if (shape.scalar !== undefined) return shape.scalar
  const plan: ScalarPlan = { low: undefined, lowExclusive: false, high: undefined, highExclusive: false, multipleOf: [], format: undefined, minLength: 0, maxLength: Infinity, patterns: [] }
  const low = (bound: number | undefined, exclusive: boolean): void => {
    if (bound === undefined) return
    if (plan.low === undefined || bound > plan.low || (bound === plan.low && exclusive)) {
      plan.low = bound
      plan.lowExclusive = exclusive
    }
  }
  const high = (bound: number | undefined, exclusive: boolean): void => {
    if (bound === undefined) return
    if (plan.high === undefined || bound < plan.high || (bound === plan.high && exclusive)) {
      plan.high = bound
      plan.highExclusive = exclusive
    }
  }
  for (const { schema } of shape.conjuncts) {
    low(num(schema.minimum), schema.exclusiveMinimum === true)
    high(num(schema.maximum), schema.exclusiveMaximum === true)
    low(num(schema.exclusiveMinimum), true)
    high(num(schema.exclusiveMaximum), true)
    const multipleOf = num(schema.multipleOf)
    if (multipleOf !== undefined && multipleOf > 0) plan.multipleOf.push(multipleOf)
    if (typeof schema.format === 'string') plan.format ??= schema.format
    plan.minLength = Math.max(plan.minLength, num(schema.minLength) ?? 0)
    plan.maxLength = Math.min(plan.maxLength, num(schema.maxLength) ?? Infinity)
    if (typeof schema.pattern === 'string') plan.patterns.push(schema.pattern)
  }
  if (plan.format === 'int32') {
    low(-(2 ** 31), false)
    high(2 ** 31 - 1, false)
  } else if (plan.format === 'int64') {
    low(Number.MIN_SAFE_INTEGER, false)
    high(Number.MAX_SAFE_INTEGER, false)
  }
  shape.scalar = plan
  return plan
}

function numberFormat (shape: Shape): string | undefined {
  const format = shape.conjuncts.find(({ schema }) => schema.format === 'int32' || schema.format === 'int64')
  return format?.schema.format as string | undefined
}

function decimals (value: number): number {
  const text = String(value)
  const exponent = /e-(\d+)$/.exec(text)
  if (exponent !== null) return Number(exponent[1])
  const dot = text.indexOf('.')
  return dot === -1 ? 0 : text.length - dot - 1
}

function gcd (a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

function generateNumber (shape: Shape, ctx: Ctx, integer: boolean): number {
  const plan = scalarPlan(shape)
  const { rng } = ctx.run
  const { low, high } = plan
  const fitsBounds = (value: number): boolean =>
    (low === undefined || (plan.lowExclusive ? value > low : value >= low)) &&
    (high === undefined || (plan.highExclusive ? value < high : value <= high)) &&
    plan.multipleOf.every((multiple) => Number.isInteger(value / multiple)) &&
    (!integer || Number.isInteger(value))
  // A window of about a thousand values, at 0 when the bounds allow it: ids and counts look like ids and counts.
  let from = low ?? (high === undefined || high > 0 ? 0 : high - 1000)
  let to = high ?? from + 1000
  if (to - from > 1000) {
    if (from <= 0 && to >= 0) [from, to] = [0, Math.min(to, 1000)]
    else if (from > 0) to = from + 1000
    else from = to - 1000
  }
  for (let attempt = 0; attempt < 6; attempt++) {
    let value: number
    if (plan.multipleOf.length > 0) {
      const step = plan.multipleOf.every(Number.isInteger) ? plan.multipleOf.reduce((a, b) => a / gcd(a, b) * b) : plan.multipleOf[0]!
      const unit = integer && !Number.isInteger(step) ? step * (10 ** decimals(step)) : step
      const count = rng.int(Math.ceil(from / unit), Math.floor(to / unit))
      value = Number((count * unit).toFixed(Math.min(20, decimals(unit))))
    } else if (integer) {
      value = rng.int(Math.ceil(from), Math.floor(to))
    } else {
      value = Math.round((from + rng.next() * (to - from)) * 100) / 100
    }
    if (fitsBounds(value)) return value
  }
  const middle = integer ? Math.round((from + to) / 2) : (from + to) / 2
  return fitsBounds(middle) ? middle : from
}

const CHARACTERS = 'abcdefghijklmnopqrstuvwxyz0123456789'
const HEX = '0123456789abcdef'
/** Formats json-schema-faker makes; the frequent ones are made here instead (a jsf call costs ~5 µs, they a few hundred ns). */
const JSF_FORMATS = new Set(['idn-email', 'iri', 'iri-reference', 'idn-hostname', 'json-pointer', 'relative-json-pointer'])
const FORMAT_ALIASES: Record<string, string> = { url: 'uri', 'uri-reference': 'uri', 'iso-date-time': 'date-time', 'iso-time': 'time' }
const WORDS = ['alpha', 'bravo', 'delta', 'echo', 'kilo', 'lima', 'nova', 'orbit', 'pixel', 'quartz', 'river', 'sierra']
const DOMAINS = ['example.com', 'example.org', 'example.net']

const pad = (value: number, width = 2): string => String(value).padStart(width, '0')
function hex (rng: Rng, length: number): string {
  let text = ''
  for (let index = 0; index < length; index++) text += HEX[rng.int(0, 15)]
  return text
}
function date (rng: Rng): string {
  const month = rng.int(1, 12)
  return `${rng.int(2000, 2030)}-${pad(month)}-${pad(rng.int(1, month === 2 ? 28 : [4, 6, 9, 11].includes(month) ? 30 : 31))}`
}
const time = (rng: Rng): string => `${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}Z`

function plainText (rng: Rng, minLength: number, maxLength: number): string {
  const length = Math.max(minLength, Math.min(maxLength, rng.int(6, 12)))
  let text = ''
  for (let index = 0; index < length; index++) text += CHARACTERS[rng.int(0, CHARACTERS.length - 1)]
  return text
}

/** A string in a format; `undefined` for formats that put no shape on the text. */
function formatted (format: string, rng: Rng, minLength: number, maxLength: number): string | undefined {
  const name = FORMAT_ALIASES[format] ?? format
  if (JSF_FORMATS.has(name)) {
    const value = generateSync({ type: 'string', format: name }, { seed: rng.u32() })
    return typeof value === 'string' ? value : undefined
  }
  switch (name) {
    case 'date-time': return `${date(rng)}T${time(rng)}`
    case 'date': return date(rng)
    case 'time': return time(rng)
    case 'uuid': return `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${HEX[rng.int(8, 11)]}${hex(rng, 3)}-${hex(rng, 12)}`
    case 'email': return `${rng.pick(WORDS)}${rng.int(1, 999)}@${rng.pick(DOMAINS)}`
    case 'uri': return `https://${rng.pick(DOMAINS)}/${rng.pick(WORDS)}/${rng.int(1, 9999)}`
    case 'hostname': return `${rng.pick(WORDS)}.${rng.pick(DOMAINS)}`
    case 'ipv4': return `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`
    case 'ipv6': return Array.from({ length: 8 }, () => rng.int(0, 0xffff).toString(16)).join(':')
    case 'byte': {
      // Base64 text: 4 characters per 3 bytes, within the length bounds.
      const most = Math.floor(maxLength / 4) * 3
      const least = Math.ceil(minLength / 4) * 3
      const count = Math.max(least, Math.min(most, rng.int(6, 18)))
      const bytes = Buffer.alloc(count)
      for (let index = 0; index < count; index++) bytes[index] = rng.int(0, 255)
      return bytes.toString('base64')
    }
    case 'duration': return rng.next() < 0.5 ? `P${rng.int(1, 30)}D` : `PT${rng.int(1, 23)}H${rng.int(1, 59)}M`
    case 'uri-template': return `https://example.com/items/{id}`
    case 'json-pointer-uri-fragment': return `#/items/${rng.int(0, 9)}`
    case 'regex': return '^[a-z0-9]+$'
    case 'int32': case 'int64': return String(rng.int(1, 100000))
    default: return undefined
  }
}

function generateString (shape: Shape, ctx: Ctx): string {
  const plan = scalarPlan(shape)
  const { rng } = ctx.run
  const fitsLength = (text: string): boolean => {
    const length = lengthOf(text)
    return length >= plan.minLength && length <= plan.maxLength
  }
  const fitsText = (text: string): boolean =>
    fitsLength(text) && plan.patterns.every((source) => patternOf(source)?.test(text) !== false) &&
    (plan.format === undefined || fitsFormat(plan.format, text))
  if (plan.patterns.length > 0) {
    // Several patterns must all match; the length bounds too. json-schema-faker's generator is the second opinion.
    let first: string | undefined
    for (let attempt = 0; attempt < 6; attempt++) {
      const source = plan.patterns[attempt % plan.patterns.length]!
      const text = attempt < 4 ? patternText(source, rng) : jsfPatternText(source, rng)
      if (fitsText(text)) return text
      first ??= text
    }
    return first!
  }
  if (plan.format !== undefined) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const text = formatted(plan.format, rng, plan.minLength, plan.maxLength)
      if (text === undefined) break
      if (fitsLength(text) || attempt === 2) return text
    }
  }
  return plainText(rng, plan.minLength, plan.maxLength)
}
