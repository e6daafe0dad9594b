import { readFileSync } from 'node:fs'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { UnderstudyError } from '../errors.js'
import type { CheckCommandOptions } from './check.js'
import type { ServeOptions } from './serve.js'
import type { StopOptions } from './stop.js'
import type { VerifyCommandOptions } from './verify.js'

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

/** Where a command writes: the process's streams from `main.ts`, strings in the tests. */
export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** Set when stdout is a terminal of that many columns: `serve` shows a progress line while a big spec loads. */
  terminalColumns?: number
}

/**
 * Runs `understudy <argv>` and resolves with its exit code: at once for `check`, `verify`,
 * `init` and `stop`, and for `serve` once the server has stopped. An expected failure (a
 * typed error, a port that cannot be had, an option error) is one line on stderr and 1.
 */
export async function runCli (argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0
  try {
    await buildProgram(io, (code) => { exitCode = code }).parseAsync(argv, { from: 'user' })
    return exitCode
  } catch (error) {
    // Commander has written the help, the version or the option error already.
    if (error instanceof CommanderError) return error.exitCode
    const code = (error as { code?: unknown }).code
    if (error instanceof UnderstudyError) {
      io.stderr(`understudy: ${error.format()}\n`)
    } else if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      const hint = code === 'EADDRINUSE' ? " (another server has it: pick one with --port, or stop it with 'npx understudy stop')" : ''
      io.stderr(`understudy: ${new UnderstudyError('UNDERSTUDY_LISTEN_FAILED', `${(error as Error).message}${hint}`).format()}\n`)
    } else {
      throw error
    }
    return 1
  }
}

