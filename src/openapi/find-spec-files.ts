import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { FAIL_FAST, UnderstudyError, type Reporter } from '../errors.js'

const SPEC_EXTENSIONS = new Set(['.yaml', '.yml', '.json'])

/** Where the commands look when given no path. */
export const DEFAULT_SPECS = 'specs'

export interface SpecFile {
  file: string
  /** Named on the command line (must be a document) or found in a folder (skipped if not). */
  explicit: boolean
}

/**
 * Expands files and folders (one level deep, sorted) into candidate spec files. A missing
 * path goes to the reporter (by default: thrown) and is skipped.
 */
export async function findSpecFiles (paths: readonly string[], reporter: Reporter = FAIL_FAST): Promise<SpecFile[]> {
  const found: SpecFile[] = []
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined)
    if (info === undefined) {
      // The default folder, missing: most likely a project that has no mock yet.
      const hint = given === DEFAULT_SPECS ? " (start with 'npx understudy init', or name your spec: 'npx understudy serve openapi.yaml')" : ''
      reporter.problem(new UnderstudyError('UNDERSTUDY_SPEC_NOT_FOUND', `${given}${hint}`, { file: given }))
      continue
    }
    if (!info.isDirectory()) {
      found.push({ file: given, explicit: true })
      continue
    }
    const names = (await readdir(given)).filter((name) => SPEC_EXTENSIONS.has(path.extname(name))).sort()
    for (const name of names) found.push({ file: path.join(given, name), explicit: false })
  }
  return found
}
