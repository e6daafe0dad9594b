import $RefParser from '@apidevtools/json-schema-ref-parser'
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { Ajv, ValidateFunction } from 'ajv'
import AjvDraft04Module from 'ajv-draft-04'
import addFormatsModule from 'ajv-formats'
import { readFileSync } from 'node:fs'
import t from 'tap'
import YAML from 'yaml'
import { fakeValue, fakeValueSync, sampleValue } from '../dist/respond/fake-value.js'
import { testSpec } from './helpers.js'

// ajv-formats and ajv-draft-04 are CommonJS; under NodeNext a default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default
const AjvDraft04 = AjvDraft04Module as unknown as typeof AjvDraft04Module.default

const SEEDS = Array.from({ length: 50 }, (_, index) => index + 1)
type Json = Record<string, unknown>

function createAjv (draft04: boolean): Ajv {
  const ajv: Ajv = draft04 ? new AjvDraft04({ strict: false, allErrors: true }) : new Ajv2020({ strict: false, allErrors: true })
  addFormats(ajv)
  // OpenAPI's formats, as the mock's validators define them.
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 })
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) })
  ajv.addFormat('password', true)
  ajv.addFormat('binary', true)
  return ajv
}

/** OpenAPI 3.0 → draft-04, as the mock's validators read it: nullable (and x-nullable) adds null, `type: file` is a string. */
function toDraft04 (node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toDraft04)
  if (typeof node !== 'object' || node === null) return node
  const source = node as Json
  const out: Json = {}
  for (const [key, value] of Object.entries(source)) {
    if (key === 'example' || key === 'discriminator' || key === 'nullable' || key.startsWith('x-')) continue
    out[key] = key === 'enum' ? value : toDraft04(value)
  }
  if (source.type === 'file') out.type = 'string'
  if (source.nullable === true || source['x-nullable'] === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null']
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null]
  }
  return out
}

interface TestSpec {
  /** Dereferenced component schemas (cycles are object cycles), what the faker is given. */
  schemas: Record<string, object>
  componentNames: Map<object, string>
  /** AJV's validator of a component, compiled from the document with its $refs. */
  validator: (name: string) => ValidateFunction
}

async function loadSpec (file: string): Promise<TestSpec> {
  const document = YAML.parse(readFileSync(testSpec(file), 'utf8')) as { openapi: string, components: Json }
  const draft04 = document.openapi.startsWith('3.0')
  const ajv = createAjv(draft04)
  ajv.addSchema({ components: draft04 ? toDraft04(document.components) : document.components }, 'doc')
  const dereferenced = await $RefParser.dereference(structuredClone(document)) as unknown as { components: { schemas: Record<string, object> } }
  const schemas = dereferenced.components.schemas
  const validators = new Map<string, ValidateFunction>()
  return {
    schemas,
    componentNames: new Map(Object.entries(schemas).map(([name, schema]) => [schema, name])),
    validator: (name) => {
      let validate = validators.get(name)
      if (validate === undefined) validators.set(name, validate = ajv.compile({ $ref: `doc#/components/schemas/${name}` }))
      return validate
    }
  }
}

const composition = await loadSpec('faker-composition.yaml')
const openapi30 = await loadSpec('faker-openapi30.yaml')

/** Fakes `name` for every seed; returns the values AJV refuses, with their errors. */
async function invalidValues (spec: TestSpec, name: string): Promise<unknown[]> {
  const validate = spec.validator(name)
  const invalid: unknown[] = []
  for (const seed of SEEDS) {
    const value = await fakeValue(spec.schemas[name]!, seed, { componentNames: spec.componentNames })
    if (!validate(value)) invalid.push({ seed, value, errors: validate.errors })
  }
  return invalid
}

async function fakeAll (schema: object, options: Parameters<typeof fakeValue>[2] = {}): Promise<unknown[]> {
  return await Promise.all(SEEDS.map(async (seed) => await fakeValue(schema, seed, options)))
}

