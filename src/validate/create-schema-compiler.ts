import { Ajv2020 } from 'ajv/dist/2020.js'
import AjvDraft04Module from 'ajv-draft-04'
import type { Ajv, ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { UnderstudyError } from '../errors.js'
import type { LoadedSpec } from '../spec/load-spec.js'
import { convertOpenApi30Schemas } from './convert-openapi30.js'

// ajv-formats and ajv-draft-04 are CommonJS; under NodeNext a default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default
const AjvDraft04 = AjvDraft04Module as unknown as typeof AjvDraft04Module.default

export interface SchemaCompiler {
  /** Compiles a schema that may `$ref` into the spec document (see `ref`). */
  compile: (schema: object, pointer: string) => ValidateFunction
  /** The same, with OpenAPI's parameter coercion: strings to numbers/booleans, scalars to arrays. */
  compileCoercing: (schema: object, pointer: string) => ValidateFunction
  /** A `$ref` to the schema at `pointer` in the spec document. */
  ref: (pointer: string) => { $ref: string }
  /** The validator of the schema at `pointer` in the document, compiled once however often asked for. */
  validatorAt: (pointer: string) => ValidateFunction
}

/**
 * Two AJV instances per spec, each holding the bundled document, so every validator is
 * compiled once at start and `$ref`s (cycles too) resolve inside the document.
 * 3.1 is JSON Schema 2020-12; 3.0 schemas are converted to draft-04 first.
 */
export function createSchemaCompiler (spec: LoadedSpec): SchemaCompiler {
  const key = `understudy:${spec.name}`
  let document: object = spec.document
  if (spec.version === '3.0') {
    document = structuredClone(spec.document)
    convertOpenApi30Schemas(document as Record<string, unknown>)
  }
  const plain = createAjv(spec.version, false)
  const coercing = createAjv(spec.version, 'array')
  plain.addSchema(document, key)
  coercing.addSchema(document, key)
  const compileWith = (ajv: Ajv) => (schema: object, pointer: string): ValidateFunction => {
    try {
      return ajv.compile(schema)
    } catch (error) {
      throw new UnderstudyError('UNDERSTUDY_SCHEMA_INVALID', (error as Error).message, { file: spec.file, pointer })
    }
  }
  const compile = compileWith(plain)
  const ref = (pointer: string): { $ref: string } => ({ $ref: `${key}#${pointer.split('/').map(encodeURIComponent).join('/')}` })
  const validators = new Map<string, ValidateFunction>()
  return {
    compile,
    compileCoercing: compileWith(coercing),
    ref,
    validatorAt: (pointer) => {
      let validate = validators.get(pointer)
      if (validate === undefined) validators.set(pointer, validate = compile(ref(pointer), pointer))
      return validate
    }
  }
}

function createAjv (version: '3.0' | '3.1', coerceTypes: false | 'array'): Ajv {
  const options = { strict: false, allErrors: true, coerceTypes, logger: false as const }
  const ajv: Ajv = version === '3.0' ? new AjvDraft04(options) : new Ajv2020(options)
  addFormats(ajv)
  // OpenAPI's own formats (https://spec.openapis.org/registry/format/).
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 })
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) })
  ajv.addFormat('float', { type: 'number', validate: () => true })
  ajv.addFormat('double', { type: 'number', validate: () => true })
  ajv.addFormat('password', true)
  ajv.addFormat('binary', true)
  return ajv
}
