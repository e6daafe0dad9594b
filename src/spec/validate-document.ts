import { Validator } from '@seriousme/openapi-schema-validator'
import type { ErrorObject } from 'ajv'
import { UnderstudyError } from '../errors.js'

let validator: Validator | undefined

/** The official OpenAPI 3.0/3.1 JSON Schemas, via @seriousme/openapi-schema-validator. */
export async function validateDocument (document: Record<string, unknown>, file: string): Promise<void> {
  validator ??= new Validator({ allErrors: true })
  const result = await validator.validate(document)
  if (result.valid) return
  const errors = typeof result.errors === 'string' ? [] : (result.errors ?? [])
  if (errors.length === 0) {
    throw new UnderstudyError('UNDERSTUDY_SPEC_INVALID', String(result.errors), { file, pointer: '' })
  }
  // oneOf/anyOf branches produce many errors; the deepest one is the most telling.
  const deepest = [...errors].sort((a, b) => depth(b) - depth(a))[0] as ErrorObject
  const more = errors.length > 1 ? ` (${errors.length - 1} related schema error(s))` : ''
  throw new UnderstudyError('UNDERSTUDY_SPEC_INVALID', describe(deepest) + more, { file, pointer: deepest.instancePath })
}

function depth (error: ErrorObject): number {
  return error.instancePath.split('/').length
}

function describe (error: ErrorObject): string {
  const params = error.params as Record<string, unknown>
  const property = params.additionalProperty ?? params.unevaluatedProperty
  return property === undefined ? `${error.message ?? error.keyword}` : `${error.message ?? error.keyword} '${String(property)}'`
}
