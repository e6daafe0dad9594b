import $RefParser from '@apidevtools/json-schema-ref-parser'
import path from 'node:path'
import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types'
import YAML from 'yaml'
import { UnderstudyError } from '../errors.js'
import { findSpecFiles } from './find-spec-files.js'
import { isOpenApiDocument, readDocument } from './read-document.js'
import { validateDocument } from './validate-document.js'

export type OpenApiDocument = OpenAPIV3.Document | OpenAPIV3_1.Document

export interface LoadedSpec {
  /** The file's base name without extension: `specs/uforge.yaml` → `uforge`. */
  name: string
  file: string
  version: '3.0' | '3.1'
  /** Cross-file $refs inlined, local $refs kept: what /__mock/specs serves and AJV compiles against. */
  document: OpenApiDocument
  /** Every $ref replaced by its target (cycles stay as object cycles). */
  dereferenced: OpenApiDocument
}

const refParserOptions = {
  parse: {
    // One YAML library for the whole program: `yaml`, whose errors carry line numbers.
    yaml: {
      order: 200,
      canParse: ['.yaml', '.yml', '.json'],
      parse: (file: { data: Buffer | string }): unknown => YAML.parse(file.data.toString())
    }
  },
  // Specs are local files: never fetch a $ref over the network.
  resolve: { http: false }
}

/** Loads every OpenAPI document under `paths`; files in folders without `openapi` are $ref targets and skipped. */
export async function loadSpecs (paths: readonly string[]): Promise<LoadedSpec[]> {
  const specs: LoadedSpec[] = []
  const byName = new Map<string, string>()
  for (const { file, explicit } of await findSpecFiles(paths)) {
    const parsed = await readDocument(file)
    if (!isOpenApiDocument(parsed)) {
      if (explicit) throw new UnderstudyError('UNDERSTUDY_SPEC_INVALID', "no 'openapi' field (OpenAPI 3.0 and 3.1 are supported)", { file, pointer: '' })
      continue
    }
    const spec = await loadSpec(file, parsed)
    const clash = byName.get(spec.name)
    if (clash !== undefined) {
      throw new UnderstudyError('UNDERSTUDY_SPEC_NAME_DUPLICATE', `'${spec.name}' is also ${clash}`, { file })
    }
    byName.set(spec.name, file)
    specs.push(spec)
  }
  if (specs.length === 0) throw new UnderstudyError('UNDERSTUDY_NO_SPECS', `in ${paths.join(', ')}`)
  return specs
}

export async function loadSpec (file: string, parsed: { openapi: string }): Promise<LoadedSpec> {
  const version = parsed.openapi.startsWith('3.0') ? '3.0' : parsed.openapi.startsWith('3.1') ? '3.1' : undefined
  if (version === undefined) {
    throw new UnderstudyError('UNDERSTUDY_SPEC_INVALID', `OpenAPI ${parsed.openapi} is not supported (3.0 and 3.1 are)`, { file, pointer: '/openapi' })
  }
  const absolute = path.resolve(file)
  let document: OpenApiDocument
  let dereferenced: OpenApiDocument
  try {
    document = await $RefParser.bundle(absolute, structuredClone(parsed), refParserOptions) as OpenApiDocument
    await validateDocument(document as unknown as Record<string, unknown>, file)
    dereferenced = await $RefParser.dereference(absolute, structuredClone(document), refParserOptions) as OpenApiDocument
  } catch (error) {
    if (error instanceof UnderstudyError) throw error
    throw new UnderstudyError('UNDERSTUDY_SPEC_REF', (error as Error).message, { file })
  }
  return { name: path.basename(file, path.extname(file)), file, version, document, dereferenced }
}
