import swagger from '@fastify/swagger'
import type { FastifyInstance, FastifyReply } from 'fastify'
import path from 'node:path'
import type { OpenAPIV3 } from 'openapi-types'
import { problem, sendProblem } from '../respond/problem.js'
import type { CompiledOperation } from '../routes/compile-operation.js'
import type { PreparedMock } from './prepare-mock.js'
import { once } from '../once.js'
import type { Scenario } from '../scenario/collect-scenarios.js'
import { CONTROL_PREFIX, mountOf } from '../openapi/index-operations.js'
import type { LoadedSpec } from '../openapi/load-spec.js'
import { docsDocument } from './docs-document.js'
import { registerDocsUi } from './register-docs-ui.js'
import { registerPanel } from './register-panel.js'

export interface OperationSummary {
  spec: string
  operationId: string
  method: string
  path: string
  /**
   * What a request that names no scenario gets when no conditional `when` claims it: the
   * first fixture with `when: {}` (in name order), else the spec's default.
   */
  default: string | undefined
  scenarios: ScenarioSummary[]
}

export interface ScenarioSummary {
  name: string
  status: number
  source: Scenario['source']
  /** Fixtures only: the file (relative to the fixtures folder), its description, and whether a `when` picks it automatically. */
  file?: string
  description?: string
  automatic?: boolean
}

/** A fixture or set file as the control surface shows it: relative to the fixtures folder, never the machine's absolute path. */
export function shownFile (fixturesRoot: string | undefined, file: string): string {
  return fixturesRoot === undefined ? file : path.relative(fixturesRoot, file)
}

export function summarizeOperations (operations: readonly CompiledOperation[], fixturesRoot: string | undefined): OperationSummary[] {
  return operations.map(({ operation, scenarios, defaultScenario, matchers }) => ({
    spec: operation.spec.name,
    operationId: operation.operationId,
    method: operation.method.toUpperCase(),
    path: operation.path,
    default: (matchers.find(({ fixture }) => fixture?.matchesAll === true) ?? defaultScenario)?.name,
    scenarios: scenarios.map(({ name, response, source, fixture }): ScenarioSummary => fixture === undefined
      ? { name, status: response.status, source }
      : { name, status: response.status, source, file: shownFile(fixturesRoot, fixture.file), description: fixture.description, automatic: fixture.when !== undefined })
  }))
}

/** The control surface under /__mock; every body here is serialised once, at start. */
export async function registerControlRoutes (app: FastifyInstance, { specs, operations, fixturesRoot, loadedAt }: PreparedMock): Promise<void> {
  const health = JSON.stringify({ status: 'ok', specs: specs.length, operations: operations.list.length, loadedAt })
  // Serialised when first asked for, once every operation is compiled (lazy: by this request).
  let summaries: string | undefined
  const listing = async (): Promise<string> => (summaries ??= JSON.stringify(summarizeOperations(await operations.compileAll(), fixturesRoot)))
  // What a browser is sent to: under a plugin's prefix (`/mock/__mock/...`) when there is one.
  const base = `${app.prefix}${CONTROL_PREFIX}`
  // Where each spec's operations are served: its servers' path, under the prefix.
  const served = (document: LoadedSpec['document']): string => {
    const mount = mountOf(document)
    return `${app.prefix}${mount === '/' ? '' : mount}` || '/'
  }
  const specList = JSON.stringify(specs.map(({ name, document }) => ({
    name,
    // A sloppy document may have no `info` (a warning at start).
    title: document.info?.title,
    version: document.info?.version,
    openapi: document.openapi,
    mount: served(document),
    url: `${base}/specs/${name}`
  })))
  // Each document serialised on its first request (GitHub's takes 13 MB and a tenth of a second).
  const documents = new Map(specs.map((spec) => [spec.name, once(() => JSON.stringify(spec.document))]))
  // The docs UI's copies: made once each, on first request, with the spec's operations compiled (lazy: by this request) for their scenarios.
  const docsCopies = new Map(specs.map((spec) => [spec.name, once(async () => {
    const compiled = await operations.compileAll(spec.name)
    const summaries = summarizeOperations(compiled, fixturesRoot)
    return JSON.stringify(docsDocument(spec, served(spec.document), compiled.map(({ operation }, index) => ({ pointer: operation.pointer, summary: summaries[index]! }))))
  })]))
  const json = 'application/json'
  const unknownSpec = (reply: FastifyReply, name: string): FastifyReply =>
    sendProblem(reply, problem('not-found', `No spec named '${name}'. Known: ${specs.map((spec) => spec.name).join(', ')}`))

  registerPanel(app)
  app.get(`${CONTROL_PREFIX}/health`, async (_request, reply) => reply.type(json).send(health))
  app.get(`${CONTROL_PREFIX}/operations`, async (_request, reply) => reply.type(json).send(await listing()))
  app.get(`${CONTROL_PREFIX}/specs`, async (_request, reply) => reply.type(json).send(specList))
  app.get<{ Params: { name: string } }>(`${CONTROL_PREFIX}/specs/:name`, async (request, reply) => {
    const document = documents.get(request.params.name)
    if (document === undefined) return unknownSpec(reply, request.params.name)
    return reply.type(json).send(document())
  })
  app.get<{ Params: { name: string } }>(`${CONTROL_PREFIX}/docs/specs/:name`, async (request, reply) => {
    const copy = docsCopies.get(request.params.name)
    if (copy === undefined) return unknownSpec(reply, request.params.name)
    return reply.type(json).send(await copy())
  })

  // Swagger UI shows every spec, one at a time, from its docs copy; @fastify/swagger
  // (static mode) holds the first for /__mock/docs/json and /yaml, as @fastify/swagger-ui has them.
  const first = specs[0] as LoadedSpec
  // A host app with @fastify/swagger of its own keeps it (the UI reads the specs from `urls`, not from it).
  if (!app.hasDecorator('swagger')) await app.register(swagger, { mode: 'static', specification: { document: first.document as OpenAPIV3.Document } })
  const docs = `${CONTROL_PREFIX}/docs`
  registerDocsUi(app, { base: `${app.prefix}${docs}`, route: docs, urls: specs.map(({ name }) => ({ name, url: `${base}/docs/specs/${name}` })) })
  app.get(`${docs}/json`, async (_request, reply) => reply.type(json).send(app.swagger()))
  app.get(`${docs}/yaml`, async (_request, reply) => reply.type('application/x-yaml').send(app.swagger({ yaml: true })))
}
