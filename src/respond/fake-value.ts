import { generate } from 'json-schema-faker'

/** A value valid against `schema`, from json-schema-faker's seeded PRNG: same seed, same value. */
export async function fakeValue (schema: object, seed: number): Promise<unknown> {
  return await generate(schema as Parameters<typeof generate>[0], { seed, alwaysFakeOptionals: true })
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
