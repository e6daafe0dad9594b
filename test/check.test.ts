import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { check, type CheckProblem, type CheckReport } from '../dist/index.js'
import { FIXTURES, ROOT, SPECS, runCli } from './helpers.js'

const INPUT = path.join(ROOT, 'test/check')
const SHIPPED = { specs: 3, operations: 5, fixtures: 17, scenarioSets: 3, examples: 43 }

/** Paths relative to the repository, so expectations read like the CLI's output there. */
function relative (report: CheckReport): CheckReport {
  const strip = (text: string): string => text.replaceAll(ROOT, '')
  return {
    ...report,
    problems: report.problems.map((problem) => ({ ...problem, file: problem.file === null ? null : strip(problem.file), message: strip(problem.message) })),
    warnings: report.warnings.map(strip)
  }
}

const A = 'test/check/specs/alpha.yaml'
const B = 'test/check/specs/beta.yaml'
const F = 'test/check/fixtures'
const THING = '/paths/~1things~1{thingId}'

/** Every problem of test/check/specs, test/check/nothing.yaml and test/check/fixtures, in report order. */
const PROBLEMS: CheckProblem[] = [
  { code: 'UNDERSTUDY_FIXTURE_INVALID', file: `${F}/alpha/getThing/bad.name.yaml`, pointer: null, message: "The fixture is invalid: 'bad.name' is not a plain name (letters, digits, - and _, up to 128 characters)" },
  { code: 'UNDERSTUDY_SCENARIO_DUPLICATE', file: `${F}/alpha/getThing/found.yaml`, pointer: null, message: "A fixture has the name of another scenario of its operation: 'found' is also the name of the example of 200 in getThing" },
  { code: 'UNDERSTUDY_FIXTURE_INVALID', file: `${F}/alpha/getThing/nameless.yaml`, pointer: '/body/name', message: "The fixture is invalid: the body does not match the 200 application/json schema: /name must have required property 'name'" },
  { code: 'UNDERSTUDY_FIXTURE_INVALID', file: `${F}/alpha/getThing/plainText.yaml`, pointer: '/mediaType', message: 'The fixture is invalid: text/plain is not declared for 200 (declared: application/json)' },
  { code: 'UNDERSTUDY_FIXTURE_INVALID', file: `${F}/alpha/getThing/teapot.yaml`, pointer: '/status', message: 'The fixture is invalid: 418 is not documented for getThing (documented: 200, 404)' },
  { code: 'UNDERSTUDY_FIXTURE_INVALID', file: `${F}/alpha/nosuchOperation`, pointer: null, message: "The fixture is invalid: alpha has no operation 'nosuchOperation' (it has getThing, putThing, listThings)" },
  { code: 'UNDERSTUDY_SCENARIO_SET_INVALID', file: `${F}/sets/broken.yaml`, pointer: '/scenarios/getThing', message: "The scenario set is invalid: getThing has no scenario 'nope' (it has found, wrongType, shared, 404, missing, nameless)" },
  { code: 'UNDERSTUDY_SPEC_NOT_FOUND', file: 'test/check/nothing.yaml', pointer: null, message: 'No such file or directory: test/check/nothing.yaml' },
  { code: 'UNDERSTUDY_EXAMPLE_INVALID', file: A, pointer: '/components/examples/nameless/value/name', message: "An example does not match its schema: must have required property 'name' (schema #/components/schemas/Thing)" },
  { code: 'UNDERSTUDY_EXAMPLE_INVALID', file: A, pointer: '/paths/~1things/get/responses/200/headers/X-Total/example', message: 'An example does not match its schema: must be integer' },
  { code: 'UNDERSTUDY_EXAMPLE_INVALID', file: A, pointer: `${THING}/get/parameters/0/example`, message: 'An example does not match its schema: must be >= 1' },
  { code: 'UNDERSTUDY_EXAMPLE_INVALID', file: A, pointer: `${THING}/get/parameters/1/examples/text/value`, message: 'An example does not match its schema: must be array' },
  { code: 'UNDERSTUDY_EXAMPLE_INVALID', file: A, pointer: `${THING}/get/responses/200/content/application~1json/examples/wrongType/value/id`, message: 'An example does not match its schema: must be integer' },
  { code: 'UNDERSTUDY_RESPONSE_UNDESCRIBED', file: A, pointer: `${THING}/get/responses/404/content/application~1json`, message: 'A documented response has neither example nor schema: application/json has no schema and no example value, so the mock would send an empty body' },
  { code: 'UNDERSTUDY_EXAMPLE_INVALID', file: A, pointer: `${THING}/put/requestBody/content/application~1json/example/id`, message: "An example does not match its schema: must have required property 'id'" },
  { code: 'UNDERSTUDY_RESPONSE_UNDESCRIBED', file: A, pointer: `${THING}/put/responses/400/content/text~1plain`, message: 'A documented response has neither example nor schema: text/plain has no schema and no example value, so the mock would send an empty body' },
  { code: 'UNDERSTUDY_RESERVED_PATH', file: B, pointer: '/paths/~1__mock~1things/get', message: 'An operation is mounted under the reserved /__mock prefix: /__mock/things is not served' },
  { code: 'UNDERSTUDY_OPERATION_ID_DUPLICATE', file: B, pointer: '/paths/~1things/post', message: `An operationId is used twice: 'getThing' is also getThing in ${A}#${THING}/get; this one is served as 'getThing_2'` },
  { code: 'UNDERSTUDY_ROUTE_COLLISION', file: B, pointer: '/paths/~1things~1{id}/get', message: `Two operations answer the same method and path: GET /things/{id} is also getThing in ${A}#${THING}/get; a request goes to the first whose path parameters it matches` },
  { code: 'UNDERSTUDY_SPEC_INVALID', file: 'test/check/specs/invalid.yaml', pointer: '/paths/~1x/get/parameters/0/in', message: 'The document is not a valid OpenAPI document: must be equal to one of the allowed values: query, header, path, cookie' },
  { code: 'UNDERSTUDY_SPEC_INVALID', file: 'test/check/specs/invalid.yaml', pointer: '/paths/~1x/get/responses/200', message: "The document is not a valid OpenAPI document: must have required property 'description'" },
  { code: 'UNDERSTUDY_SPEC_INVALID', file: 'test/check/specs/invalid.yaml', pointer: '/paths/~1x/get/responses/404', message: "The document is not a valid OpenAPI document: must NOT have unevaluated properties 'colour'" },
  { code: 'UNDERSTUDY_SPEC_PARSE', file: 'test/check/specs/syntax.yaml', pointer: null, message: 'The file is not valid YAML or JSON: Flow map in block collection must be sufficiently indented and end with a } at line 3, column 1' }
]
const BROKEN: CheckReport = {
  ok: false,
  // alpha, beta and invalid load (syntax does not: an invalid document is still mocked); beta's four operations count, though one route is taken.
  checked: { specs: 3, operations: 8, fixtures: 6, scenarioSets: 2, examples: 9 },
  problems: PROBLEMS,
  warnings: [`${F}/ghost: no loaded spec is named 'ghost'; its fixtures are not used`]
}

