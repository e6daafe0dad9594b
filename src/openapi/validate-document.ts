import type { ErrorObject } from 'ajv'
import { UnderstudyError, escapePointerToken } from '../errors.js'
import { precompiled } from '../validate/precompiled.js'

/** The official OpenAPI JSON Schemas (from @seriousme/openapi-schema-validator), precompiled. */
const OPENAPI_SCHEMAS = {
  '2.0': precompiled('openapi-2.0'),
  '3.0': precompiled('openapi-3.0'),
  '3.1': precompiled('openapi-3.1'),
  '3.2': precompiled('openapi-3.2')
} as const

/** Which schema a document answers to, by its `swagger` or `openapi` version. */
function schemaFor (document: Record<string, unknown>): keyof typeof OPENAPI_SCHEMAS | undefined {
  const { swagger, openapi } = document
  if (typeof swagger === 'string' && swagger.startsWith('2.0')) return '2.0'
  if (typeof openapi !== 'string') return undefined
  return (['3.0', '3.1', '3.2'] as const).find((version) => openapi.startsWith(version))
}

/**
 * The document's schema errors against the official OpenAPI 2.0/3.0/3.1/3.2 JSON Schema as
 * problems: every distinct error worth reading, without the noise of the schema's oneOf/if
 * branches. A version no schema knows is loading's to refuse (see load-spec).
 */
export function findDocumentProblems (document: Record<string, unknown>, file: string): UnderstudyError[] {
  const version = schemaFor(document)
  if (version === undefined) return []
  const validate = OPENAPI_SCHEMAS[version]()
  if (validate(document)) return []
  const errors = validate.errors ?? []
  if (errors.length === 0) {
    return [new UnderstudyError('UNDERSTUDY_SPEC_INVALID', 'the OpenAPI schema refuses it', { file, pointer: '' })]
  }
  return withoutUnevaluatedEchoes(distinctErrors(errors)).map((error) =>
    new UnderstudyError('UNDERSTUDY_SPEC_INVALID', describe(error) + allowedValues(error), { file, pointer: error.instancePath }))
}

/**
 * 3.1's schema reports a member whose own subschema failed once more, as unevaluated
 * (`flows` of an oauth2 scheme whose flow lacks `scopes`): the deeper error says it.
 */
function withoutUnevaluatedEchoes (errors: readonly ErrorObject[]): ErrorObject[] {
  return errors.filter((error) => {
    const property = (error.params as { unevaluatedProperty?: string }).unevaluatedProperty
    if (error.keyword !== 'unevaluatedProperties' || property === undefined) return true
    const member = `${error.instancePath}/${escapePointerToken(property)}`
    return !errors.some((other) => other !== error && isAtOrUnder(other.instancePath, member))
  })
}

const COMBINATORS = new Set(['if', 'oneOf', 'anyOf', 'allOf', 'not'])

/**
 * The OpenAPI schemas try alternatives (`oneOf` in 3.0's, `if $ref … else` in 3.1's), so one
 * mistake yields errors from every branch. Each combinator error anchors the errors at or
 * under its instance path: under an `if`, all are real (the else branch applies), so each
 * is kept; under a `oneOf`/`anyOf`, they are alternatives, so the deepest stands for them.
 * "Must have $ref" is the reference branch of every object and never what the user meant.
 */
function distinctErrors (errors: readonly ErrorObject[]): ErrorObject[] {
  const anchors = errors.filter((error) => COMBINATORS.has(error.keyword))
  const leaves = errors.filter((error) => !COMBINATORS.has(error.keyword) &&
    !(error.keyword === 'required' && (error.params as { missingProperty?: string }).missingProperty === '$ref'))
  if (leaves.length === 0) return [deepest(errors)]
  const clusters = new Map<string, { alternatives: boolean, errors: ErrorObject[] }>()
  for (const leaf of leaves) {
    const under = anchors.filter((anchor) => isAtOrUnder(leaf.instancePath, anchor.instancePath))
    const anchorPath = under.reduce<string | undefined>((longest, anchor) =>
      longest === undefined || anchor.instancePath.length > longest.length ? anchor.instancePath : longest, undefined)
    // A leaf outside every combinator is its own cluster.
    const key = anchorPath === undefined ? `leaf:${clusters.size}` : `anchor:${anchorPath}`
    const cluster = clusters.get(key) ?? {
      alternatives: under.some((anchor) => anchor.instancePath === anchorPath && (anchor.keyword === 'oneOf' || anchor.keyword === 'anyOf')),
      errors: []
    }
    cluster.errors.push(leaf)
    clusters.set(key, cluster)
  }
  const kept: ErrorObject[] = []
  const seen = new Set<string>()
  for (const { alternatives, errors: clustered } of clusters.values()) {
    for (const error of alternatives ? [mergeEnums(deepest(clustered), clustered)] : clustered) {
      const key = `${error.instancePath}\0${describe(error)}`
      if (seen.has(key)) continue
      seen.add(key)
      kept.push(error)
    }
  }
  return kept
}

/** Alternatives each allow some values (3.0's parameter `in`: path | query | …): say all of them. */
function mergeEnums (chosen: ErrorObject, errors: readonly ErrorObject[]): ErrorObject {
  if (chosen.keyword !== 'enum') return chosen
  const allowed = errors
    .filter((error) => error.keyword === 'enum' && error.instancePath === chosen.instancePath)
    .flatMap((error) => (error.params as { allowedValues: unknown[] }).allowedValues)
  return { ...chosen, params: { allowedValues: [...new Set(allowed)] } }
}

/** `: query, header, path, cookie` for an enum error. */
function allowedValues (error: ErrorObject): string {
  const allowed = (error.params as { allowedValues?: unknown }).allowedValues
  return error.keyword === 'enum' && Array.isArray(allowed) ? `: ${allowed.map(String).join(', ')}` : ''
}

function isAtOrUnder (path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(ancestor + '/')
}

function deepest (errors: readonly ErrorObject[]): ErrorObject {
  return [...errors].sort((a, b) => depth(b) - depth(a))[0] as ErrorObject
}

function depth (error: ErrorObject): number {
  return error.instancePath.split('/').length
}

function describe (error: ErrorObject): string {
  const params = error.params as Record<string, unknown>
  const property = params.additionalProperty ?? params.unevaluatedProperty
  return property === undefined ? `${error.message ?? error.keyword}` : `${error.message ?? error.keyword} '${String(property)}'`
}
