import { constants } from 'node:fs'
import { access, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { CoverageReport } from '../coverage/coverage-recorder.js'
import { isUnder, summarizeCoverage } from '../coverage/summarize-coverage.js'
import { UnderstudyError } from '../errors.js'
import { buildMockServer } from '../server/build-mock-server.js'

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
  coverageReport: string | undefined
  failUnder: number | undefined
}

/** Starts the mock, prints what it mounted, and closes cleanly on SIGINT/SIGTERM. */
export async function serve (paths: string[], options: ServeOptions): Promise<void> {
  // Found now, not after a whole test run when the server stops.
  if (options.coverageReport !== undefined) await checkWritable(options.coverageReport)
  const app = await buildMockServer({
    specs: paths,
    bodyLimit: options.bodyLimit,
    logger: options.log,
    fixtures: options.fixtures === true ? undefined : options.fixtures,
    lenient: options.lenient,
    maxSessions: options.maxSessions,
    maxDelayMs: options.maxDelay,
    strict: options.strict
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
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.close().then(async () => {
        process.stdout.write('understudy: stopped\n')
        await reportCoverage(app.understudy.coverage(), options)
      }).catch((error: unknown) => {
        process.stderr.write(`understudy: error while stopping: ${String(error)}\n`)
        process.exitCode = 1
      })
    })
  }
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

async function checkWritable (file: string): Promise<void> {
  const folder = path.dirname(path.resolve(file))
  try {
    await access(folder, constants.W_OK)
  } catch (error) {
    throw new UnderstudyError('UNDERSTUDY_COVERAGE_REPORT_UNWRITABLE', `${folder}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { file })
  }
}
