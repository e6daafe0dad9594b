import t from 'tap'
import { buildMockServer, ERROR_CODES, UnderstudyError } from '../src/index.js'
import { loadSpecs } from '../src/spec/load-spec.js'
import { SPECS, testSpec } from './helpers.js'

const broken = (name: string): string => testSpec(`broken/${name}`)

t.test('the three real specs load as valid OpenAPI 3.1 documents', async (t) => {
  const specs = await loadSpecs([SPECS])
  t.strictSame(specs.map(({ name, version }) => [name, version]), [['crafter-studio', '3.1'], ['postmantis', '3.1'], ['uforge', '3.1']])
})

t.test('the error table: each key is its own code, and the count is pinned', async (t) => {
  t.equal(Object.keys(ERROR_CODES).length, 19)
  for (const code of Object.keys(ERROR_CODES)) t.match(code, /^UNDERSTUDY_[A-Z_]+$/)
  const error = new UnderstudyError('UNDERSTUDY_SPEC_INVALID', 'detail', { file: 'a.yaml', pointer: '/paths' })
  t.equal(error.format(), 'UNDERSTUDY_SPEC_INVALID a.yaml#/paths: The document is not a valid OpenAPI document: detail')
})

const cases: Array<[string, string[], string, string | undefined, string]> = [
  ['an invalid document', [broken('invalid.yaml')], 'UNDERSTUDY_SPEC_INVALID', '/paths/~1x/get/responses/200',
    "The document is not a valid OpenAPI document: must have required property 'description' (1 related schema error(s))"],
  ['a YAML syntax error', [broken('syntax.yaml')], 'UNDERSTUDY_SPEC_PARSE', undefined,
    'The file is not valid YAML or JSON: Flow map in block collection must be sufficiently indented and end with a } at line 3, column 1'],
  ['a $ref to nowhere', [broken('missing-ref.yaml')], 'UNDERSTUDY_SPEC_REF', undefined,
    'A $ref cannot be resolved: Missing $ref pointer "#/components/responses/Nope". Token "components" does not exist.'],
  ['two operations on one route', [broken('collision.yaml')], 'UNDERSTUDY_ROUTE_COLLISION', '/paths/~1items~1{name}/get',
    `Two operations answer the same method and path: GET /items/{name} is also byId in ${broken('collision.yaml')}#/paths/~1items~1{id}/get`],
  ['an operation under /__mock', [broken('reserved.yaml')], 'UNDERSTUDY_RESERVED_PATH', '/paths/~1__mock~1health/get',
    'An operation is mounted under the reserved /__mock prefix: /__mock/health'],
  ['a Swagger 2.0 document', [broken('swagger2.yaml')], 'UNDERSTUDY_SPEC_INVALID', '',
    "The document is not a valid OpenAPI document: no 'openapi' field (OpenAPI 3.0 and 3.1 are supported)"],
  ['one example name on two statuses', [broken('duplicate-scenario.yaml')], 'UNDERSTUDY_SCENARIO_DUPLICATE', '/paths/~1x/get',
    "Two responses of one operation share a scenario name: 'same' names an example of both 200 and 404 in x"],
  ['a missing file', [broken('nothing.yaml')], 'UNDERSTUDY_SPEC_NOT_FOUND', undefined,
    `No such file or directory: ${broken('nothing.yaml')}`],
  ['a repeated operationId across files', [broken('dup-a.yaml'), broken('dup-b.yaml')], 'UNDERSTUDY_OPERATION_ID_DUPLICATE', '/paths/~1b/get',
    `An operationId is used twice: 'same' is also same in ${broken('dup-a.yaml')}#/paths/~1a/get`]
]

for (const [what, specs, code, pointer, message] of cases) {
  t.test(`startup stops with a typed error: ${what}`, async (t) => {
    const error = await buildMockServer({ specs }).then(() => undefined, (caught: unknown) => caught)
    t.ok(error instanceof UnderstudyError)
    const typed = error as UnderstudyError
    t.equal(typed.code, code)
    t.equal(typed.file, specs.at(-1))
    t.equal(typed.pointer, pointer)
    t.equal(typed.message, message)
  })
}

t.test('a folder whose files are only $ref targets has no document', async (t) => {
  const dir = t.testdir({ 'schemas.yaml': 'Thing: { type: string }\n' })
  await t.rejects(loadSpecs([dir]), { code: 'UNDERSTUDY_NO_SPECS' })
})

t.test('two documents with one name', async (t) => {
  const document = 'openapi: 3.1.0\ninfo: { title: T, version: "1" }\npaths: {}\n'
  const files = t.testdir({ a: { 'api.yaml': document }, b: { 'api.json': document } })
  await t.rejects(loadSpecs([`${files}/a`, `${files}/b`]), { code: 'UNDERSTUDY_SPEC_NAME_DUPLICATE' })
})