function buildProgram (io: CliIo, exit: (code: number) => void): Command {
  const program = new Command()
    .name('understudy')
    .description('OpenAPI mock server and contract-test harness')
    .version(version, '-v, --version')
    // Both are inherited by every command below: an error throws instead of exiting the process.
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("see 'understudy --help'")

  /** A subcommand whose option errors are one line, then where to read more. */
  const command = (name: string): Command => program.command(name).showHelpAfterError(`see 'understudy ${name} --help'`)

  /** What `serve` and `proxy` take: a proxy is a serve whose requests go to a backend. */
  const serveCommand = (name: string, description: string, addTarget: (command: Command) => Command): Command =>
    addTarget(command(name).description(description).argument('[paths...]', 'spec files or folders', ['specs']))
      .option('-p, --port <port>', 'port to listen on (env PORT)', parsePort, process.env.PORT === undefined ? 4010 : parsePort(process.env.PORT))
      .option('-H, --host <host>', 'address to listen on (env HOST); anything but loopback exposes the mock to the network', hostFromEnv())
      .option('--allow-host <name>', 'a Host name besides localhost a request may name (repeatable; DNS rebinding guard)', collect, [])
      .option('--control-origin <origin>', 'an origin besides this machine\'s whose pages may change sessions and state (repeatable)', collect, [])
      .option('--control-token <token>', 'state-changing /__mock calls need Authorization: Bearer <token> (env UNDERSTUDY_CONTROL_TOKEN)')
      .option('--body-limit <bytes>', 'largest accepted request body', parsePositive, 1024 * 1024)
      .option('--request-timeout <ms>', 'longest a client may take to send a whole request (headers: 10 s at most); answer delays not counted', parsePositive, 30_000)
      .option('--fixtures <dir>', 'fixtures folder (default: fixtures, when it exists)')
      .option('--no-fixtures', 'serve the specs\' examples only')
      .option('--lenient', 'skip invalid fixtures and scenario sets with a warning instead of failing', false)
      .option('--list', 'print every operation at start (default: when there are at most 40)', false)
      .option('-w, --watch', 'reload specs, fixtures and scenario sets when they change (a broken edit keeps the old version serving)', false)
      .option('--eager', 'compile every operation at start, so a problem in any stops it (default: each on its first request)', false)
      .option('--max-sessions <count>', 'sessions kept at once (least recently used dropped first)', parsePositive, 1000)
      .option('--store <url>', 'keep sessions, state, journal and coverage in Redis (redis://host:port/db, rediss://), shared by every mock using it (env UNDERSTUDY_STORE)', process.env.UNDERSTUDY_STORE)
      .option('--store-prefix <prefix>', 'with --store: what every key starts with, so two mocks can share one Redis (default: understudy:)')
      .option('--journal-size <count>', 'requests kept in the journal, GET /__mock/requests (0: none)', parseNonNegative, 1000)
      .option('--max-delay <ms>', 'cap on x-mock-delay and fixture delayMs (0: no delays)', parseNonNegative, 30_000)
      .option('--strict', 'answer 500 invalid-response instead of sending a response that does not match the spec', false)
      .option('--errors', 'the same as --strict (Prism\'s name)', false)
      .option('-d, --dynamic', 'fake every body from its schema, unless a request sends x-mock-dynamic: false (Prism\'s -d)', false)
      .option('--seed <seed>', 'seed of faked bodies when a request names none: the same seed, the same bytes')
      .option('--cors', 'answer CORS for any origin (the default)')
      .option('--no-cors', 'no CORS headers, no preflight answers')
      .option('--coverage-report <file>', 'on shutdown, write served/never-served coverage as JSON and print a summary')
      .option('--fail-under <percent>', 'on shutdown, exit 1 when less than this share of documented responses was served', parsePercent)
      .option('--log', 'log every request (Fastify logger)', false)
      .option('--ref-root <dir>', 'a folder besides the specs\' own that their $refs may read (repeatable)', collect, [])
      .option('--fallback', 'with a backend: answer from the mock when it has no such route (404, 405, 501) or cannot be reached', false)
      .option('--base-path <spec=/prefix>', 'with a backend: where it mounts a spec\'s API, instead of its servers[0] path (repeatable)', collect, [])
      .option('--record <dir>', 'with a backend: write each distinct answer that matches the spec as a fixture under <dir>/<spec>/<operationId>/')
      .option('--overwrite', 'with --record: replace a recorded fixture of the same name', false)
      .option('--junit <file>', 'with a backend: on shutdown, write its answers and how they broke the spec as JUnit XML')
      .option('--proxy-timeout <ms>', 'with a backend: longest wait for its headers, then for each chunk of its body', parsePositive, 30_000)
      // Each command loads its own modules: `--version`, `init` and `stop` never load Fastify.
      .action(async (paths: string[], options: ServeOptions) => { exit(await (await import('./serve.js')).serve(paths, options, io)) })

  serveCommand('serve', 'serve mocks of every OpenAPI document found in the given files and folders',
    (serve) => serve.option('--proxy <url>', 'forward requests to this backend and check its answers against the specs (see understudy proxy)'))
  serveCommand('proxy', 'forward requests to a backend, checking requests and answers against the specs; a scenario header, Prefer or a session choice answers from the mock',
    // Checked by the proxy (checkTarget), so a bad URL is one line, not the error and the help.
    (proxy) => proxy.requiredOption('--target <url>', 'the backend: its base URL'))

  command('check')
    .description('check specs and fixtures: documents, examples, fixtures, operationIds and routes; exit 1 on any problem')
    .argument('[paths...]', 'spec files or folders', ['specs'])
    .option('--fixtures <dir>', 'fixtures folder (default: fixtures, when it exists)')
    .option('--no-fixtures', 'check the specs only')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--ref-root <dir>', 'a folder besides the specs\' own that their $refs may read (repeatable)', collect, [])
    .action(async (paths: string[], options: CheckCommandOptions) => { exit(await (await import('./check.js')).check(paths, options, io)) })

  command('verify')
    .description('contract-test a running server against the specs: TAP on stdout, exit 1 on any failure')
    .argument('[paths...]', 'spec files or folders', ['specs'])
    // Checked by verify() (checkTarget), so a bad URL is one line, not the error and the help.
    .requiredOption('--target <url>', 'base URL of the server under test')
    .option('--fixtures <dir>', 'fixtures folder for request: cases (default: fixtures, when it exists)')
    .option('--no-fixtures', 'use the specs\' request examples only')
    .option('--only <operationIds>', 'comma-separated operationIds to verify', parseList)
    .option('--header <header>', "header sent with every request, 'Name: value', or with one spec's, 'spec=Name: value' (repeatable)", collect, [])
    .option('--base-path <spec=/prefix>', 'where the target mounts a spec\'s API, instead of its servers[0] path (repeatable)', collect, [])
    .option('--scenario-header [name]', 'drive a mock: send each case\'s scenario in this header (default name: x-mock-scenario)')
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--timeout <ms>', 'per-request timeout', parsePositive, 10_000)
    .option('--ref-root <dir>', 'a folder besides the specs\' own that their $refs may read (repeatable)', collect, [])
    .action(async (paths: string[], options: VerifyCommandOptions) => { exit(await (await import('./verify.js')).verifyCommand(paths, options, io)) })

  command('stop')
    .description('stop the understudy serve on this machine (its coverage report written, its exit code set): for npx in CI, where kill -INT does not reach it')
    .option('-p, --port <port>', 'the port it listens on (env PORT)', parsePort, process.env.PORT === undefined ? 4010 : parsePort(process.env.PORT))
    .option('-H, --host <host>', 'the address it listens on (env HOST)', hostFromEnv())
    .option('--timeout <ms>', 'how long to wait for it to stop', parsePositive, 10_000)
    .action(async (options: StopOptions) => { await (await import('./stop.js')).stop(options, io) })

  command('init')
    .description('write an example spec to specs/ and a fixture and a scenario set to fixtures/, to start from')
    .argument('[dir]', 'the project folder', '.')
    .action(async (dir: string) => { await (await import('./init.js')).init(dir, io) })

  return program
}

/** $HOST, where an empty one is the default (it would otherwise listen on every interface). */
function hostFromEnv (): string {
  const host = process.env.HOST?.trim()
  return host === undefined || host === '' ? '127.0.0.1' : host
}

function parsePort (value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535')
  return port
}

function parseNonNegative (value: string): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('a whole number, 0 or more')
  return number
}

function parsePercent (value: string): number {
  const number = Number(value)
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 100) throw new InvalidArgumentError('a percentage from 0 to 100')
  return number
}

function parseList (value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter(Boolean)
}

function collect (value: string, previous: string[]): string[] {
  return [...previous, value]
}

function parsePositive (value: string): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError('a whole number above 0')
  return number
}
