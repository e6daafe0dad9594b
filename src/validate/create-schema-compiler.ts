import { Ajv2020 } from 'ajv/dist/2020.js'
import AjvDraft04Module from 'ajv-draft-04'
import type { Ajv, ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { UnderstudyError } from '../errors.js'
import { once } from '../once.js'
import { precompiled } from './precompiled.js'
import type { LoadedSpec, OpenApiVersion } from '../openapi/load-spec.js'
import { getByPointer, refPointer } from '../openapi/resolve-ref.js'
import { cleanSchema, compilePattern, reportSchemaProblems } from './schema-document.js'

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
 * first; each made when first asked for). A schema of the document is given to an instance
 * the first time a compiled schema reaches it, under an id of its own
 * (`understudy:<spec>:<pointer>`), cleaned (`cleanSchema`: without its example data) and
 * with its `$ref`s pointing at those ids; what it reaches is given too. So AJV holds what
 * the operations compiled so far reach, not the document, every validator is compiled once,
 * and `$ref` cycles resolve. 3.1 is JSON Schema 2020-12; 3.0 schemas become draft-04. What
 * had to be left out of a schema goes to `tolerate`, once per place. With `whole`, every
 * schema of the document is checked at once (`check`, `--eager`).
 */
export function createSchemaCompiler (spec: LoadedSpec, tolerate: (error: UnderstudyError) => void = () => {}, { whole = false } = {}): SchemaCompiler {
  const prefix = `understudy:${encodeURIComponent(spec.name)}:`
  const idOf = (pointer: string): string => prefix + encodeURIComponent(pointer)
  const document = spec.document as unknown as Record<string, unknown>
  if (whole) reportSchemaProblems(document, spec.version, spec.file, tolerate)
  // Reported above already, with every other problem of the document.
  const cleaningProblems = whole ? () => {} : tolerate
  /** Each schema cleaned once, with the pointers its `$ref`s lead to. */
  const cleaned = new Map<string, { schema: unknown, reaches: string[] }>()
  const clean = (pointer: string): { schema: unknown, reaches: string[] } => {
    let entry = cleaned.get(pointer)
    if (entry === undefined) {
      const reaches: string[] = []
      const schema = cleanSchema(getByPointer(document, pointer), pointer, spec.version, spec.file, cleaningProblems, (ref) => {
        reaches.push(refPointer(ref))
        return idOf(refPointer(ref))
      })
      cleaned.set(pointer, entry = { schema, reaches })
    }
    return entry
  }
  const instance = (coerceTypes: false | 'array', allErrors: boolean): { ajv: () => Ajv, given: Set<string> } =>
    ({ ajv: once(() => createAjv(spec.version, coerceTypes, allErrors)), given: new Set<string>() })
  /** Gives `ajv` the schemas at `pointers`, and every one they reach, that it does not hold yet. */
  const give = ({ ajv, given }: { ajv: () => Ajv, given: Set<string> }, pointers: readonly string[]): void => {
    const pending = [...pointers]
    for (let pointer = pending.pop(); pointer !== undefined; pointer = pending.pop()) {
      if (given.has(pointer)) continue
      const { schema, reaches } = clean(pointer)
      checkAgainstMetaSchema(spec.version, schema)
      ajv().addSchema(schema as object, idOf(pointer), undefined, false)
      given.add(pointer)
      pending.push(...reaches)
    }
  }
  const compileWith = (target: { ajv: () => Ajv, given: Set<string> }) => (schema: object, pointer: string): ValidateFunction => {
    try {
      give(target, reachedBy(schema, prefix))
      checkAgainstMetaSchema(spec.version, schema)
      return target.ajv().compile(schema)
    } catch (error) {
      tolerate(new UnderstudyError('UNDERSTUDY_SCHEMA_INVALID', `${(error as Error).message}; it is not enforced`, { file: spec.file, pointer }))
      return acceptAnything
    }
  }
  const compile = compileWith(instance(false, true))
  const ref = (pointer: string): { $ref: string } => ({ $ref: idOf(pointer) })
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

/** The document pointers a schema built of `ref()`s names. */
function reachedBy (schema: unknown, prefix: string): string[] {
  const found: string[] = []
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return
    for (const [key, member] of Object.entries(value)) {
      if (key === '$ref' && typeof member === 'string' && member.startsWith(prefix)) found.push(decodeURIComponent(member.slice(prefix.length)))
      else visit(member)
    }
  }
  visit(schema)
  return found
}

/** What a schema AJV cannot compile validates: anything (its problem was reported). */
const acceptAnything = Object.assign((_value: unknown) => true, { errors: null, schema: {} }) as unknown as ValidateFunction

/** Patterns as ECMA-262 reads them: with the `u` flag where they allow it (see compilePattern). */
const regExp = Object.assign((pattern: string, flags: string) => {
  const compiled = compilePattern(pattern, flags)
  if (compiled === undefined) throw new SyntaxError(`Invalid regular expression: /${pattern}/`)
  return compiled
}, { code: 'new RegExp' })

/** AJV's own "schema is invalid: …" when a schema breaks its draft's meta-schema (checked with a precompiled validator). */
function checkAgainstMetaSchema (version: OpenApiVersion, schema: unknown): void {
  const check = (version === '3.0' ? metaDraft04 : metaDraft202012)()
  if (check(schema)) return
  throw new Error(`schema is invalid: ${(check.errors ?? []).map((error) => `data${error.instancePath} ${error.message ?? error.keyword}`).join(', ')}`)
}
const metaDraft04 = precompiled('meta-draft-04')
const metaDraft202012 = precompiled('meta-draft-2020-12')

/**
 * The instances leave checking against the meta-schema to checkAgainstMetaSchema. They
 * compile each referenced schema once, as a function of its own (`inlineRefs: false`: a
 * component many operations share is not compiled into each), without AJV's code
 * optimisation pass (`optimize: false`: GitHub's 400-member full-repository compiles in
 * 80 ms, not 130, and validates as fast).
 */
function createAjv (version: OpenApiVersion, coerceTypes: false | 'array', allErrors: boolean): Ajv {
  const options = { strict: false, allErrors, coerceTypes, validateSchema: false, inlineRefs: false, logger: false as const, code: { regExp, optimize: false } }
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
