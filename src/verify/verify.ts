import { FAIL_FAST } from '../errors.js'
import { fixturesRoot, readFixtures, type FixtureSource } from '../fixture/read-fixtures.js'
import { buildOperationIndex, operationsBySpec } from '../openapi/index-operations.js'
import { loadSpecs, type LoadedSpec } from '../openapi/load-spec.js'
import { createSchemaCompiler, type SchemaCompiler } from '../validate/create-schema-compiler.js'
import { buildCases, type VerifyCase } from './build-cases.js'
import { buildRequest } from './build-request.js'
import { compileResponseCheck, type ResponseCheck } from './check-response.js'
import { readFixtureRequests } from './read-fixture-requests.js'
import { sendCase } from './send-case.js'
import { checkBasePath, checkHeaderName, checkHeaders, checkNames, checkTarget, checkTimeout, optionError } from './validate-options.js'
import type { CaseResult, VerifyReport } from './verify-report.js'

export interface VerifyOptions {
  /** Base URL of the server under test: `http://127.0.0.1:8080`. */
  target: string
  /** Spec files or folders of them. Default: `['specs']`. */
  specs?: readonly string[]
  /** Folders besides the specs' own that their `$ref`s may read files from. Default: none. */
  refRoots?: readonly string[]
  /** The fixtures folder (for `request:` cases and scenarios), or false for none. Default: `fixtures` if it exists. */
  fixtures?: string | false
  /** Only these operationIds. Default: every operation. */
  only?: readonly string[]
  /** Sent with every request (credentials, say). A case's own headers win. */
  headers?: Readonly<Record<string, string>>
  /** Spec name → headers for that spec's requests only; they win over `headers`. */
  specHeaders?: Readonly<Record<string, Readonly<Record<string, string>>>>
  /** Spec name → where the target mounts that API, instead of its first server URL's path. */
  basePaths?: Readonly<Record<string, string>>
  /** Drive a mock: send each case's scenario in this header, and add a case per scenario. */
  scenarioHeader?: string
  /** Per request, response body included. Default: 10000. */
  timeoutMs?: number
  /** Called once the cases are known, before the first is sent. */
  onStart?: (total: number) => void
  /** Called after each case, in order (for streaming output). */
  onCase?: (result: CaseResult, index: number) => void
}

interface PlannedCase {
  verifyCase: VerifyCase
  check: ResponseCheck
}

/**
 * Contract-tests a running server against the specs: builds every case (examples,
 * fixtures, a generated request, scenarios), sends them one after another, and checks each
 * answer. Option mistakes throw an UnderstudyError; a server's deviations are results.
 */
export async function verify (options: VerifyOptions): Promise<VerifyReport> {
  const target = checkTarget(options.target)
  const timeoutMs = checkTimeout(options.timeoutMs ?? 10_000)
  const headers = checkHeaders(options.headers ?? {})
  const scenarioHeader = options.scenarioHeader === undefined ? undefined : checkHeaderName(options.scenarioHeader, '--scenario-header')
  const specs = await loadSpecs(options.specs ?? ['specs'], undefined, options.refRoots)
  const specNames = new Set(specs.map((spec) => spec.name))
  checkNames('--base-path', 'spec', Object.keys(options.basePaths ?? {}), specNames)
  checkNames('--header', 'spec', Object.keys(options.specHeaders ?? {}), specNames)
  const basePaths = new Map(Object.entries(options.basePaths ?? {}).map(([spec, prefix]) => [spec, checkBasePath(spec, prefix)]))
  const specHeaders = new Map(Object.entries(options.specHeaders ?? {}).map(([spec, values]) => [spec, checkHeaders(values)]))
  const operations = buildOperationIndex(specs)
  if (options.only !== undefined) {
    if (options.only.length === 0) throw optionError('--only', 'names no operation')
    checkNames('--only', 'operation', options.only, new Set(operations.map((o) => o.operationId)))
  }
  const only = options.only === undefined ? undefined : new Set(options.only)

  const warnings: string[] = []
  const root = options.fixtures === false ? undefined : await fixturesRoot(options.fixtures)
  const fixtures: FixtureSource[] = root === undefined
    ? []
    : (await readFixtures(root, operationsBySpec(operations), { ...FAIL_FAST, warn: (message) => warnings.push(message) })).fixtures

  const compilers = new Map<LoadedSpec, SchemaCompiler>()
  const planned: PlannedCase[] = []
  for (const operation of operations) {
    if (only !== undefined && !only.has(operation.operationId)) continue
    let compiler = compilers.get(operation.spec)
    if (compiler === undefined) compilers.set(operation.spec, compiler = createSchemaCompiler(operation.spec))
    const check = compileResponseCheck(operation, compiler)
    const own = fixtures.filter((fixture) => fixture.spec === operation.spec.name && fixture.operationId === operation.operationId)
    for (const verifyCase of await buildCases(operation, readFixtureRequests(operation, own), scenarioHeader !== undefined)) {
      planned.push({ verifyCase, check })
    }
  }

  options.onStart?.(planned.length)
  const cases: CaseResult[] = []
  for (const [index, { verifyCase, check }] of planned.entries()) {
    const { operation, name, source, scenario, expectedStatus } = verifyCase
    const spec = operation.spec.name
    const request = buildRequest(operation, verifyCase.request, {
      target,
      basePath: basePaths.get(spec),
      headers: { ...headers, ...specHeaders.get(spec) },
      scenario: scenarioHeader === undefined || scenario === undefined ? undefined : [scenarioHeader, scenario]
    })
    const exchange = await sendCase(request, timeoutMs)
    const failures = exchange.ok
      ? check({ method: request.method, expectedStatus, scenario, response: exchange.response })
      : [exchange.failure]
    const result: CaseResult = {
      name: `${spec} ${operation.operationId} ${name}`,
      spec,
      operationId: operation.operationId,
      case: name,
      source,
      ...(scenario === undefined ? {} : { scenario }),
      ...(expectedStatus === undefined ? {} : { expectedStatus }),
      request,
      ...(exchange.ok ? { response: exchange.response } : {}),
      durationMs: exchange.durationMs,
      ok: failures.length === 0,
      failures
    }
    cases.push(result)
    options.onCase?.(result, index)
  }
  const failed = cases.filter((result) => !result.ok).length
  return { passed: cases.length - failed, failed, cases, warnings }
}
