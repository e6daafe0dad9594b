import { stat } from 'node:fs/promises'
import path from 'node:path'
import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types'
import { FAIL_FAST, UnderstudyError, type Reporter } from '../errors.js'
import { checkRefs } from './check-refs.js'
import { convertSwagger2 } from './convert-swagger2.js'
import { dereferenceLazily, type Dereferenced } from './dereference.js'
import { findSpecFiles } from './find-spec-files.js'
import { readDocument } from './read-document.js'
import { isWithin, outsideMessage, refRootsOf, refTarget } from './ref-roots.js'
import { validateAside } from './validate-aside.js'
import { findDocumentProblems } from './validate-document.js'

export type OpenApiDocument = OpenAPIV3.Document | OpenAPIV3_1.Document
export type OpenApiVersion = '3.0' | '3.1'

export interface LoadedSpec {
  /** The file's base name without extension: `specs/uforge.yaml` → `uforge`. */
  name: string
  file: string
  /** A Swagger 2.0 document is converted to 3.0. */
  version: OpenApiVersion
  /** Cross-file $refs inlined, local $refs kept: what /__mock/specs serves and AJV compiles against. */
  document: OpenApiDocument
  /** The document's values with every $ref replaced by its target, made as they are asked for (cycles stay as object cycles). */
  dereferenced: Dereferenced
}

/** Documents larger than this are validated against the OpenAPI schema on a worker thread (GitHub's: 13 MB, 1.2 s). */
const ASIDE_BYTES = 512 * 1024

async function sizeOf (file: string): Promise<number> {
  try {
    return (await stat(file)).size
  } catch {
    return 0
  }
}

/**
 * Loads every OpenAPI (3.0, 3.1) or Swagger 2.0 document under `paths`; files in folders
 * that are neither are $ref targets and skipped. What stops a document is a `problem`
 * (unparsable, a $ref to nowhere, an unsupported version): by default the first one
 * throws. What the mock can work around (the document breaks the OpenAPI schema) is
 * `tolerate`d: `serve` warns, `check` reports every one. With `awaitValidation: false`, a
 * document validated on the other thread is returned before it is validated, and its
 * problems are tolerated when they come (serve, lazy: GitHub's spec answers 0.5 s sooner).
 */
export async function loadSpecs (paths: readonly string[], reporter: Reporter = FAIL_FAST, refRoots: readonly string[] = [], { awaitValidation = true } = {}): Promise<LoadedSpec[]> {
  let reported = 0
  const report = (error: UnderstudyError): void => {
    reported++
    reporter.problem(error)
  }
  const counted: Reporter = { ...reporter, problem: report }
  const specs: LoadedSpec[] = []
  const byName = new Map<string, string>()
  const files = await findSpecFiles(paths, counted)
  const roots = await refRootsOf(paths, refRoots)
  const aside = validateAside()
  const validating: Array<Promise<void>> = []
  try {
    for (const [index, { file, explicit }] of files.entries()) {
      reporter.progress?.(`reading ${path.basename(file)}${files.length === 1 ? '' : ` (${index + 1} of ${files.length})`}`)
      // A big document is read and validated on the other thread meanwhile (the answer is
      // dropped for a file that is no spec); a small one here, where the validator is made once.
      const validation = await sizeOf(file) > ASIDE_BYTES ? aside.problemsOf(file) : undefined
      validation?.catch(() => {})
      try {
        const parsed = await readDocument(file)
        const version = versionOf(parsed, file)
        if (version === undefined) {
          if (explicit) throw new UnderstudyError('UNDERSTUDY_SPEC_INVALID', "no 'openapi' or 'swagger' field (OpenAPI 3.0, 3.1 and Swagger 2.0 are supported)", { file, pointer: '' })
          continue
        }
        const loaded = await readSpec(file, parsed as Record<string, unknown>, version, counted, roots, validation, awaitValidation ? undefined : (later) => validating.push(later))
        const clash = byName.get(loaded.name)
        if (clash !== undefined) {
          throw new UnderstudyError('UNDERSTUDY_SPEC_NAME_DUPLICATE', `'${loaded.name}' is also ${clash}`, { file })
        }
        byName.set(loaded.name, file)
        specs.push(loaded)
      } catch (error) {
        report(error instanceof UnderstudyError ? error : unexpected(error, file))
      }
    }
  } finally {
    // A live worker would keep the process running.
    const close = async (): Promise<void> => { await Promise.allSettled(validating).then(async () => { await aside.close() }) }
    if (validating.length === 0) await close()
    else void close()
  }
  // With problems reported, no document is their consequence, not news.
  if (specs.length === 0 && reported === 0) report(new UnderstudyError('UNDERSTUDY_NO_SPECS', `in ${paths.join(', ')}`))
  return specs
}