function depthOf (value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0
  return 1 + Math.max(0, ...Object.values(value).map(depthOf))
}

t.test('a value written in the schema is used at every depth', async (t) => {
  t.strictSame(await fakeValue({ type: 'object', properties: { prop: { type: 'string', example: 'abc' } } }, 1), { prop: 'abc' })
  t.strictSame(await fakeValue({
    type: 'object',
    properties: {
      nested: {
        type: 'object',
        properties: {
          list: { type: 'array', minItems: 1, maxItems: 1, items: { type: 'integer', examples: [7, 8] } },
          level: { type: 'string', default: 'info' },
          kind: { const: 'fixed' },
          only: { type: 'string', enum: ['single'] }
        }
      }
    }
  }, 2), { nested: { list: [7], level: 'info', kind: 'fixed', only: 'single' } })
  t.strictSame(await fakeValue({ type: 'object', properties: { id: { type: 'integer' } }, example: { id: 42 } }, 3), { id: 42 }, 'a whole object example wins over faking its properties')
})

t.test('examples win over example, example over default, default over enum; the outer schema over its allOf', async (t) => {
  t.equal(await fakeValue({ type: 'string', examples: ['first', 'other'], example: 'second', default: 'third' }, 1), 'first')
  t.equal(await fakeValue({ type: 'string', example: 'second', default: 'third' }, 1), 'second')
  t.equal(await fakeValue({ type: 'string', default: 'third', enum: ['x', 'third'] }, 1), 'third')
  t.equal(await fakeValue({ allOf: [{ type: 'string', example: 'inner' }], example: 'outer' }, 1), 'outer')
  t.equal(await fakeValue({ allOf: [{ type: 'string', example: 'inner' }] }, 1), 'inner')
})

t.test('an enum gives one of its values, seeded; sampleValue gives the first', async (t) => {
  const schema = { type: 'string', enum: ['red', 'green', 'blue'] }
  const values = new Set(await fakeAll(schema))
  t.ok([...values].every((value) => schema.enum.includes(value as string)), 'only enum values')
  t.ok(values.size > 1, 'different seeds pick different values')
  t.equal(await sampleValue(schema, 7), 'red')
  t.equal(await sampleValue({ type: 'integer', examples: [3, 4], default: 9 }, 7), 3)
  t.match(await sampleValue({ type: 'string', format: 'uuid' }, 7), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'nothing written: faked')
  t.strictSame(await sampleValue({ type: 'object', properties: { colour: schema, name: { type: 'string', example: 'Ada' } } }, 7), { colour: 'red', name: 'Ada' })
})

t.test('a written value that does not fit its schema is not used', async (t) => {
  t.type(await fakeValue({ type: 'integer', example: 'abc' }, 1), 'number')
  t.type(await fakeValue({ type: 'string', example: null }, 1), 'string', '3.0: example: null without nullable')
  t.type(await fakeValue({ type: 'string', maxLength: 3, default: 'too long' }, 1), 'string')
  t.not(await fakeValue({ type: 'string', maxLength: 3, default: 'too long' }, 1), 'too long')
  t.type(await sampleValue({ type: 'integer', example: 'abc' }, 1), 'number', 'sampleValue too')
  t.equal(await sampleValue({ type: 'string', enum: ['a', 'b'], default: 'c' }, 1), 'a')
})

t.test('default: null gives null where null is allowed (3.0 nullable, 3.1 type list), a string otherwise', async (t) => {
  t.equal(await fakeValue({ type: 'string', nullable: true, default: null }, 1), null)
  t.equal(await fakeValue({ type: ['string', 'null'], default: null }, 1), null)
  t.equal(await fakeValue({ type: 'string', enum: ['a', 'b'], nullable: true, default: null }, 1), null)
  t.type(await fakeValue({ type: 'string', default: null }, 1), 'string')
  const values = await fakeAll({ type: ['integer', 'null'] })
  t.ok(values.every((value) => typeof value === 'number'), 'without a default, a nullable type is faked as its other type')
})

