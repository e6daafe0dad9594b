import cors from '@fastify/cors'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { compileOperation, type CompiledOperation } from '../routes/compile-operation.js'
import { registerBodyParsers } from '../routes/register-body-parsers.js'
import { registerOperationRoutes } from '../routes/register-operation-routes.js'
import { buildOperationIndex } from '../spec/index-operations.js'
import { loadSpecs, type LoadedSpec } from '../spec/load-spec.js'
import { createSchemaCompiler } from '../validate/create-schema-compiler.js'
import { answerError, handleErrors } from './handle-errors.js'
import { registerControlRoutes, summarizeOperations, type OperationSummary } from './register-control-routes.js'

export interface MockServerOptions {
  /** Spec files or folders of them. Default: `['specs']`. */
  specs?: readonly string[]
  /** Fastify's logger option. Default: off. */
  logger?: FastifyServerOptions['logger']
  /** Largest request body in bytes; larger ones get 413. Default: 1 MiB. */
  bodyLimit?: number
}

export interface MockServerInfo {
  specs: ReadonlyArray<Pick<LoadedSpec, 'name' | 'file'>>
  operations: readonly OperationSummary[]
}

declare module 'fastify' {
  interface FastifyInstance {
    understudy: MockServerInfo
  }
}

/**
 * load specs → index operations → compile validators and pre-serialise bodies → register
 * routes. Everything here runs once; requests only look things up.
 */
export async function buildMockServer (options: MockServerOptions = {}): Promise<FastifyInstance> {
  const specs = await loadSpecs(options.specs ?? ['specs'])
  const indexed = buildOperationIndex(specs)
  const compilers = new Map(specs.map((spec) => [spec, createSchemaCompiler(spec)]))
  const operations: CompiledOperation[] = []
  for (const operation of indexed) operations.push(await compileOperation(operation, compilers.get(operation.spec)!))

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Fastify's default (100) answers 414 to ids a real API takes in its stride.
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: answerError
  })
  const summaries = summarizeOperations(operations)
  app.decorate('understudy', { specs: specs.map(({ name, file }) => ({ name, file })), operations: summaries })
  // Browsers call the mock from another origin: reflect it, and let scripts read our headers.
  await app.register(cors, {
    origin: true,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: ['x-mock-scenario', 'x-mock-violations'],
    // An OPTIONS that is not a preflight is not a client error.
    strictPreflight: false
  })
  registerBodyParsers(app)
  handleErrors(app)
  await registerControlRoutes(app, specs, summaries)
  registerOperationRoutes(app, operations)
  return app
}
