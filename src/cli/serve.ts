import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { FastifyServerOptions } from 'fastify'
import type { CoverageReport } from '../coverage/coverage-recorder.js'
import { isUnder, summarizeCoverage } from '../coverage/summarize-coverage.js'
import { DEFAULT_STORE_PREFIX, shownStore } from '../store/shown-store.js'
import { UnderstudyError } from '../errors.js'
import { buildMockServer, type MockServerOptions } from '../server/build-mock-server.js'
import { watchMockServer, type ReloadEvent } from '../server/watch-mock-server.js'
import { isLoopbackName } from '../server/guard-control.js'
import type { MockServerInfo } from '../server/register-mock.js'
import type { ProxyTally } from '../proxy/proxy-tally.js'
import { formatJunit } from '../verify/format-junit.js'
import { parseBasePathArgument } from '../verify/validate-options.js'
import { progressLine } from './progress-line.js'
import type { CliIo } from './program.js'
import { unwritableFolder } from './unwritable-folder.js'

export interface ServeOptions {
  port: number
  host: string
  bodyLimit: number
  log: boolean
  /** A folder, or true for the default, or false (`--no-fixtures`). */
  fixtures: string | boolean
  lenient: boolean
  eager: boolean
  watch: boolean
  list: boolean
  maxSessions: number
  /** `--store redis://…`: shared with every replica. */
  store: string | undefined
  storePrefix: string | undefined
  journalSize: number
  maxDelay: number
  strict: boolean
  errors: boolean
  dynamic: boolean
  seed: string | undefined
  cors: boolean
  coverageReport: string | undefined
  failUnder: number | undefined
  refRoot: string[]
  requestTimeout: number
  allowHost: string[]
  controlOrigin: string[]
  controlToken: string | undefined
  /** `serve --proxy` / `proxy --target`: the backend. */
  proxy?: string
  target?: string
  fallback: boolean
  basePath: string[]
  proxyTimeout: number
  record: string | undefined
  overwrite: boolean
  junit: string | undefined
}

/** Up to this many, the operations are listed at start (more with --list). */
const LISTED_OPERATIONS = 40

/** One line per spec: its name, how many operations it mounts, and where. */
function specLines (specs: MockServerInfo['specs'], operations: MockServerInfo['operations']): string[] {
  const counted = specs.map(({ name, mount }) => ({ name, mount, count: plural(operations.filter((operation) => operation.spec === name).length, 'operation') }))
  const [names, counts] = [Math.max(...counted.map(({ name }) => name.length)), Math.max(...counted.map(({ count }) => count.length))]
  return counted.map(({ name, mount, count }) => `  ${name.padEnd(names)}  ${count.padEnd(counts)}  ${mount}`)
}

