import { createRequire } from 'node:module'
import type { ValidateFunction } from 'ajv'
import { once } from '../once.js'

const require = createRequire(import.meta.url)

/**
 * A validator AJV compiled at build time (`scripts/precompile-validators.js` writes
 * `dist/precompiled/<name>.cjs`, standalone code), loaded on its first use: a schema that
 * never changes is not compiled again by every process that starts.
 */
export function precompiled<T = unknown> (name: string): () => ValidateFunction<T> {
  return once(() => require(`../precompiled/${name}.cjs`) as ValidateFunction<T>)
}
