import { Ajv2020 } from 'ajv/dist/2020.js'
import AjvDraft04Module from 'ajv-draft-04'
import type { Ajv, ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { UnderstudyError } from '../errors.js'
import type { LoadedSpec, OpenApiVersion } from '../openapi/load-spec.js'
import { compilePattern, toSchemaDocument } from './schema-document.js'

// ajv-formats and ajv-draft-04 are CommonJS; under NodeNext a default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default
const AjvDraft04 = AjvDraft04Module as unknown as typeof AjvDraft04Module.default

export interface SchemaCompiler {
  /** Compiles a schema that may `$ref` into the spec document (see `ref`). */
  compile: (schema: object, pointer: string) => ValidateFunction
  /** The same, with OpenAPI's parameter coercion: strings to numbers/booleans, scalars to arrays. */
  compileCoercing: (schema: object, pointer: string) => ValidateFunction
  /** `compile` and `compileCoercing` stopping at the first error: for bodies too big to list every violation of. */
  compileFirstError: (schema: object, pointer: string) => ValidateFunction
  compileCoercingFirstError: (schema: object, pointer: string) => ValidateFunction
  /** A `$ref` to the schema at `pointer` in the spec document. */
  ref: (pointer: string) => { $ref: string }
  /** The validator of the schema at `pointer` in the document, compiled once however often asked for. */
  validatorAt: (pointer: string) => ValidateFunction
}

/**
 * AJV instances per spec (plain and coercing, each listing every error or stopping at the
 * first; the latter two made when first asked for), each holding the document's schemas
 * (`toSchemaDocument`: the document's shape without its example data), so every validator
 * is compiled once and `$ref`s (cycles too) resolve inside the document. 3.1 is JSON Schema
 * 2020-12; 3.0 schemas become draft-04. What had to be left out of a schema goes to `tolerate`.
 */
export function createSchemaCompiler (spec: LoadedSpec, tolerate: (error: UnderstudyError) => void = () => {}): SchemaCompiler {
  const key = `understudy:${spec.name}`
  const document = toSchemaDocument(spec.document as unknown as Record<string, unknown>, spec.version, spec.file, tolerate)
  const instance = (coerceTypes: false | 'array', allErrors: boolean): () => Ajv =>
    once(() => createAjv(spec.version, coerceTypes, allErrors).addSchema(document, key))
  const compileWith = (ajv: () => Ajv) => (schema: object, pointer: string): ValidateFunction => {
    try {
      return ajv().compile(schema)
    } catch (error) {
      tolerate(new UnderstudyError('UNDERSTUDY_SCHEMA_INVALID', `${(error as Error).message}; it is not enforced`, { file: spec.file, pointer }))
      return acceptAnything
    }
  }
  const compile = compileWith(instance(false, true))
  const ref = (pointer: string): { $ref: string } => ({ $ref: `${key}#${pointer.split('/').map(encodeURIComponent).join('/')}` })
  const validators = new Map<string, ValidateFunction>()
  return {
    compile,
    compileCoercing: compileWith(instance('array', true)),
    compileFirstError: compileWith(instance(false, false)),
    compileCoercingFirstError: compileWith(instance('array', false)),
    ref,
    validatorAt: (pointer) => {
      let validate = validators.get(pointer)
      if (validate === undefined) validators.set(pointer, validate = compile(ref(pointer), pointer))
      return validate
    }
  }
}

/** `make`'s result, made on the first call only. */
export function once<T> (make: () => T): () => T {
  let made: { value: T } | undefined
  return () => (made ??= { value: make() }).value
}

/** What a schema AJV cannot compile validates: anything (its problem was reported). */
const acceptAnything = Object.assign((_value: unknown) => true, { errors: null, schema: {} }) as unknown as ValidateFunction

/** Patterns as ECMA-262 reads them: with the `u` flag where they allow it (see compilePattern). */
const regExp = Object.assign((pattern: string, flags: string) => {
  const compiled = compilePattern(pattern, flags)
  if (compiled === undefined) throw new SyntaxError(`Invalid regular expression: /${pattern}/`)
  return compiled
}, { code: 'new RegExp' })

function createAjv (version: OpenApiVersion, coerceTypes: false | 'array', allErrors: boolean): Ajv {
  const options = { strict: false, allErrors, coerceTypes, logger: false as const, code: { regExp } }
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
