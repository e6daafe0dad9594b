#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander'
import { UnderstudyError } from '../errors.js'
import { serve } from './serve.js'

const program = new Command()
  .name('understudy')
  .description('OpenAPI mock server and contract-test harness')
  .showHelpAfterError()

program.command('serve')
  .description('serve mocks of every OpenAPI document found in the given files and folders')
  .argument('[paths...]', 'spec files or folders', ['specs'])
  .option('-p, --port <port>', 'port to listen on (env PORT)', parsePort, process.env.PORT === undefined ? 4010 : parsePort(process.env.PORT))
  .option('-H, --host <host>', 'address to listen on (env HOST)', process.env.HOST ?? '127.0.0.1')
  .option('--body-limit <bytes>', 'largest accepted request body', parsePositive, 1024 * 1024)
  .option('--fixtures <dir>', 'fixtures folder (default: fixtures, when it exists)')
  .option('--no-fixtures', 'serve the specs\' examples only')
  .option('--lenient', 'skip invalid fixtures and scenario sets with a warning instead of failing', false)
  .option('--max-sessions <count>', 'sessions kept at once (least recently used dropped first)', parsePositive, 1000)
  .option('--max-delay <ms>', 'cap on x-mock-delay and fixture delayMs (0: no delays)', parseNonNegative, 30_000)
  .option('--log', 'log every request (Fastify logger)', false)
  .action(serve)

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

function parsePositive (value: string): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError('a whole number above 0')
  return number
}

try {
  await program.parseAsync()
} catch (error) {
  const code = (error as { code?: unknown }).code
  if (error instanceof UnderstudyError) {
    process.stderr.write(`understudy: ${error.format()}\n`)
  } else if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
    process.stderr.write(`understudy: cannot listen: ${(error as Error).message}\n`)
  } else {
    throw error
  }
  process.exitCode = 1
}