function plural (count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

function operationLines (operations: MockServerInfo['operations']): string[] {
  const width = Math.max(...operations.map((operation) => operation.method.length + operation.path.length))
  return operations.map(({ method, path, spec, operationId }) => `    ${`${method} ${path}`.padEnd(width + 1)}  ${spec}#${operationId}`)
}

/** How often `serve` looks whether the process that started it is still there. */
const PARENT_CHECK_MS = 1000

/**
 * Starts the mock, prints what it mounted, and resolves with the exit code once it has closed
 * cleanly (coverage written) on SIGINT, SIGTERM, `understudy stop`, or when the process that
 * started it is gone: `npx` runs the command under a shell that passes no signal on, so
 * `kill $MOCK` ends npm and its shell, and the server follows them instead of living on as an orphan.
 */
export async function serve (paths: string[], options: ServeOptions, io: CliIo): Promise<number> {
  // Found now, not after a whole test run when the server stops.
  const unwritable = options.coverageReport === undefined ? undefined : await unwritableFolder(options.coverageReport)
  if (unwritable !== undefined) throw new UnderstudyError('UNDERSTUDY_COVERAGE_REPORT_UNWRITABLE', unwritable, { file: options.coverageReport })
  const junitUnwritable = options.junit === undefined ? undefined : await unwritableFolder(options.junit)
  if (junitUnwritable !== undefined) throw new UnderstudyError('UNDERSTUDY_PROXY_OPTION_INVALID', `--junit: ${junitUnwritable}`, { file: options.junit })
  // From the environment here, not as the option's default: --help would print it.
  const controlToken = options.controlToken ?? (process.env.UNDERSTUDY_CONTROL_TOKEN || undefined)
  let stopRequested: () => void = () => {}
  const stopping = new Promise<void>((resolve) => { stopRequested = resolve })
  const progress = io.terminalColumns === undefined ? undefined : progressLine(io.stdout, { columns: io.terminalColumns })
  const mockOptions: MockServerOptions = {
    onStopRequest: () => { stopRequested() },
    ...(progress === undefined ? {} : { onProgress: progress.update }),
    specs: paths,
    refRoots: options.refRoot,
    bodyLimit: options.bodyLimit,
    requestTimeoutMs: options.requestTimeout,
    allowedHosts: options.allowHost,
    controlOrigins: options.controlOrigin,
    ...(controlToken === undefined ? {} : { controlToken }),
    logger: loggerFor(options.log),
    fixtures: options.fixtures === true ? undefined : options.fixtures,
    lenient: options.lenient,
    compile: options.eager ? 'eager' : 'lazy',
    onWarning: (line) => { io.stderr(`${line}\n`) },
    maxSessions: options.maxSessions,
    ...storeOf(options),
    journalSize: options.journalSize,
    maxDelayMs: options.maxDelay,
    strict: options.strict || options.errors,
    dynamic: options.dynamic,
    seed: options.seed,
    cors: options.cors,
    ...backend(options, io)
  }
  const app: ServedMock = await (options.watch
    ? watchMockServer({ ...mockOptions, onReload: (event) => { printReload(event, io) } })
    : buildMockServer(mockOptions)).finally(() => { progress?.done() })
  let address: string
  try {
    await app.listen({ port: options.port, host: options.host })
    // The address really bound (Fastify names 127.0.0.1 for 0.0.0.0).
    const bound = app.server.address() as AddressInfo
    address = `http://${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`
  } catch (error) {
    await app.close()
    throw error
  }
  const { operations, specs, fixtures, scenarioSets, warnings } = app.understudy
  for (const warning of warnings) io.stderr(`understudy: warning: ${warning}\n`)
  if (!isLoopbackName(options.host)) {
    io.stderr(`understudy: warning: listening on ${options.host}, not this machine only: anyone who can reach ${address} can read the specs and answers${controlToken === undefined ? ', and change sessions and state (set --control-token)' : ''}\n`)
  }
  io.stdout([
    `understudy: ${plural(operations.length, 'operation')} from ${plural(specs.length, 'spec')}, ${plural(fixtures, 'fixture')}, ${plural(scenarioSets.length, 'scenario set')} on ${address}`,
    ...specLines(specs, operations),
    ...(options.list || operations.length <= LISTED_OPERATIONS ? operationLines(operations) : [`  (${operations.length} operations: --list prints them, ${address}/__mock/operations has them)`]),
    `  control panel: ${address}/__mock/, docs: ${address}/__mock/docs`,
    ...(options.watch ? ['  watching the specs, fixtures and scenario sets: a change reloads them'] : []),
    // Connected by now: the URL parsed.
    ...(options.store === undefined ? [] : [`  sessions, state, journal and coverage in ${shownStore(new URL(options.store))}, keys under ${options.storePrefix ?? DEFAULT_STORE_PREFIX}`]),
    ''
  ].join('\n'))
  const signals = ['SIGINT', 'SIGTERM'] as const
  for (const signal of signals) process.once(signal, stopRequested)
  const parent = process.ppid
  const watch = setInterval(() => { if (process.ppid !== parent) stopRequested() }, PARENT_CHECK_MS).unref()

  await stopping
  clearInterval(watch)
  for (const signal of signals) process.off(signal, stopRequested)
  try {
    // A shared store's coverage (every replica's) is read while it is still open.
    const shared = options.store !== undefined && wantsCoverage(options) ? await app.understudy.coverage() : undefined
    await app.close()
    io.stdout('understudy: stopped\n')
    const { proxied } = app.understudy
    if (proxied !== undefined) await reportProxied(proxied, options, io)
    return await reportCoverage(shared === undefined ? app.understudy.coverage : async () => shared, options, io)
  } catch (error) {
    io.stderr(`understudy: error while stopping: ${String(error)}\n`)
    return 1
  }
}

/** The shared store, when there is one. */
function storeOf ({ store, storePrefix }: ServeOptions): Pick<MockServerOptions, 'store'> {
  if (store === undefined) {
    if (storePrefix !== undefined) throw new UnderstudyError('UNDERSTUDY_STORE_OPTION_INVALID', '--store-prefix: only with --store <url>')
    return {}
  }
  return { store: { url: store, ...(storePrefix === undefined ? {} : { prefix: storePrefix }) } }
}

/** The backend requests go to, when there is one. */
function backend ({ proxy, target, fallback, basePath, proxyTimeout, record, overwrite, junit }: ServeOptions, io: CliIo): Pick<MockServerOptions, 'proxy'> {
  const url = target ?? proxy
  if (url === undefined) {
    const needing = fallback ? '--fallback' : basePath.length > 0 ? '--base-path' : record !== undefined ? '--record' : junit !== undefined ? '--junit' : undefined
    if (needing !== undefined) throw new UnderstudyError('UNDERSTUDY_PROXY_OPTION_INVALID', `${needing}: only with a backend (serve --proxy <url>, or understudy proxy --target <url>)`)
    return {}
  }
  return {
    proxy: {
      target: url,
      fallback,
      basePaths: Object.fromEntries(basePath.map(parseBasePathArgument)),
      timeoutMs: proxyTimeout,
      ...(record === undefined ? {} : { record: { dir: record, overwrite, onRecorded: (file: string) => { io.stdout(`understudy: recorded ${path.relative(process.cwd(), file)}\n`) } } })
    }
  }
}

/** What `serve` needs of a mock, watched or not. */
interface ServedMock {
  readonly server: { address: () => AddressInfo | string | null }
  readonly understudy: MockServerInfo
  listen: (options: { port: number, host: string }) => Promise<unknown>
  close: () => Promise<unknown>
}

/** A reload's lines: what is served now and what sessions lost, or why nothing changed. */
function printReload (event: ReloadEvent, io: CliIo): void {
  const changed = event.changed.length === 0 ? '' : ` (${event.changed.slice(0, 3).join(', ')}${event.changed.length > 3 ? `, ${event.changed.length - 3} more` : ''})`
  if (!event.ok) {
    const line = event.error instanceof UnderstudyError ? event.error.format() : event.error.message
    io.stderr(`understudy: not reloaded${changed}: ${line}; still serving what was loaded at ${clock(event.serving.loadedAt)}\n`)
    return
  }
  const { operations, specs, fixtures, scenarioSets, warnings, loadedAt } = event.understudy
  io.stdout(`understudy: reloaded${changed} at ${clock(loadedAt)}: ${plural(operations.length, 'operation')} from ${plural(specs.length, 'spec')}, ${plural(fixtures, 'fixture')}, ${plural(scenarioSets.length, 'scenario set')}\n`)
  for (const warning of warnings) io.stderr(`understudy: warning: ${warning}\n`)
  for (const { session, what, name } of event.dropped) {
    io.stdout(`understudy: session ${session}: ${what === 'set' ? `the scenario set '${name}'` : `${what}'s scenario '${name}'`} is gone: no longer chosen\n`)
  }
}

function clock (date: Date): string {
  return date.toTimeString().slice(0, 8)
}

/** On shutdown, with a backend: how its answers held to the spec, and the JUnit file. */
async function reportProxied (proxied: ProxyTally, options: ServeOptions, io: CliIo): Promise<void> {
  io.stdout(proxied.summary().join('\n') + '\n')
  if (options.junit === undefined) return
  await writeFile(options.junit, formatJunit(proxied.report(), 'understudy proxy'))
  io.stdout(`understudy: JUnit report written to ${options.junit}\n`)
}

function wantsCoverage (options: ServeOptions): boolean {
  return options.coverageReport !== undefined || options.failUnder !== undefined
}

/** On shutdown: a summary, the coverage file, and the exit code (1 under `--fail-under`). */
/** Only when asked for: a report compiles every operation a lazy mock has not. */
async function reportCoverage (coverage: () => Promise<CoverageReport>, options: ServeOptions, io: CliIo): Promise<number> {
  if (!wantsCoverage(options)) return 0
  const report = await coverage()
  io.stdout(summarizeCoverage(report).join('\n') + '\n')
  const under = options.failUnder !== undefined && isUnder(report, options.failUnder)
  if (under) io.stderr(`understudy: coverage ${report.responses.percent}% is under --fail-under ${options.failUnder}%\n`)
  if (options.coverageReport !== undefined) {
    await writeFile(options.coverageReport, JSON.stringify(report, null, 2) + '\n')
    io.stdout(`understudy: coverage report written to ${options.coverageReport}\n`)
  }
  return under ? 1 : 0
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