t.test('format: byte is base64 and the common formats are valid', async (t) => {
  const schema = {
    type: 'object',
    properties: {
      byte: { type: 'string', format: 'byte' },
      shortByte: { type: 'string', format: 'byte', minLength: 4, maxLength: 8 },
      dateTime: { type: 'string', format: 'date-time' },
      date: { type: 'string', format: 'date' },
      time: { type: 'string', format: 'time' },
      uuid: { type: 'string', format: 'uuid' },
      email: { type: 'string', format: 'email' },
      uri: { type: 'string', format: 'uri' },
      url: { type: 'string', format: 'url' },
      hostname: { type: 'string', format: 'hostname' },
      ipv4: { type: 'string', format: 'ipv4' },
      ipv6: { type: 'string', format: 'ipv6' },
      duration: { type: 'string', format: 'duration' },
      int32: { type: 'integer', format: 'int32' },
      negative: { type: 'integer', format: 'int32', maximum: -10 },
      int64: { type: 'integer', format: 'int64', minimum: 2 ** 40 },
      code: { type: 'string', pattern: '^[A-Z]{3}-[0-9]{4}$' }
    }
  }
  const validate = createAjv(false).compile(schema)
  for (const value of await fakeAll(schema)) {
    if (!validate(value)) t.fail('invalid', { value, errors: validate.errors })
    const { byte } = value as { byte: string }
    t.equal(Buffer.from(byte, 'base64').toString('base64'), byte, 'byte is base64 text')
  }
  t.equal(Object.keys((await fakeValue(schema, 1)) as object).length, Object.keys(schema.properties).length, 'every property is there')
})

t.test('numbers: 3.0 boolean and 3.1 numeric exclusive bounds, multipleOf', async (t) => {
  const draft04 = [
    { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true },
    { type: 'integer', minimum: 0, exclusiveMinimum: true, maximum: 2, exclusiveMaximum: true }
  ]
  const draft2020 = [
    { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.5 },
    { type: 'number', multipleOf: 0.01, minimum: 1, maximum: 2 },
    { type: 'integer', multipleOf: 5, minimum: 12, maximum: 40 },
    { type: 'number', format: 'int32' }
  ]
  for (const [schemas, ajv] of [[draft04, createAjv(true)], [draft2020, createAjv(false)]] as const) {
    for (const schema of schemas) {
      const validate = ajv.compile(schema)
      const invalid = (await fakeAll(schema)).filter((value) => !validate(value))
      t.strictSame(invalid, [], JSON.stringify(schema))
    }
  }
  t.ok((await fakeAll(draft04[1]!)).every((value) => value === 1), 'the one integer strictly between 0 and 2')
})

t.test('oneOf: every faked value matches exactly one branch', async (t) => {
  for (const name of ['Pet', 'PetByName', 'Zoo', 'Amount', 'Contact', 'Payment', 'Grade', 'Expr', 'Event']) {
    t.strictSame(await invalidValues(composition, name), [], `${name}: 50 seeds, all valid`)
  }
  for (const name of ['AnyPet', 'Reading']) t.strictSame(await invalidValues(openapi30, name), [], `${name} (3.0): 50 seeds, all valid`)
})

t.test('oneOf: the branches are all used across seeds', async (t) => {
  const contacts = (await fakeAll(composition.schemas.Contact!)) as Json[]
  t.ok(contacts.some((value) => 'email' in value) && contacts.some((value) => 'phone' in value), 'email-only and phone-only contacts')
  const payments = (await fakeAll(composition.schemas.Payment!)) as Json[]
  t.strictSame(new Set(payments.map((value) => value.kind)), new Set(['card', 'bank']))
  const grades = new Set(await fakeAll(composition.schemas.Grade!))
  t.strictSame(grades, new Set(['a', 'c']), "'b' is in both branches, so never a oneOf value")
  t.ok(((await fakeAll(composition.schemas.Amount!)) as number[]).every((value) => !Number.isInteger(value)), 'an integer would match both number and integer')
})