t.test('the shipped specs and fixtures have no problems', async (t) => {
  t.strictSame(await check({ specs: [SPECS], fixtures: FIXTURES }), { ok: true, checked: SHIPPED, problems: [], warnings: [] })
})

t.test('without fixtures, the specs alone', async (t) => {
  t.strictSame(await check({ specs: [SPECS], fixtures: false }),
    { ok: true, checked: { ...SHIPPED, fixtures: 0, scenarioSets: 0 }, problems: [], warnings: [] })
})

t.test('every problem of every kind, in one run, sorted by file then pointer', async (t) => {
  const report = await check({ specs: [path.join(INPUT, 'specs'), path.join(INPUT, 'nothing.yaml')], fixtures: path.join(INPUT, 'fixtures') })
  t.strictSame(relative(report), BROKEN)
})

t.test('an invalid 3.0 document: each mistake once, without the oneOf branches', async (t) => {
  const dir = t.testdir({
    'old.yaml': [
      'openapi: 3.0.3',
      'info: { title: Old, version: "1" }',
      'paths:',
      '  /x:',
      '    get:',
      '      parameters: [{ name: a, in: body, schema: { type: string } }]',
      '      responses:',
      "        '200': { content: {} }",
      "        '404': { description: 5 }",
      ''
    ].join('\n')
  })
  const report = await check({ specs: [dir], fixtures: false })
  const file = path.join(dir, 'old.yaml')
  const invalid = 'The document is not a valid OpenAPI document: '
  t.strictSame(report.problems, [
    { code: 'UNDERSTUDY_SPEC_INVALID', file, pointer: '/paths/~1x/get/parameters/0/in', message: `${invalid}must be equal to one of the allowed values: path, query, header, cookie` },
    { code: 'UNDERSTUDY_SPEC_INVALID', file, pointer: '/paths/~1x/get/responses/200', message: `${invalid}must have required property 'description'` },
    { code: 'UNDERSTUDY_SPEC_INVALID', file, pointer: '/paths/~1x/get/responses/404/description', message: `${invalid}must be string` }
  ])
})

