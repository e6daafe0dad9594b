import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { warmUp } from '../dist/routes/warm-up.js'
import type { InjectOptions } from 'fastify'
import { buildMockServer, type MockServer } from '../dist/index.js'
import { indexSpec } from '../dist/openapi/index-operations.js'
import { loadSpecs } from '../dist/openapi/load-spec.js'
import { compileOperation } from '../dist/routes/compile-operation.js'
import { OperationRegistry } from '../dist/routes/operation-registry.js'
import { createSchemaCompiler } from '../dist/validate/create-schema-compiler.js'
import { FIXTURES, SPECS, runCli, testSpec } from './helpers.js'

// `serve` compiles an operation on its first request (once), so a spec of a thousand
// operations starts in seconds; `--eager` (the library's default) compiles every one at start.
const CYCLIC = testSpec('lazy/cyclic-example.yaml')
const POST = '/api/v1/posts/497f6eca-6276-4993-bfeb-53cbbbba6f08/cancel'
const CRAFTER = '/studio/api/1/services/api/1'
const PIMAGE = '/api/users/root/appliances/12/images/34/pimages/56/cancel'
const BEARER = { authorization: 'Bearer t' }
const BASIC = { authorization: 'Basic ' + Buffer.from('root:secret').toString('base64') }
const JSON_BODY = { ...BEARER, 'content-type': 'application/json' }

/** Every kind of answer: defaults, scenarios, sets, fixtures with state, invalid requests, faked bodies, XML, the control surface. */
const REQUESTS: InjectOptions[] = [
  { method: 'POST', url: POST, headers: BEARER },
  { method: 'POST', url: POST, headers: BEARER },
  { method: 'POST', url: POST },
  { method: 'POST', url: '/api/v1/posts/not-a-uuid/cancel', headers: BEARER },
  { method: 'POST', url: POST, headers: { ...BEARER, 'x-mock-scenario': 'rateLimited' } },
  { method: 'POST', url: POST, headers: { ...BEARER, 'x-mock-dynamic': 'true', 'x-mock-seed': '7' } },
  { method: 'POST', url: POST, headers: { ...BEARER, prefer: 'code=404' } },
  { method: 'POST', url: `${CRAFTER}/publish/cancel-publish-requests.json`, headers: JSON_BODY, payload: '{"site_id":"mysite","package_ids":["588d5441-9aa9-4fb7-9a51-8c9a80f4f1d5"]}' },
  { method: 'POST', url: `${CRAFTER}/publish/cancel-publish-requests.json`, headers: JSON_BODY, payload: '{"site_id":' },
  { method: 'POST', url: `${CRAFTER}/publish/cancel-publish-requests.json`, headers: JSON_BODY, payload: '{"site_id":1}' },
  { method: 'POST', url: `${CRAFTER}/publish/stop.json?site_id=nosuch`, headers: BEARER },
  { method: 'POST', url: `${CRAFTER}/publish/stop.json?site_id=mysite`, headers: { ...BEARER, 'x-mock-scenario': 'publisher-down' } },
  { method: 'POST', url: `${CRAFTER}/publish/stop.json?site_id=mysite`, headers: { ...BEARER, 'x-mock-dynamic': 'true', 'x-mock-seed': '3' } },
  { method: 'POST', url: `${CRAFTER}/workflow/reject.json`, headers: JSON_BODY, payload: '{"site_id":"mysite","items":[]}' },
  { method: 'DELETE', url: PIMAGE, headers: BASIC },
  { method: 'DELETE', url: PIMAGE, headers: { ...BASIC, accept: 'application/json' } },
  { method: 'DELETE', url: PIMAGE, headers: { ...BASIC, 'x-mock-dynamic': 'true', 'x-mock-seed': '1' } },
  { method: 'GET', url: POST },
  { method: 'GET', url: '/__mock/operations' },
  { method: 'GET', url: '/__mock/coverage' },
  { method: 'GET', url: '/__mock/sessions/default' }
]

async function answers (app: MockServer): Promise<unknown[]> {
  const all: unknown[] = []
  for (const request of REQUESTS) {
    const res = await app.inject(request)
    // Date is the clock's, not the answer's: the two runs may fall in different seconds.
    const { date, ...headers } = res.headers
    all.push([`${String(request.method)} ${String(request.url)}`, res.statusCode, headers, res.rawPayload.toString('base64')])
  }
  return all
}

t.test('lazy and eager compilation answer byte for byte the same', async (t) => {
  const eager = await buildMockServer({ specs: [SPECS], fixtures: FIXTURES })
  const lazy = await buildMockServer({ specs: [SPECS], fixtures: FIXTURES, compile: 'lazy' })
  t.teardown(async () => { await eager.close(); await lazy.close() })
  t.strictSame(lazy.understudy.operations, eager.understudy.operations)
  t.strictSame(lazy.understudy.warnings, eager.understudy.warnings)
  t.strictSame(await answers(lazy), await answers(eager))
})