t.test('anyOf: every faked value matches at least one branch', async (t) => {
  for (const name of ['When', 'Filter', 'MaybeCat']) t.strictSame(await invalidValues(composition, name), [], `${name}: 50 seeds, all valid`)
  t.strictSame(await invalidValues(openapi30, 'Attachment'), [], 'Attachment (3.0, format: byte): 50 seeds, all valid')
  const maybeCats = await fakeAll(composition.schemas.MaybeCat!)
  t.ok(maybeCats.every((value) => value !== null), 'anyOf [Cat, null] gives cats: null is the last choice')
})

t.test('allOf: the value satisfies every member, merged', async (t) => {
  t.strictSame(await invalidValues(composition, 'Named'), [])
  const named = (await fakeValue(composition.schemas.Named!, 1)) as Json
  t.ok(typeof named.id === 'string' && typeof named.name === 'string', 'properties of both members')
  t.equal(named.kind, 'widget', 'examples of a member property')
})

t.test('discriminator: the discriminator property names the branch the value follows', async (t) => {
  const mapping: Record<string, string> = { cat: 'Cat', dog: 'Dog', lizard: 'Lizard' }
  for (const value of (await fakeAll(composition.schemas.Pet!, { componentNames: composition.componentNames })) as Json[]) {
    const branch = mapping[value.petType as string]
    t.ok(branch !== undefined && composition.validator(branch)(value), `petType ${String(value.petType)} names a branch the value is`)
  }
  const byName = (await fakeAll(composition.schemas.PetByName!, { componentNames: composition.componentNames })) as Json[]
  t.strictSame(new Set(byName.map((value) => value.petType)), new Set(['Cat', 'Dog']), 'no mapping: the component name')
  for (const value of byName) t.ok(composition.validator(value.petType as string)(value), `a ${String(value.petType)} is a ${String(value.petType)}`)
})

t.test('discriminator, 3.0 inheritance: Cat is allOf [Pet, ...], Pet holding the discriminator', async (t) => {
  const options = { componentNames: openapi30.componentNames }
  const pets = (await fakeAll(openapi30.schemas.AnyPet!, options)) as Json[]
  t.strictSame(new Set(pets.map((value) => value.petType)), new Set(['cat', 'dog']))
  for (const pet of pets) t.ok(pet.petType === 'cat' ? 'huntingSkill' in pet : 'packSize' in pet, `a ${String(pet.petType)} has its own properties`)
  t.equal(((await fakeValue(openapi30.schemas.Cat!, 1, options)) as Json).petType, 'cat', 'a Cat on its own names itself through Pet\'s mapping')
  t.equal(((await fakeValue(openapi30.schemas.Dog!, 1, options)) as Json).petType, 'dog')
})

t.test('discriminator without component names: the branch title, or its own enum', async (t) => {
  const cat = { title: 'Cat', type: 'object', required: ['kind', 'meows'], properties: { kind: { type: 'string' }, meows: { type: 'boolean' } } }
  const dog = { type: 'object', required: ['kind', 'barks'], properties: { kind: { type: 'string', enum: ['woof'] }, barks: { type: 'boolean' } } }
  const schema = { oneOf: [cat, dog], discriminator: { propertyName: 'kind', mapping: { kitty: '#/components/schemas/Cat', woof: '#/components/schemas/Dog' } } }
  const values = (await fakeAll(schema)) as Json[]
  t.strictSame(new Set(values.map((value) => value.kind)), new Set(['kitty', 'woof']))
  for (const value of values) t.ok(value.kind === 'kitty' ? 'meows' in value && !('barks' in value) : 'barks' in value)
})