t.test('a 3.0 document: nullable examples are valid, a shared component example is checked once per schema', async (t) => {
  const dir = t.testdir({
    'api.yaml': [
      'openapi: 3.0.3',
      'info: { title: Api, version: "1" }',
      'paths:',
      '  /a:',
      '    get:',
      '      responses:',
      "        '200':",
      '          description: A',
      '          content:',
      '            application/json:',
      "              schema: { $ref: '#/components/schemas/Named' }",
      "              examples: { one: { $ref: '#/components/examples/one' }, none: { value: { name: null } } }",
      '            application/xml:',
      "              schema: { $ref: '#/components/schemas/Named' }",
      "              examples: { one: { $ref: '#/components/examples/one' } }",
      '  /b:',
      '    get:',
      '      responses:',
      "        '200':",
      '          description: B',
      '          content:',
      '            application/json:',
      '              schema: { type: object, required: [id], properties: { id: { type: integer } } }',
      "              examples: { one: { $ref: '#/components/examples/one' } }",
      'components:',
      '  schemas:',
      '    Named: { type: object, properties: { name: { type: string, nullable: true } } }',
      '  examples:',
      '    one: { value: { name: Ann } }',
      ''
    ].join('\n')
  })
  const report = await check({ specs: [dir], fixtures: false })
  t.strictSame(report.checked, { specs: 1, operations: 2, fixtures: 0, scenarioSets: 0, examples: 3 })
  t.strictSame(report.problems, [{
    code: 'UNDERSTUDY_EXAMPLE_INVALID',
    file: path.join(dir, 'api.yaml'),
    pointer: '/components/examples/one/value/id',
    message: "An example does not match its schema: must have required property 'id' (schema #/paths/~1b/get/responses/200/content/application~1json/schema)"
  }])
})

t.test('nothing to check, and a fixtures folder that is not there, are problems', async (t) => {
  const empty = t.testdir({ 'notes.yaml': 'just: a $ref target\n' })
  t.strictSame(await check({ specs: [empty], fixtures: path.join(empty, 'fixtures') }), {
    ok: false,
    checked: { specs: 0, operations: 0, fixtures: 0, scenarioSets: 0, examples: 0 },
    problems: [
      { code: 'UNDERSTUDY_NO_SPECS', file: null, pointer: null, message: `No OpenAPI document found: in ${empty}` },
      { code: 'UNDERSTUDY_FIXTURES_NOT_FOUND', file: path.join(empty, 'fixtures'), pointer: null, message: `The fixtures folder does not exist: ${path.join(empty, 'fixtures')}` }
    ],
    warnings: []
  })
})

t.test("x-mock-malformed-example and x-mock-invalid-examples must name the response's own examples", async (t) => {
  const file = path.join(ROOT, 'test/specs/sloppy/example-choices.yaml')
  const at = (pointer: string, message: string): CheckProblem =>
    ({ code: 'UNDERSTUDY_EXTENSION_INVALID', file, pointer: `/paths/~1x/post/responses/400/${pointer}`, message: `An x-mock extension names what is not there: ${message}` })
  const report = await check({ specs: [file], fixtures: false })
  t.strictSame(report.problems, [
    at('x-mock-invalid-examples/body', "'missing' is not an example of this response (it has bad)"),
    at('x-mock-invalid-examples/headers', "'headers' is not path, query, header, cookie or body"),
    at('x-mock-malformed-example', "'notJson' is not an example of this response (it has bad)")
  ])
})

/** Runs `understudy check` from the repository root. */
async function runCheck (args: string[]): ReturnType<typeof runCli> {
  return await runCli(['check', ...args])
}

const BROKEN_ARGS = ['test/check/specs', 'test/check/nothing.yaml', '--fixtures', 'test/check/fixtures']

