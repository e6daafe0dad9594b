import type { Dereferenced } from '../openapi/dereference.js'
import { fakeWith, Rng, SchemaFaker, type Direction, type Run } from './schema-faker.js'

export type { Direction } from './schema-faker.js'

export interface FakeOptions {
  /**
   * `response` (default): writeOnly properties are left out; `request`: readOnly ones are.
   */
  direction?: Direction
  /**
   * Component schema object → its name (`componentNamesOf(dereferenced)`): how a discriminator's
   * mapping (`#/components/schemas/Cat`) names the branch a value follows. Schemas are compiled
   * once per map: pass the same map for every fake of a document.
   */
  componentNames?: ComponentNames
  /**
   * The schema's validator (AJV's, compiled against the document). A value it refuses is faked
   * again with derived seeds (at most 10 tries, the later ones without the values written in the
   * schema, then with required properties only); when none passes, the one with the fewest
   * errors (`validate.errors`) is returned. Deterministic all the same: same seed, same value.
   */
  validate?: (value: unknown) => boolean
}

/**
 * A value for a response body (or request) from a dereferenced OpenAPI 3.0/3.1 schema, valid
 * against it wherever the schema allows it: values written in the schema win at every depth
 * (`examples[0]`, `example`, `default`, `const`, a seeded `enum` value), `oneOf` follows exactly
 * one branch (a discriminator names it), recursion is bounded. Same seed, same value.
 */
export async function fakeValue (schema: object, seed: number, options: FakeOptions = {}): Promise<unknown> {
  return fakeValueSync(schema, seed, options)
}

export function fakeValueSync (schema: object, seed: number, options: FakeOptions = {}): unknown {
  return fakeValidated(schema, seed, options, false)
}

/**
 * A value for a schema, written in it where it has one — its first `examples` entry,
 * `example`, `default`, `const` or first `enum` value, at every depth — else faked with `seed`.
 */
export async function sampleValue (schema: object, seed: number, options: FakeOptions = {}): Promise<unknown> {
  return fakeValidated(schema, seed, options, true)
}

/** Component schema object → its name (`components.schemas`), for `FakeOptions.componentNames`. */
export interface ComponentNames {
  get: (schema: object) => string | undefined
}

/** A document's component names: one object per document, so every fake of a document shares one cache. */
export function componentNamesOf (dereferenced: Dereferenced): ComponentNames {
  let names = namesByDocument.get(dereferenced)
  if (names === undefined) {
    names = { get: (schema) => /^\/components\/schemas\/([^/]+)$/.exec(dereferenced.placeOf(schema) ?? '')?.[1]?.replace(/~1/g, '/').replace(/~0/g, '~') }
    namesByDocument.set(dereferenced, names)
  }
  return names
}

const namesByDocument = new WeakMap<Dereferenced, ComponentNames>()

/** Seeds are numbers; any other text is hashed (FNV-1a), so `x-mock-seed: alice` works too. */
export function toSeed (text: string): number {
  if (/^\d{1,9}$/.test(text)) return Number(text)
  let hash = 0x811c9dc5
  for (const char of text) {
    hash ^= char.codePointAt(0) ?? 0
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

const TRIES = 10

/** Per document (component names) and direction, the compiled shapes of its schemas. */
const fakers = new WeakMap<object, Partial<Record<Direction, SchemaFaker>>>()
const NO_NAMES: ComponentNames = { get: () => undefined }

function fakerFor (options: FakeOptions): SchemaFaker {
  const names = options.componentNames ?? NO_NAMES
  const direction = options.direction ?? 'response'
  let byDirection = fakers.get(names)
  if (byDirection === undefined) fakers.set(names, byDirection = {})
  return (byDirection[direction] ??= new SchemaFaker(direction, options.componentNames))
}

function fakeValidated (schema: object, seed: number, options: FakeOptions, enumFirst: boolean): unknown {
  const faker = fakerFor(options)
  const { validate } = options
  const run = (attempt: number): unknown => {
    const settings: Run = {
      rng: new Rng(attempt === 0 ? seed : deriveSeed(seed, attempt)),
      written: attempt < 4,
      requiredOnly: attempt >= 7,
      enumFirst
    }
    return fakeWith(faker, schema, settings)
  }
  const first = run(0)
  if (validate === undefined || validate(first)) return first
  let best = first
  let fewest = errorCount(validate)
  for (let attempt = 1; attempt < TRIES; attempt++) {
    const value = run(attempt)
    if (validate(value)) return value
    const errors = errorCount(validate)
    if (errors < fewest) {
      best = value
      fewest = errors
    }
  }
  return best
}

function errorCount (validate: (value: unknown) => boolean): number {
  const errors = (validate as { errors?: unknown }).errors
  return Array.isArray(errors) ? errors.length : Infinity
}

function deriveSeed (seed: number, attempt: number): number {
  let hash = Math.imul((seed ^ Math.imul(attempt, 0x9e3779b9)) >>> 0, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  return (hash ^ (hash >>> 16)) >>> 0
}