t.test('writeOnly properties never appear in responses, readOnly ones never in requests', async (t) => {
  const account = openapi30.schemas.Account!
  for (const value of (await fakeAll(account)) as Json[]) {
    t.notOk('password' in value, 'no writeOnly password in a response, required or not')
    t.ok('created' in value)
  }
  for (const value of (await fakeAll(account, { direction: 'request' })) as Json[]) {
    t.notOk('created' in value, 'no readOnly property in a request')
    t.ok('password' in value)
  }
  const pet = (await fakeValue(openapi30.schemas.Cat!, 1, { direction: 'request' })) as Json
  t.ok(!('id' in pet) && 'secret' in pet, 'through allOf too')
  const written = { type: 'object', properties: { login: { type: 'string' }, password: { type: 'string', writeOnly: true } }, example: { login: 'ada', password: 'x' } }
  t.strictSame(await fakeValue(written, 1), { login: 'ada' }, 'taken out of a written example as well')
  t.strictSame(await fakeValue(written, 1, { direction: 'request' }), { login: 'ada', password: 'x' })
  t.strictSame(await sampleValue(written, 1, { direction: 'request' }), { login: 'ada', password: 'x' })
})

t.test('3.0 leftovers: x-nullable, type: file; the rest of Account is valid', async (t) => {
  const validate = openapi30.validator('Account')
  for (const value of (await fakeAll(openapi30.schemas.Account!, { direction: 'request' })) as Json[]) {
    if (!validate(value)) t.fail('invalid', { value, errors: validate.errors })
    t.type(value.upload, 'string')
    t.equal(value.nickname, null, 'nullable with default null')
  }
})

t.test('recursive schemas end, and stay valid', async (t) => {
  for (const name of ['Category', 'Chain']) t.strictSame(await invalidValues(openapi30, name), [], `${name}: 50 seeds, all valid`)
  for (const value of await fakeAll(openapi30.schemas.Category!)) t.ok(depthOf(value) <= 12, 'bounded depth')
  const chain = (await fakeValue(openapi30.schemas.Chain!, 1)) as Json
  t.ok(depthOf(chain) > 1 && JSON.stringify(chain).includes('"next":null'), 'a required recursion ends in null')
  // An object cycle built in code, as dereferencing leaves recursive schemas.
  const node: Json = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } }
  ;(node.properties as Json).children = { type: 'array', items: node }
  ;(node.properties as Json).parent = node
  for (const value of await fakeAll(node)) {
    t.ok(depthOf(value) <= 12 && typeof (value as Json).name === 'string')
  }
  t.ok(depthOf(await fakeValue(node, 1)) >= 3, 'the recursion shows at least once')
})

t.test('same seed, same bytes; another seed, another value', async (t) => {
  const cases = [
    [composition, 'Event'], [composition, 'Zoo'], [composition, 'Pet'], [openapi30, 'Category'], [openapi30, 'Account'], [openapi30, 'AnyPet']
  ] as const
  for (const [spec, name] of cases) {
    const options = { componentNames: spec.componentNames }
    const first = JSON.stringify(await fakeValue(spec.schemas[name]!, 11, options))
    t.equal(JSON.stringify(await fakeValue(spec.schemas[name]!, 11, options)), first, name)
    t.equal(JSON.stringify(fakeValueSync(spec.schemas[name]!, 11, options)), first, `${name}: sync and async alike`)
    t.not(JSON.stringify(await fakeValue(spec.schemas[name]!, 12, options)), first, `${name}: seed 12 differs`)
  }
  for (const [spec, name] of [[composition, 'Event'], [openapi30, 'Category'], [openapi30, 'Account']] as const) {
    // A copy nothing was compiled for: what was cached before changes nothing.
    t.equal(JSON.stringify(await fakeValue(structuredClone(spec.schemas[name]!), 11)), JSON.stringify(await fakeValue(spec.schemas[name]!, 11)), `${name}: a fresh copy, the same bytes`)
  }
})