t.test('an operation is compiled once: requests racing its first compilation wait for that one', async (t) => {
  const [spec] = await loadSpecs([testSpec('plain.yaml')])
  const [operation] = indexSpec(spec!)
  const compiler = createSchemaCompiler(spec!)
  let compilations = 0
  const registry = new OperationRegistry([{ operation: operation!, fixtures: [] }], async (op, fixtures) => {
    compilations++
    await sleep(20)
    return await compileOperation(op, compiler, fixtures, { problem: (error) => { throw error }, tolerate: () => {}, warn: () => {} })
  }, () => {})
  const entry = registry.get(operation!.operationId)!
  t.equal(entry.ready, undefined, 'nothing compiled at start')
  const compiled = await Promise.all(Array.from({ length: 20 }, async () => await entry.compiled()))
  t.equal(compilations, 1)
  t.ok(compiled.every((one) => one === compiled[0]), 'every caller gets the one compiled operation')
  t.equal(entry.ready, compiled[0])

  // Over HTTP: 20 first requests at once, one answer.
  const app = await buildMockServer({ specs: [SPECS], fixtures: false, compile: 'lazy' })
  t.teardown(async () => await app.close())
  const raced = await Promise.all(Array.from({ length: 20 }, async () => await app.inject({ method: 'POST', url: POST, headers: BEARER })))
  const expected = await buildMockServer({ specs: [SPECS], fixtures: false }).then(async (eager) => {
    const res = await eager.inject({ method: 'POST', url: POST, headers: BEARER })
    await eager.close()
    return [res.statusCode, res.body]
  })
  t.strictSame(raced.map((res) => [res.statusCode, res.body]), Array(20).fill(expected))
})

t.test('what stops an operation: --eager stops startup; lazy serves the rest, answers it 500 and says why once', async (t) => {
  const reason = 'An operation cannot be mocked: getLoop: Converting circular structure to JSON'
  await t.rejects(buildMockServer({ specs: [CYCLIC], fixtures: false }), { code: 'UNDERSTUDY_OPERATION_INVALID', file: CYCLIC, pointer: '/paths/~1loop/get', message: reason })
  const warnings: string[] = []
  const app = await buildMockServer({ specs: [CYCLIC], fixtures: false, compile: 'lazy', onWarning: (line) => warnings.push(line) })
  t.teardown(async () => await app.close())
  const fine = await app.inject({ url: '/fine' })
  t.strictSame([fine.statusCode, fine.json()], [200, { ok: true }])
  for (let i = 0; i < 2; i++) {
    const loop = await app.inject({ url: '/loop' })
    t.equal(loop.statusCode, 500)
    t.equal(loop.headers['content-type'], 'application/problem+json')
    t.strictSame(loop.json(), { type: 'urn:understudy:error:invalid-operation', title: 'Operation cannot be mocked', status: 500, detail: `${reason} (at /paths/~1loop/get)`, operationId: 'getLoop' })
  }
  t.strictSame(warnings, [`understudy: error: UNDERSTUDY_OPERATION_INVALID ${CYCLIC}#/paths/~1loop/get: ${reason}; its requests are answered 500 urn:understudy:error:invalid-operation`])
  const listed = (await app.inject({ url: '/__mock/operations' })).json() as Array<{ operationId: string }>
  t.strictSame(listed.map(({ operationId }) => operationId), ['getFine'], 'the listing holds what can be mocked')
})

t.test('understudy serve --eager: one typed line and exit 1 where serve would start', async (t) => {
  const eager = await runCli(['serve', CYCLIC, '--eager', '--no-fixtures', '--port', '0'])
  t.equal(eager.code, 1)
  t.equal(eager.stdout, '')
  t.equal(eager.stderr, `understudy: UNDERSTUDY_OPERATION_INVALID ${CYCLIC}#/paths/~1loop/get: An operation cannot be mocked: getLoop: Converting circular structure to JSON\n`)
})

t.test('operations sharing a route: one that cannot be compiled leaves the route to the others, as --lenient does at start', async (t) => {
  const spec = testSpec('lazy/shared-route.yaml')
  const warnings: string[] = []
  const app = await buildMockServer({ specs: [spec], fixtures: false, compile: 'lazy', onWarning: (line) => warnings.push(line) })
  t.teardown(async () => await app.close())
  const one = await app.inject({ url: '/x?Action=One' })
  t.strictSame([one.statusCode, one.json()], [200, { action: 'one' }])
  t.equal(warnings.length, 1)
  t.match(warnings[0], `understudy: error: UNDERSTUDY_OPERATION_INVALID ${spec}#/paths/~1x#Action=Two/get: An operation cannot be mocked: two: Converting circular structure to JSON`)
  const lenient = await buildMockServer({ specs: [spec], fixtures: false, lenient: true })
  t.teardown(async () => await lenient.close())
  const eager = await lenient.inject({ url: '/x?Action=One' })
  t.strictSame([eager.statusCode, eager.json()], [200, { action: 'one' }])
})

t.test('the warm-up run once listening (lazy) compiles, fakes and serialises a document of its own, for both drafts', async (t) => {
  for (const version of ['3.0', '3.1'] as const) await t.resolves(warmUp(version), `${version}: AJV takes its schemas as they are`)
})
