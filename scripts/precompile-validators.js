// Build step (after tsc): compiles the schemas that never change to standalone AJV code in
// dist/precompiled/<name>.cjs (see src/validate/precompiled.ts): the official OpenAPI JSON
// Schemas (from @seriousme/openapi-schema-validator, a devDependency), the JSON Schema
// meta-schemas spec schemas are checked against, and understudy's own fixture, scenario-set
// and session-choice formats. Starting the mock then compiles none of them (they cost a
// few hundred milliseconds a process). Skips a file newer than its inputs.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Ajv2020 } from 'ajv/dist/2020.js'
import AjvDraft04 from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import standaloneCode from 'ajv/dist/standalone/index.js'

const require = createRequire(import.meta.url)
const dist = (file) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url))
const source = () => ({ code: { source: true } })
const DRAFT_04 = 'http://json-schema.org/draft-04/schema#'

/** An official OpenAPI schema, compiled as the validator library does (its getAjvValidator). */
const openapi = (version) => {
  const file = require.resolve(`@seriousme/openapi-schema-validator/schemas/v${version}/schema.json`)
  return {
    name: `openapi-${version}`,
    inputs: [file],
    build: () => {
      const schema = JSON.parse(readFileSync(file, 'utf8'))
      const options = { allErrors: true, strict: false, ...source() }
      const ajv = schema.$schema === DRAFT_04 ? new AjvDraft04(options) : new Ajv2020(options)
      addFormats(ajv)
      ajv.addFormat('media-range', true)
      return { ajv, validate: ajv.compile(schema) }
    }
  }
}

/** A draft's meta-schema, as AJV checks a schema against it (first error only). */
const meta = (name, ajv, id) => ({ name, inputs: [], build: () => ({ ajv, validate: ajv.getSchema(id) }) })

/** One of understudy's own formats, exported by the module that reads it. */
const own = (name, module, exported, options) => ({
  name,
  inputs: [dist(module)],
  build: async () => {
    const ajv = new Ajv2020({ allowUnionTypes: true, ...options, ...source() })
    return { ajv, validate: ajv.compile((await import(dist(module)))[exported]) }
  }
})

const VALIDATORS = [
  ...['2.0', '3.0', '3.1', '3.2'].map(openapi),
  meta('meta-draft-2020-12', new Ajv2020(source()), 'https://json-schema.org/draft/2020-12/schema'),
  meta('meta-draft-04', new AjvDraft04(source()), 'http://json-schema.org/draft-04/schema'),
  own('fixture-file', 'fixture/fixture-format.js', 'fixtureSchema', { strict: true, allErrors: false }),
  own('scenario-set-file', 'fixture/fixture-format.js', 'scenarioSetSchema', { strict: true, allErrors: false }),
  own('session-choice', 'server/register-session-routes.js', 'sessionChoiceSchema', { allErrors: true })
]

const modified = (file) => { try { return statSync(file).mtimeMs } catch { return -Infinity } }
const inputsOf = [fileURLToPath(import.meta.url), require.resolve('ajv/package.json')]

mkdirSync(dist('precompiled'), { recursive: true })
for (const { name, inputs, build } of VALIDATORS) {
  const target = dist(`precompiled/${name}.cjs`)
  if (modified(target) > Math.max(...[...inputs, ...inputsOf].map(modified))) continue
  const { ajv, validate } = await build()
  writeFileSync(target, standaloneCode.default(ajv, validate))
}