t.test('validate: a refused value is faked again with derived seeds, else the best candidate comes back', async (t) => {
  const schema = { type: 'integer', minimum: 0, maximum: 1000 }
  let calls = 0
  const even = (value: unknown): boolean => { calls++; return (value as number) % 2 === 0 }
  const first = await fakeValue(schema, 5)
  const chosen = await fakeValue(schema, 5, { validate: even })
  t.equal((chosen as number) % 2, 0)
  t.ok(calls <= 10)
  t.equal(await fakeValue(schema, 5, { validate: even }), chosen, 'deterministic')
  if ((first as number) % 2 === 0) t.equal(chosen, first, 'a first value that passes is kept')

  // A written value the validator refuses is dropped in later tries.
  t.type(await fakeValue({ type: 'string', example: 'bad' }, 1, { validate: (value) => value !== 'bad' }), 'string')
  t.not(await fakeValue({ type: 'string', example: 'bad' }, 1, { validate: (value) => value !== 'bad' }), 'bad')

  // Nothing passes: the value with the fewest errors.
  const seen: number[] = []
  const never = Object.assign((value: unknown): boolean => {
    seen.push(value as number)
    never.errors = Array.from({ length: Math.abs((value as number) - 500) }, () => ({}))
    return false
  }, { errors: [] as unknown[] })
  const best = (await fakeValue(schema, 5, { validate: never })) as number
  t.equal(seen.length, 10, 'at most 10 tries')
  t.equal(new Set(seen).size > 1, true, 'each try is another value')
  t.equal(Math.abs(best - 500), Math.min(...seen.map((value) => Math.abs(value - 500))), 'the one with the fewest errors')
})

t.test('a typical 1.5 KB object fakes in well under 1 ms', async (t) => {
  const schema = {
    type: 'object',
    required: ['id', 'status', 'createdAt'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      status: { type: 'string', enum: ['scheduled', 'canceled', 'published'] },
      title: { type: 'string', maxLength: 80, example: 'Autumn release' },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time', nullable: true },
      url: { type: 'string', format: 'uri' },
      author: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' }, email: { type: 'string', format: 'email' } } },
      tags: { type: 'array', items: { type: 'string' } },
      payload: composition.schemas.Event!,
      deliveries: {
        type: 'array',
        minItems: 3,
        items: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            channel: { type: 'string', enum: ['x', 'y'] },
            at: { type: 'string', format: 'date-time' },
            attempts: { type: 'integer', minimum: 0 },
            ok: { type: 'boolean' },
            error: { type: 'string', nullable: true }
          }
        }
      },
      contact: composition.schemas.Contact!,
      address: {
        type: 'object',
        properties: {
          street: { type: 'string', example: '12 Rue de la Paix' },
          city: { type: 'string' },
          postcode: { type: 'string', pattern: '^[0-9]{5}$' },
          country: { type: 'string', enum: ['FR', 'DE', 'IT'] },
          location: { type: 'object', required: ['lat', 'lon'], properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lon: { type: 'number', minimum: -180, maximum: 180 } } }
        }
      },
      links: { type: 'object', properties: { self: { type: 'string', format: 'uri' }, next: { type: 'string', format: 'uri', nullable: true } } },
      attachments: {
        type: 'array',
        minItems: 2,
        items: {
          type: 'object',
          required: ['id', 'mime'],
          properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' }, size: { type: 'integer', format: 'int32', minimum: 0 }, mime: { type: 'string', enum: ['image/png', 'application/pdf'] } }
        }
      }
    }
  }
  for (let seed = 0; seed < 500; seed++) fakeValueSync(schema, seed)
  // The fastest of a few rounds: other processes on the machine only ever slow a round down.
  let bytes = 0
  let microseconds = Infinity
  for (let round = 0; round < 5; round++) {
    const started = process.hrtime.bigint()
    for (let seed = 0; seed < 100; seed++) bytes += JSON.stringify(fakeValueSync(schema, round * 100 + seed)).length
    microseconds = Math.min(microseconds, Number(process.hrtime.bigint() - started) / 100 / 1000)
  }
  t.ok(bytes / 500 > 1200, `about 1.5 KB a value (${Math.round(bytes / 500)} bytes)`)
  t.ok(microseconds < 1000, `${microseconds.toFixed(0)} µs a value`)
})
