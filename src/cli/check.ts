import { formatCheckReport } from '../check/format-report.js'
import { check as runCheck } from '../check/run-check.js'
import type { CliIo } from './program.js'

export interface CheckCommandOptions {
  /** A folder, or true for the default, or false (`--no-fixtures`). */
  fixtures: string | boolean
  format: 'text' | 'json'
  refRoot: string[]
}

/** `understudy check`: every problem of the specs and fixtures, one line each; exit 1 if any. */
export async function check (paths: string[], options: CheckCommandOptions, io: CliIo): Promise<number> {
  const report = await runCheck({ specs: paths, refRoots: options.refRoot, fixtures: options.fixtures === true ? undefined : options.fixtures })
  if (options.format === 'json') {
    // Warnings are in the document; stdout stays one JSON value for tools.
    io.stdout(JSON.stringify(report, null, 2) + '\n')
  } else {
    for (const warning of report.warnings) io.stderr(`understudy: warning: ${warning}\n`)
    io.stdout(formatCheckReport(report))
  }
  return report.ok ? 0 : 1
}
