import $RefParser from '@apidevtools/json-schema-ref-parser'
import path from 'node:path'
import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types'
import YAML from 'yaml'
import { FAIL_FAST, UnderstudyError, type Reporter } from '../errors.js'
import { findSpecFiles } from './find-spec-files.js'
import { isOpenApiDocument, readDocument } from './read-document.js'
import { findDocumentProblems } from './validate-document.js'

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

/**
 * Loads every OpenAPI document under `paths`; files in folders without `openapi` are $ref
 * targets and skipped. The first problem throws; given a reporter, each problem (every
 * schema error of an invalid document) goes to it and that document is skipped.
 */
export async function loadSpecs (paths: readonly string[], reporter?: Reporter): Promise<LoadedSpec[]> {
  const { problem, warn } = reporter ?? FAIL_FAST
  let reported = 0
  const report = (error: UnderstudyError): void => {
    reported++
    problem(error)
  }
  const specs: LoadedSpec[] = []
  const byName = new Map<string, string>()
  const files = await findSpecFiles(paths, { problem: report, warn })
  for (const { file, explicit } of files) {
    try {
      const parsed = await readDocument(file)
      if (!isOpenApiDocument(parsed)) {
        if (explicit) throw new UnderstudyError('UNDERSTUDY_SPEC_INVALID', "no 'openapi' field (OpenAPI 3.0 and 3.1 are supported)", { file, pointer: '' })
        continue
      }
      const loaded = await readSpec(file, parsed, reporter !== undefined)
      if (Array.isArray(loaded)) {
        loaded.forEach(report)
        continue
      }
      const clash = byName.get(loaded.name)
      if (clash !== undefined) {
        throw new UnderstudyError('UNDERSTUDY_SPEC_NAME_DUPLICATE', `'${loaded.name}' is also ${clash}`, { file })
      }
      byName.set(loaded.name, file)
      specs.push(loaded)
    } catch (error) {
      if (!(error instanceof UnderstudyError)) throw error
      report(error)
    }
  }
  // With problems reported, no document is their consequence, not news.
  if (specs.length === 0 && reported === 0) report(new UnderstudyError('UNDERSTUDY_NO_SPECS', `in ${paths.join(', ')}`))
  return specs
}

/**
 * Bundles, validates and dereferences one document. An invalid one gives its schema
 * problems as values: the most telling one, or with `allProblems` every distinct one.
 * Other problems (version, $ref) throw.
 */
async function readSpec (file: string, parsed: { openapi: string }, allProblems: boolean): Promise<LoadedSpec | UnderstudyError[]> {
  const version = parsed.openapi.startsWith('3.0') ? '3.0' : parsed.openapi.startsWith('3.1') ? '3.1' : undefined
  if (version === undefined) {
    throw new UnderstudyError('UNDERSTUDY_SPEC_INVALID', `OpenAPI ${parsed.openapi} is not supported (3.0 and 3.1 are)`, { file, pointer: '/openapi' })
  }
  const absolute = path.resolve(file)
  let document: OpenApiDocument
  let dereferenced: OpenApiDocument
  try {
    document = await $RefParser.bundle(absolute, structuredClone(parsed), refParserOptions) as OpenApiDocument
    const problems = await findDocumentProblems(document as unknown as Record<string, unknown>, file, allProblems)
    if (problems.length > 0) return problems
    dereferenced = await $RefParser.dereference(absolute, structuredClone(document), refParserOptions) as OpenApiDocument
  } catch (error) {
    if (error instanceof UnderstudyError) throw error
    throw new UnderstudyError('UNDERSTUDY_SPEC_REF', (error as Error).message, { file })
  }
  return { name: path.basename(file, path.extname(file)), file, version, document, dereferenced }
}