t.test('CLI: the shipped specs and fixtures, exit 0', async (t) => {
  t.strictSame(await runCheck([]), {
    code: 0,
    stdout: 'understudy check: 3 specs, 5 operations, 17 fixtures, 3 scenario sets, 43 examples: no problems\n',
    stderr: ''
  })
})

t.test('CLI: one line per problem, then the summary; warnings on stderr; exit 1', async (t) => {
  const result = await runCheck(BROKEN_ARGS)
  const lines = PROBLEMS.map(({ code, file, pointer, message }) => `${code} ${file ?? ''}${pointer === null ? '' : `#${pointer}`}: ${message}`)
  t.strictSame(result, {
    code: 1,
    stdout: [...lines, 'understudy check: 3 specs, 8 operations, 6 fixtures, 2 scenario sets, 9 examples: 23 problems', ''].join('\n'),
    stderr: `understudy: warning: ${F}/ghost: no loaded spec is named 'ghost'; its fixtures are not used\n`
  })
})

t.test('CLI: --format json prints the report, exit 1 on problems and 0 without', async (t) => {
  const broken = await runCheck([...BROKEN_ARGS, '--format', 'json'])
  t.equal(broken.code, 1)
  t.equal(broken.stderr, '')
  t.strictSame(JSON.parse(broken.stdout), BROKEN)
  const clean = await runCheck(['--no-fixtures', '--format', 'json'])
  t.equal(clean.code, 0)
  t.strictSame(JSON.parse(clean.stdout), { ok: true, checked: { ...SHIPPED, fixtures: 0, scenarioSets: 0 }, problems: [], warnings: [] })
})

t.test('CLI: a missing path is one problem line, no stack trace, exit 1', async (t) => {
  t.strictSame(await runCheck(['no-such-spec.yaml', '--no-fixtures']), {
    code: 1,
    stdout: [
      'UNDERSTUDY_SPEC_NOT_FOUND no-such-spec.yaml: No such file or directory: no-such-spec.yaml',
      'understudy check: 0 specs, 0 operations, 0 fixtures, 0 scenario sets, 0 examples: 1 problem',
      ''
    ].join('\n'),
    stderr: ''
  })
})

t.test('what the mock would send and break: faked bodies, examples borrowed by another media type, required headers it cannot fill', async (t) => {
  const file = 'test/specs/contract-drift.yaml'
  const report = relative(await check({ specs: [path.join(ROOT, file)], fixtures: false }))
  const at = (pointer: string, code: CheckProblem['code'], message: string): CheckProblem => ({ code, file, pointer, message })
  const example = 'An example does not match its schema: '
  const response = 'A response the mock would send does not match the spec: '
  t.strictSame(report.problems, [
    at('/paths/~1limits/get/responses/200/headers/X-Rate-Remaining/example', 'UNDERSTUDY_EXAMPLE_INVALID', `${example}must be integer`),
    at('/paths/~1limits/get/responses/200/headers/X-Window', 'UNDERSTUDY_RESPONSE_INVALID', `${response}X-Window is required, and the mock has no value for it (give it a schema or an example)`),
    at('/paths/~1notes~1latest/get/responses/200/content/text~1plain', 'UNDERSTUDY_RESPONSE_INVALID', `${response}the spec example 'note' (given for application/json) sent as text/plain does not match its schema: / must be string`),
    at('/paths/~1orders~1{id}/get/responses/200/content/application~1json/examples/partial/value/total', 'UNDERSTUDY_EXAMPLE_INVALID', `${example}must have required property 'total'`),
    at('/paths/~1orders~1{id}/get/responses/200/content/application~1json/examples/stale/value/total', 'UNDERSTUDY_EXAMPLE_INVALID', `${example}must be number`),
    at('/paths/~1quote/get/responses/200/content/application~1json', 'UNDERSTUDY_RESPONSE_INVALID', `${response}the faker (seed 1) sent as application/json does not match its schema: /n must be <= 5`)
  ])
})

// The specs must also stay clean under Spectral's spectral:oas ruleset (.spectral.yaml).
t.test('specs/ has no Spectral finding at all (errors, warnings or hints)', async (t) => {
  const spectral = path.join(ROOT, 'node_modules/.bin/spectral')
  const { stdout } = await promisify(execFile)(spectral, ['lint', 'specs/*.yaml', '--ruleset', '.spectral.yaml', '--fail-severity', 'hint', '--format', 'json', '--quiet'], { cwd: ROOT })
  t.strictSame(JSON.parse(stdout), [])
})