/** Never a stack trace: whatever a library throws on a strange document names the file. */
function unexpected (error: unknown, file: string): UnderstudyError {
  return new UnderstudyError('UNDERSTUDY_SPEC_INVALID', `cannot be read: ${error instanceof Error ? error.message : String(error)}`, { file })
}

type SourceVersion = OpenApiVersion | '2.0'

function versionOf (parsed: unknown, file: string): SourceVersion | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const { openapi, swagger } = parsed as { openapi?: unknown, swagger?: unknown }
  if (typeof openapi === 'string') {
    if (openapi.startsWith('3.0')) return '3.0'
    if (openapi.startsWith('3.1')) return '3.1'
    throw new UnderstudyError('UNDERSTUDY_SPEC_INVALID', `OpenAPI ${openapi} is not supported (3.0, 3.1 and Swagger 2.0 are)`, { file, pointer: '/openapi' })
  }
  if (swagger === undefined) return undefined
  if (String(swagger) === '2.0') return '2.0'
  throw new UnderstudyError('UNDERSTUDY_SPEC_INVALID', `Swagger ${String(swagger)} is not supported (2.0 is)`, { file, pointer: '/swagger' })
}

/**
 * Converts Swagger 2.0, checks local $refs (a broken one is a problem; lenient, it is
 * replaced by an empty schema) and bundles cross-file $refs where there are any ($refs
 * are followed later, place by place: dereference.ts); then reports what validating the source against the OpenAPI schema found
 * (so pointers are the user's; `aside`: on the other thread), before what converting found.
 * Should the other thread fail, the document is validated here.
 */
async function readSpec (file: string, parsed: Record<string, unknown>, source: SourceVersion, reporter: Reporter, roots: readonly string[], aside: Promise<UnderstudyError[]> | undefined, later?: (validated: Promise<void>) => void): Promise<LoadedSpec> {
  const absolute = path.resolve(file)
  // Before anything changes the document (3.x is not copied): checking $refs may replace broken ones.
  const validation = aside ?? Promise.resolve(findDocumentProblems(parsed, file))
  const converting: UnderstudyError[] = []
  // The parsed document itself (3.x): the other thread validates the file as read.
  let document = source === '2.0' ? await convertSwagger2(parsed, file, (problem) => converting.push(problem)) : parsed
  const version = source === '2.0' ? '3.0' : source
  const outside = (ref: string): string | undefined => {
    const target = refTarget(ref, path.dirname(absolute))
    return target === undefined || isWithin(roots, target) ? undefined : outsideMessage(target, roots)
  }
  reporter.progress?.(`resolving the $refs of ${path.basename(file)}`)
  const refs = checkRefs(document, file, (error) => { reporter.problem(error); return {} }, version === '3.0', outside)
  try {
    // Bundling rewrites $refs; a document that has only local ones is kept as written (and ref-parser is not loaded).
    if (refs.external) document = await (await import('./bundle-refs.js')).bundleRefs(absolute, document, roots)
    reporter.progress?.(`validating ${path.basename(file)} against the OpenAPI schema`)
    const tolerate = (problems: UnderstudyError[]): void => { for (const problem of [...problems, ...converting]) reporter.tolerate(problem) }
    const validated = validation.catch(() => findDocumentProblems(parsed, file))
    if (aside !== undefined && later !== undefined) later(validated.then(tolerate))
    else tolerate(await validated)
    return { name: path.basename(file, path.extname(file)), file, version, document: document as unknown as OpenApiDocument, dereferenced: dereferenceLazily(document) }
  } catch (error) {
    if (error instanceof UnderstudyError) throw error
    throw new UnderstudyError('UNDERSTUDY_SPEC_REF', (error as Error).message, { file })
  }
}
