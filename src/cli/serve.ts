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
}

/** Starts the mock, prints what it mounted, and closes cleanly on SIGINT/SIGTERM. */
export async function serve (paths: string[], options: ServeOptions): Promise<void> {
  const app = await buildMockServer({
    specs: paths,
    bodyLimit: options.bodyLimit,
    logger: options.log,
    fixtures: options.fixtures === true ? undefined : options.fixtures,
    lenient: options.lenient,
    maxSessions: options.maxSessions,
    maxDelayMs: options.maxDelay
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
      app.close().then(() => process.stdout.write('understudy: stopped\n'), (error: unknown) => {
        process.stderr.write(`understudy: error while stopping: ${String(error)}\n`)
        process.exitCode = 1
      })
    })
  }
}
