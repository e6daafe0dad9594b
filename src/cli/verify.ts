import { writeFile } from 'node:fs/promises'
import { UnderstudyError } from '../errors.js'
import { formatJunit } from '../verify/format-junit.js'
import { formatTapFooter, formatTapHeader, formatTapTestPoint } from '../verify/format-tap.js'
import { checkTarget, optionError, parseBasePathArgument, parseHeaderArgument } from '../verify/validate-options.js'
import { verify } from '../verify/verify.js'
import type { CliIo } from './program.js'
import { unwritableFolder } from './unwritable-folder.js'

/** What `--scenario-header` without a name sends: the mock's own header. */
export const DEFAULT_SCENARIO_HEADER = 'x-mock-scenario'

export interface VerifyCommandOptions {
  target: string
  /** A folder, or true for the default, or false (`--no-fixtures`). */
  fixtures: string | boolean
  only: string[] | undefined
  header: string[]
  basePath: string[]
  /** The header name, true for the default name, or undefined when not given. */
  scenarioHeader: string | true | undefined
  junit: string | undefined
  timeout: number
  refRoot: string[]
}

/** `understudy verify`: TAP on stdout as the cases run, JUnit on request; exit 1 on any failure. */
export async function verifyCommand (paths: string[], options: VerifyCommandOptions, io: CliIo): Promise<number> {
  const unwritable = options.junit === undefined ? undefined : await unwritableFolder(options.junit)
  if (unwritable !== undefined) throw optionError('--junit', `cannot write ${options.junit}: ${unwritable}`)
  await checkReachable(checkTarget(options.target), options.timeout)
  const headers: Record<string, string> = {}
  const specHeaders: Record<string, Record<string, string>> = {}
  for (const argument of options.header) {
    const { spec, name, value } = parseHeaderArgument(argument)
    if (spec === undefined) headers[name] = value
    else (specHeaders[spec] ??= {})[name] = value
  }
  const report = await verify({
    target: options.target,
    specs: paths,
    refRoots: options.refRoot,
    fixtures: options.fixtures === true ? undefined : options.fixtures,
    ...(options.only === undefined ? {} : { only: options.only }),
    headers,
    specHeaders,
    basePaths: Object.fromEntries(options.basePath.map(parseBasePathArgument)),
    ...(options.scenarioHeader === undefined ? {} : { scenarioHeader: options.scenarioHeader === true ? DEFAULT_SCENARIO_HEADER : options.scenarioHeader }),
    timeoutMs: options.timeout,
    onStart: (total) => { io.stdout(formatTapHeader(total)) },
    onCase: (result, index) => { io.stdout(formatTapTestPoint(result, index)) }
  })
  io.stdout(formatTapFooter(report))
  for (const warning of report.warnings) io.stderr(`understudy: warning: ${warning}\n`)
  if (options.junit !== undefined) {
    try {
      await writeFile(options.junit, formatJunit(report))
    } catch (error) {
      throw optionError('--junit', `cannot write ${options.junit}: ${(error as Error).message}`)
    }
  }
  return report.failed > 0 ? 1 : 0
}

/** Connection errors that mean nothing listens there: every case would fail the same way. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])

/** One request before the cases: a target nothing listens on is one line, not a failure per case. A slow answer is not checked here. */
async function checkReachable (target: string, timeoutMs: number): Promise<void> {
  try {
    await fetch(target, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) })
  } catch (error) {
    const code = ((error as { cause?: { code?: string } }).cause)?.code
    if (code !== undefined && UNREACHABLE.has(code)) {
      throw new UnderstudyError('UNDERSTUDY_VERIFY_TARGET_UNREACHABLE', `${target}: ${code}; is the server under test running?`)
    }
  }
}
