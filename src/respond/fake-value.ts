import { generate } from 'json-schema-faker'

/** A value valid against `schema`, from json-schema-faker's seeded PRNG: same seed, same value. */
export async function fakeValue (schema: object, seed: number): Promise<unknown> {
  return await generate(schema as Parameters<typeof generate>[0], { seed, alwaysFakeOptionals: true })
}

/**
 * A value for a schema, written in it where it has one — its first `examples` entry,
 * `example`, `default`, first `enum` value or `const` — else faked with `seed`.
 */
export async function sampleValue (schema: object, seed: number): Promise<unknown> {
  const written = schema as { examples?: unknown[], example?: unknown, default?: unknown, enum?: unknown[], const?: unknown }
  return (Array.isArray(written.examples) ? written.examples[0] : undefined) ?? written.example ?? written.default ??
    written.enum?.[0] ?? written.const ?? await fakeValue(schema, seed)
}

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
