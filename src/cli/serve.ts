import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { FastifyServerOptions } from 'fastify'
import type { CoverageReport } from '../coverage/coverage-recorder.js'
import { isUnder, summarizeCoverage } from '../coverage/summarize-coverage.js'
import { UnderstudyError } from '../errors.js'
import { buildMockServer } from '../server/build-mock-server.js'
import { unwritableFolder } from './unwritable-folder.js'

export interface ServeOptions {
  port: number
  host: string
  bodyLimit: number
  log: boolean
  /** A folder, or true for the default, or false (`--no-fixtures`). */
  fixtures: string | boolean
  lenient: boolean
  maxSessions: number
  maxDelay: number
  strict: boolean
  errors: boolean
  dynamic: boolean
  seed: string | undefined
  cors: boolean
  coverageReport: string | undefined
  failUnder: number | undefined
}

/** How often `serve` looks whether the process that started it is still there. */
const PARENT_CHECK_MS = 1000

/**
 * Starts the mock, prints what it mounted, and closes cleanly (coverage written, exit code
 * set) on SIGINT, SIGTERM, `understudy stop`, or when the process that started it is gone:
 * `npx` runs the command under a shell that passes no signal on, so `kill $MOCK` ends npm
 * and its shell, and the server follows them instead of living on as an orphan.
 */
export async function serve (paths: string[], options: ServeOptions): Promise<void> {
  // Found now, not after a whole test run when the server stops.
  const unwritable = options.coverageReport === undefined ? undefined : await unwritableFolder(options.coverageReport)
  if (unwritable !== undefined) throw new UnderstudyError('UNDERSTUDY_COVERAGE_REPORT_UNWRITABLE', unwritable, { file: options.coverageReport })
  let stopping: Promise<void> | undefined
  let watch: NodeJS.Timeout | undefined
  const stop = (): Promise<void> => (stopping ??= app.close().then(async () => {
    process.stdout.write('understudy: stopped\n')
    await reportCoverage(app.understudy.coverage(), options)
  }).catch((error: unknown) => {
    process.stderr.write(`understudy: error while stopping: ${String(error)}\n`)
    process.exitCode = 1
  }).finally(() => clearInterval(watch)))
  const app = await buildMockServer({
    onStopRequest: () => { void stop() },
    specs: paths,
    bodyLimit: options.bodyLimit,
    logger: loggerFor(options.log),
    fixtures: options.fixtures === true ? undefined : options.fixtures,
    lenient: options.lenient,
    maxSessions: options.maxSessions,
    maxDelayMs: options.maxDelay,
    strict: options.strict || options.errors,
    dynamic: options.dynamic,
    seed: options.seed,
    cors: options.cors
  })
  const address = await app.listen({ port: options.port, host: options.host })
  const { operations, specs, scenarioSets, warnings } = app.understudy
  for (const warning of warnings) process.stderr.write(`understudy: warning: ${warning}\n`)
  const fixtures = operations.reduce((count, operation) => count + operation.scenarios.filter((s) => s.source === 'fixture').length, 0)
  const width = Math.max(...operations.map((operation) => operation.method.length + operation.path.length))
  const lines = operations.map(({ method, path, spec, operationId }) =>
    `  ${`${method} ${path}`.padEnd(width + 1)}  ${spec}#${operationId}`)
  process.stdout.write([
    `understudy: ${operations.length} operations from ${specs.length} specs, ${fixtures} fixtures, ${scenarioSets.length} scenario sets on ${address}`,
    ...lines,
    `  control: ${address}/__mock/operations, docs: ${address}/__mock/docs`,
    ''
  ].join('\n'))
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { void stop() })
  const parent = process.ppid
  watch = setInterval(() => { if (process.ppid !== parent) void stop() }, PARENT_CHECK_MS).unref()
}

/** On shutdown: a summary, the exit code with `--fail-under`, and the coverage file. */
async function reportCoverage (report: CoverageReport, options: ServeOptions): Promise<void> {
  if (options.coverageReport === undefined && options.failUnder === undefined) return
  process.stdout.write(summarizeCoverage(report).join('\n') + '\n')
  if (options.failUnder !== undefined && isUnder(report, options.failUnder)) {
    process.stderr.write(`understudy: coverage ${report.responses.percent}% is under --fail-under ${options.failUnder}%\n`)
    process.exitCode = 1
  }
  if (options.coverageReport !== undefined) {
    await writeFile(options.coverageReport, JSON.stringify(report, null, 2) + '\n')
    process.stdout.write(`understudy: coverage report written to ${options.coverageReport}\n`)
  }
}

/**
 * `--log`: JSON lines, or on a terminal, pino-pretty's when the project has it installed
 * (an optional peer dependency: the mock itself never needs it).
 */
function loggerFor (log: boolean): FastifyServerOptions['logger'] {
  if (!log) return false
  if (!process.stdout.isTTY) return true
  let pretty: string
  try {
    pretty = fileURLToPath(import.meta.resolve('pino-pretty'))
  } catch {
    return true
  }
  return { transport: { target: pretty, options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,reqId,method,url,status,operationId,scenario,ms' } } }
}
