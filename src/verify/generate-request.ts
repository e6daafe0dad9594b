import type { OpenAPIV3 } from 'openapi-types'
import { componentNamesOf, sampleValue, type FakeOptions } from '../respond/fake-value.js'
import { examplesOf } from '../respond/prepare-responses.js'
import type { IndexedOperation } from '../openapi/index-operations.js'
import { IGNORED_HEADERS } from '../validate/compile-request-validator.js'
import { isJsonMediaType } from '../validate/media-type.js'

/** Faked values are the same on every run: contract tests must be reproducible. */
const SEED = 1

/**
 * A request as values, before it is written: parameter values by name and the body value.
 * A `null` value means "leave it out" (for a header, it also removes a `--header`).
 */
export interface CaseRequest {
  path: Record<string, unknown>
  query: Record<string, unknown>
  headers: Record<string, unknown>
  cookies: Record<string, unknown>
  body?: { value: unknown, mediaType: string }
}

/**
 * The request of a case: parameters and body from the examples named `exampleName` where
 * they have one; every other required parameter, and a required body, from its example,
 * `examples`, the schema's examples, default or first enum value, else faked with a fixed
 * seed. Optional parameters without an example of that name are left out.
 */
export async function generateRequest (operation: IndexedOperation, exampleName?: string): Promise<CaseRequest> {
  const request: CaseRequest = { path: {}, query: {}, headers: {}, cookies: {} }
  const fake: FakeOptions = { direction: 'request', componentNames: componentNamesOf(operation.spec.dereferenced) }
  for (const located of operation.parameters) {
    const parameter = operation.spec.dereferenced.at(located.pointer) as OpenAPIV3.ParameterObject
    if (parameter.in === 'header' && IGNORED_HEADERS.has(parameter.name.toLowerCase())) continue
    const named = exampleName === undefined ? undefined : examplesOf(parameter)[exampleName]
    let value: unknown
    if (named !== undefined) value = named.value
    else if (parameter.required === true || parameter.in === 'path') value = await parameterValue(parameter, fake)
    else continue
    const part = parameter.in === 'path' ? request.path : parameter.in === 'query' ? request.query : parameter.in === 'header' ? request.headers : request.cookies
    part[parameter.in === 'header' ? parameter.name.toLowerCase() : parameter.name] = value
  }
  const requestBody = requestBodyOf(operation)
  if (requestBody !== undefined) {
    const contents = Object.entries(requestBody.content ?? {})
    const named = exampleName === undefined ? undefined : contents.find(([, media]) => examplesOf(media)[exampleName] !== undefined)
    if (named !== undefined) {
      request.body = { value: examplesOf(named[1])[exampleName as string]?.value, mediaType: named[0] }
    } else if (requestBody.required === true && contents[0] !== undefined) {
      const [mediaType, media] = contents[0]
      request.body = { value: await mediaValue(media, mediaType, fake), mediaType }
    }
  }
  return request
}

/** The names of the operation's request examples: the body's first, then the parameters'. */
export function requestExampleNames (operation: IndexedOperation): string[] {
  const names = new Set<string>()
  for (const media of Object.values(requestBodyOf(operation)?.content ?? {})) {
    for (const name of Object.keys(examplesOf(media))) names.add(name)
  }
  for (const located of operation.parameters) {
    const parameter = operation.spec.dereferenced.at(located.pointer) as OpenAPIV3.ParameterObject
    // A lone parameter `example` is a value for every request, not a case of its own.
    for (const name of Object.keys(parameter.examples ?? {})) {
      if (examplesOf(parameter)[name] !== undefined) names.add(name)
    }
  }
  return [...names]
}

export function requestBodyOf (operation: IndexedOperation): OpenAPIV3.RequestBodyObject | undefined {
  return operation.requestBody === undefined
    ? undefined
    : operation.spec.dereferenced.at(operation.requestBody.pointer) as OpenAPIV3.RequestBodyObject
}

async function parameterValue (parameter: OpenAPIV3.ParameterObject, fake: FakeOptions): Promise<unknown> {
  const example = Object.values(examplesOf(parameter))[0]
  if (example !== undefined) return example.value
  const content = Object.entries(parameter.content ?? {})[0]
  if (content !== undefined) return await mediaValue(content[1], content[0], fake)
  return parameter.schema === undefined ? '' : await sampleValue(parameter.schema, SEED, fake)
}

async function mediaValue (media: OpenAPIV3.MediaTypeObject, mediaType: string, fake: FakeOptions): Promise<unknown> {
  const example = Object.values(examplesOf(media))[0]
  if (example !== undefined) return example.value
  if (media.schema !== undefined) return await sampleValue(media.schema, SEED, fake)
  return isJsonMediaType(mediaType) ? {} : ''
}
