import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { UnderstudyError } from '../errors.js'
import type { Reporter } from '../fixture/read-fixtures.js'

const SPEC_EXTENSIONS = new Set(['.yaml', '.yml', '.json'])

export interface SpecFile {
  file: string
  /** Named on the command line (must be a document) or found in a folder (skipped if not). */
  explicit: boolean
}

/**
 * Expands files and folders (one level deep, sorted) into candidate spec files. A missing
 * path throws or, given a reporter, is reported and skipped.
 */
export async function findSpecFiles (paths: readonly string[], reporter?: Reporter): Promise<SpecFile[]> {
  const found: SpecFile[] = []
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined)
    if (info === undefined) {
      const error = new UnderstudyError('UNDERSTUDY_SPEC_NOT_FOUND', given, { file: given })
      if (reporter === undefined) throw error
      reporter.problem(error)
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
