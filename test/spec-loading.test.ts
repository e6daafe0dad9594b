import { realpath } from 'node:fs/promises'
import t from 'tap'
import { buildMockServer, check, ERROR_CODES, UnderstudyError } from '../dist/index.js'
import { compileOperationSafely } from '../dist/routes/compile-operation.js'
import { indexSpec } from '../dist/openapi/index-operations.js'
import { dereferenceLazily } from '../dist/openapi/dereference.js'
import { loadSpecs } from '../dist/openapi/load-spec.js'
import { componentNamesOf } from '../dist/respond/fake-value.js'
import { createSchemaCompiler, type SchemaCompiler } from '../dist/validate/create-schema-compiler.js'
import { invalidRequest, runCli, SPECS, testSpec } from './helpers.js'

const broken = (name: string): string => testSpec(`broken/${name}`)
const sloppy = (name: string): string => testSpec(`sloppy/${name}`)

t.test('the three real specs load as valid OpenAPI 3.1 documents', async (t) => {
  const specs = await loadSpecs([SPECS])
  t.strictSame(specs.map(({ name, version }) => [name, version]), [['crafter-studio', '3.1'], ['postmantis', '3.1'], ['uforge', '3.1']])
})

t.test('the error table: each key is its own code, and the count is pinned', async (t) => {
  t.equal(Object.keys(ERROR_CODES).length, 29)
  for (const code of Object.keys(ERROR_CODES)) t.match(code, /^UNDERSTUDY_[A-Z_]+$/)
  const error = new UnderstudyError('UNDERSTUDY_SPEC_INVALID', 'detail', { file: 'a.yaml', pointer: '/paths' })
  t.equal(error.format(), 'UNDERSTUDY_SPEC_INVALID a.yaml#/paths: The document is not a valid OpenAPI document: detail')
})

const stops: Array<[string, string[], string, string | undefined, string]> = [
  ['a YAML syntax error', [broken('syntax.yaml')], 'UNDERSTUDY_SPEC_PARSE', undefined,
    'The file is not valid YAML or JSON: Flow map in block collection must be sufficiently indented and end with a } at line 3, column 1'],
  ['a $ref to nowhere', [broken('missing-ref.yaml')], 'UNDERSTUDY_SPEC_REF', '/paths/~1x/get/responses/200/$ref',
    'A $ref cannot be resolved: #/components/responses/Nope points at nothing'],
  ['a document with nothing to mount', [broken('no-operations.yaml')], 'UNDERSTUDY_NO_OPERATIONS', undefined,
    `No operation can be mocked: in ${broken('no-operations.yaml')}`],
  ['a missing file', [broken('nothing.yaml')], 'UNDERSTUDY_SPEC_NOT_FOUND', undefined,
    `No such file or directory: ${broken('nothing.yaml')}`]
]

for (const [what, specs, code, pointer, message] of stops) {
  t.test(`startup stops with a typed error: ${what}`, async (t) => {
    const error = await buildMockServer({ specs, fixtures: false }).then(() => undefined, (caught: unknown) => caught)
    t.ok(error instanceof UnderstudyError)
    const typed = error as UnderstudyError
    t.equal(typed.code, code)
    t.equal(typed.file, code === 'UNDERSTUDY_NO_OPERATIONS' ? undefined : specs.at(-1))
    t.equal(typed.pointer, pointer)
    t.equal(typed.message, message)
  })
}

t.test('an unexpected error while compiling an operation is one typed line naming the file and the operation, never a stack trace', async (t) => {
  const [spec] = await loadSpecs([testSpec('plain.yaml')])
  const [operation] = indexSpec(spec!)
  const real = createSchemaCompiler(spec!)
  // What a library bug would look like: a plain TypeError from deep inside compilation.
  const broken: SchemaCompiler = { ...real, validatorAt: () => { throw new TypeError("Cannot read properties of undefined (reading 'type')") } }
  const problems: UnderstudyError[] = []
  const compiled = await compileOperationSafely(operation!, broken, [], { problem: (error) => problems.push(error), tolerate: () => {}, warn: () => {} })
  t.equal(compiled, undefined, 'the operation is left out')
  t.strictSame(problems.map((problem) => problem.format()), [
    `UNDERSTUDY_OPERATION_INVALID ${testSpec('plain.yaml')}#${operation!.pointer}: ${ERROR_CODES.UNDERSTUDY_OPERATION_INVALID}: ${operation!.operationId}: Cannot read properties of undefined (reading 'type')`
  ])
})

t.test('lenient: a $ref to nowhere is a warning and validates nothing; the rest is served', async (t) => {
  const app = await buildMockServer({ specs: [broken('missing-ref.yaml')], fixtures: false, lenient: true })
  t.teardown(() => app.close())
  t.strictSame(app.understudy.warnings, [
    `UNDERSTUDY_SPEC_REF ${broken('missing-ref.yaml')}#/paths/~1x/get/responses/200/$ref: A $ref cannot be resolved: #/components/responses/Nope points at nothing`
  ])
  const res = await app.inject({ method: 'GET', url: '/x' })
  t.equal(res.statusCode, 200)
  t.equal(res.body, '')
})

async function tolerant (t: { teardown: (fn: () => unknown) => void }, specs: string[]): Promise<Awaited<ReturnType<typeof buildMockServer>>> {
  const app = await buildMockServer({ specs, fixtures: false })
  t.teardown(() => app.close())
  return app
}

t.test('a document that breaks the OpenAPI schema where mocking does not care starts, with one warning per problem', async (t) => {
  const app = await tolerant(t, [sloppy('invalid.yaml')])
  t.strictSame(app.understudy.warnings, [
    `UNDERSTUDY_SPEC_INVALID ${sloppy('invalid.yaml')}#/paths/~1x/get/responses/200: The document is not a valid OpenAPI document: must have required property 'description'`
  ])
  const res = await app.inject({ method: 'GET', url: '/x' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-mock-scenario'], '200')
})

t.test('two operations on one route: alike (/items/{id} beside /items/{name}), the first is served; told apart by their path schemas, both are', async (t) => {
  const app = await tolerant(t, [sloppy('collision.yaml')])
  const file = sloppy('collision.yaml')
  t.strictSame(app.understudy.warnings, [
    `UNDERSTUDY_ROUTE_COLLISION ${file}#/paths/~1items~1{name}/get: Two operations answer the same method and path: ` +
    `GET /items/{name} is also byId in ${file}#/paths/~1items~1{id}/get; only that one is served`,
    `UNDERSTUDY_ROUTE_COLLISION ${file}#/paths/~1contacts~1{contactNumber}/get: Two operations answer the same method and path: ` +
    `GET /contacts/{contactNumber} is also contactById in ${file}#/paths/~1contacts~1{contactId}/get; a request goes to the first whose path parameters it matches`
  ])
  t.strictSame(app.understudy.operations.map((operation) => operation.operationId), ['byId', 'contactById', 'contactByNumber'])
  t.equal((await app.inject({ method: 'GET', url: '/items/abc' })).statusCode, 204)
  const byId = await app.inject({ method: 'GET', url: '/contacts/3fa85f64-5717-4562-b3fc-2c963f66afa6' })
  t.equal(byId.statusCode, 200)
  t.strictSame(byId.json(), { by: 'id' })
  const byNumber = await app.inject({ method: 'GET', url: '/contacts/SB2' })
  t.equal(byNumber.statusCode, 200)
  t.strictSame(byNumber.json(), { by: 'number' })
  const neither = await app.inject({ method: 'GET', url: '/contacts/too-long-for-a-number' })
  t.equal(neither.statusCode, 400, 'matching neither, the first answers, and refuses it')
  t.strictSame(neither.json(), invalidRequest('contactById', [{ in: 'path', path: '/contactId', message: 'must match format "uuid"' }]))
})

t.test('an operation under /__mock is left out with a warning; the others are served', async (t) => {
  const app = await tolerant(t, [sloppy('reserved.yaml')])
  t.strictSame(app.understudy.warnings, [
    `UNDERSTUDY_RESERVED_PATH ${sloppy('reserved.yaml')}#/paths/~1__mock~1health/get: An operation is mounted under the reserved /__mock prefix: /__mock/health is not served`
  ])
  t.strictSame(app.understudy.operations.map((operation) => operation.operationId), ['ok'])
  const health = await app.inject({ method: 'GET', url: '/__mock/health' })
  t.strictSame(health.json(), { status: 'ok', specs: 1, operations: 1, loadedAt: app.understudy.loadedAt.toISOString() })
})

t.test('a repeated operationId is served under <id>_2, with a warning', async (t) => {
  const app = await tolerant(t, [sloppy('dup-a.yaml'), sloppy('dup-b.yaml')])
  t.strictSame(app.understudy.warnings, [
    `UNDERSTUDY_OPERATION_ID_DUPLICATE ${sloppy('dup-b.yaml')}#/paths/~1b/get: An operationId is used twice: 'same' is also same in ${sloppy('dup-a.yaml')}#/paths/~1a/get; this one is served as 'same_2'`
  ])
  t.strictSame(app.understudy.operations.map(({ operationId, path }) => [operationId, path]), [['same', '/a'], ['same_2', '/b']])
  const res = await app.inject({ method: 'GET', url: '/b', headers: { 'x-mock-scenario': 'same_2=204' } })
  t.equal(res.statusCode, 204)
})

t.test('one example name under two responses: the bare name is the lowest status, <status>:<name> the other', async (t) => {
  const app = await tolerant(t, [sloppy('duplicate-scenario.yaml')])
  t.strictSame(app.understudy.warnings, [])
  t.strictSame(((await app.inject({ url: '/__mock/operations' })).json() as Array<{ scenarios: unknown }>)[0]?.scenarios, [
    { name: 'same', status: 200, source: 'example' },
    { name: '404:same', status: 404, source: 'example' }
  ])
  const answers: Array<[Record<string, string>, number, string, string]> = [
    [{}, 200, '1', 'same'],
    [{ 'x-mock-scenario': 'same' }, 200, '1', 'same'],
    [{ 'x-mock-scenario': '404:same' }, 404, '2', '404:same'],
    [{ 'x-mock-scenario': '200:same' }, 200, '1', 'same'],
    [{ prefer: 'code=404, example=same' }, 404, '2', '404:same'],
    [{ prefer: 'code=200, example=same' }, 200, '1', 'same']
  ]
  for (const [headers, status, body, scenario] of answers) {
    const res = await app.inject({ method: 'GET', url: '/x', headers })
    t.equal(res.statusCode, status, JSON.stringify(headers))
    t.equal(res.body, body, JSON.stringify(headers))
    t.equal(res.headers['x-mock-scenario'], scenario, JSON.stringify(headers))
  }
})

t.test('a folder whose files are only $ref targets has no document', async (t) => {
  const dir = t.testdir({ 'schemas.yaml': 'Thing: { type: string }\n' })
  await t.rejects(loadSpecs([dir]), { code: 'UNDERSTUDY_NO_SPECS' })
})

t.test('two documents with one name', async (t) => {
  const document = 'openapi: 3.1.0\ninfo: { title: T, version: "1" }\npaths: {}\n'
  const files = t.testdir({ a: { 'api.yaml': document }, b: { 'api.json': document } })
  await t.rejects(loadSpecs([`${files}/a`, `${files}/b`]), { code: 'UNDERSTUDY_SPEC_NAME_DUPLICATE' })
})

t.test('an explicit file that is neither OpenAPI nor Swagger, and versions that are not supported', async (t) => {
  const dir = t.testdir({
    'plain.yaml': 'title: not a spec\n',
    'v2.yaml': 'openapi: 2.5.0\ninfo: { title: T, version: "1" }\npaths: {}\n',
    'v1.yaml': 'swagger: "1.2"\ninfo: { title: T, version: "1" }\npaths: {}\n'
  })
  await t.rejects(loadSpecs([`${dir}/plain.yaml`]), { code: 'UNDERSTUDY_SPEC_INVALID', pointer: '', message: "The document is not a valid OpenAPI document: no 'openapi' or 'swagger' field (OpenAPI 3.0, 3.1 and Swagger 2.0 are supported)" })
  await t.rejects(loadSpecs([`${dir}/v2.yaml`]), { code: 'UNDERSTUDY_SPEC_INVALID', pointer: '/openapi', message: 'The document is not a valid OpenAPI document: OpenAPI 2.5.0 is not supported (3.0, 3.1 and Swagger 2.0 are)' })
  await t.rejects(loadSpecs([`${dir}/v1.yaml`]), { code: 'UNDERSTUDY_SPEC_INVALID', pointer: '/swagger', message: 'The document is not a valid OpenAPI document: Swagger 1.2 is not supported (2.0 is)' })
})

t.test("a $ref may read files only inside the specs' folders (and --ref-root ones): never /etc/passwd", async (t) => {
  // Each document its own path, so that none collides with another.
  const spec = (ref: string, route: string): string => [
    'openapi: 3.1.0',
    'info: { title: Leak, version: "1" }',
    'paths:',
    `  /${route}:`,
    '    get:',
    '      responses:',
    '        "200":',
    '          description: ok',
    '          content:',
    '            application/json:',
    `              schema: { $ref: '${ref}' }`,
    ''
  ].join('\n')
  const dir = t.testdir({
    outside: { 'secret.yaml': 'type: string\nexample: the secret\n' },
    specs: {
      'relative.yaml': spec('../../../../../../../../etc/passwd', 'a'),
      'absolute.yaml': spec('/etc/passwd', 'b'),
      'file-url.yaml': spec('file:///etc/passwd', 'c'),
      'nested.yaml': spec('common/hop.yaml', 'd'),
      'inside.yaml': spec('common/name.yaml', 'e'),
      common: {
        'hop.yaml': "$ref: '../../outside/secret.yaml'\n",
        'name.yaml': 'type: string\n',
        link: t.fixture('symlink', '../../outside')
      },
      'symlinked.yaml': spec('common/link/secret.yaml', 'f')
    }
  })
  const specs = `${dir}/specs`
  const outside = `${dir}/outside`
  const roots = `(${await realpath(specs)})`
  const problem = (file: string, pointer: string | null, target: string): object => ({
    code: 'UNDERSTUDY_SPEC_REF',
    file: `${specs}/${file}`,
    pointer,
    message: `A $ref cannot be resolved: ${target} is outside the specs' folders ${roots}; allow its folder with --ref-root`
  })
  const ref = (route: string): string => `/paths/~1${route}/get/responses/200/content/application~1json/schema/$ref`
  const report = await check({ specs: [specs], fixtures: false })
  t.strictSame(report.problems, [
    problem('absolute.yaml', ref('b'), '/etc/passwd'),
    problem('file-url.yaml', ref('c'), '/etc/passwd'),
    problem('nested.yaml', null, `${outside}/secret.yaml`),
    problem('relative.yaml', ref('a'), '/etc/passwd'),
    problem('symlinked.yaml', null, `${specs}/common/link/secret.yaml`)
  ], 'every way out, named; the $ref inside is fine')
  t.equal(report.checked.specs, 6 - 2, 'a problem in a $ref target stops that document; a $ref refused in the document itself only that schema')

  const allowed = await check({ specs: [`${specs}/nested.yaml`, `${specs}/symlinked.yaml`], fixtures: false, refRoots: [outside] })
  t.strictSame(allowed.problems, [], 'refRoots allows a folder')
  const cli = await runCli(['check', `${specs}/nested.yaml`, '--no-fixtures', '--ref-root', outside])
  t.strictSame([cli.code, cli.stdout], [0, 'understudy check: 1 spec, 1 operation, 0 fixtures, 0 scenario sets, 0 examples: no problems\n'], 'so does --ref-root')
  await t.rejects(buildMockServer({ specs: [`${specs}/absolute.yaml`], fixtures: false }), { code: 'UNDERSTUDY_SPEC_REF' }, 'serve stops at the first')
})

t.test('JSON is read with JSON.parse; JSON that JSON.parse refuses is read as YAML, and a syntax error names the line', async (t) => {
  const dir = t.testdir({
    'plain.json': JSON.stringify({ openapi: '3.1.0', info: { title: 'J', version: '1' }, paths: { '/a': { get: { operationId: 'getA', responses: { 200: { description: 'ok', content: { 'application/json': { example: { a: 1 } } } } } } } } }),
    // A trailing comma and a comment: not JSON, but YAML.
    'sloppy.json': '{\n  "openapi": "3.1.0", # hand-edited\n  "info": {"title": "S", "version": "1"},\n  "paths": {"/b": {"get": {"operationId": "getB", "responses": {"204": {"description": "none"}}}}},\n}\n',
    'broken.json': '{\n  "openapi": "3.1.0",\n  "info": {\n'
  })
  const specs = await loadSpecs([`${dir}/plain.json`, `${dir}/sloppy.json`])
  t.strictSame(specs.map(({ name, document }) => [name, Object.keys(document.paths ?? {})]), [['plain', ['/a']], ['sloppy', ['/b']]])
  const error = await loadSpecs([`${dir}/broken.json`]).then(() => undefined, (caught: unknown) => caught)
  t.equal((error as UnderstudyError).code, 'UNDERSTUDY_SPEC_PARSE')
  t.match((error as UnderstudyError).message, /^The file is not valid YAML or JSON: .* at line 4, column 1/)
})

t.test('a document over 512 KB is validated against the OpenAPI schema on a worker thread: the same warnings, with their pointers', async (t) => {
  const description = 'x'.repeat(200)
  const generated = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`/items/${i}`, { get: { operationId: `get${i}`, description, responses: { 204: { description: 'none' } } } }]))
  // No `info`, and one response without its description: what the OpenAPI schema refuses.
  const paths: Record<string, unknown> = Object.fromEntries(Object.entries(generated))
  paths['/items/0'] = { get: { operationId: 'get0', responses: { 204: {} } } }
  const dir = t.testdir({ 'big.json': JSON.stringify({ openapi: '3.1.0', paths }) })
  const file = `${dir}/big.json`
  const warnings: string[] = []
  const specs = await loadSpecs([file], { problem: (error) => { throw error }, tolerate: (error) => warnings.push(error.format()), warn: () => {} })
  t.equal(specs.length, 1)
  const expected = [
    `UNDERSTUDY_SPEC_INVALID ${file}#: The document is not a valid OpenAPI document: must have required property 'info'`,
    `UNDERSTUDY_SPEC_INVALID ${file}#/paths/~1items~10/get/responses/204: The document is not a valid OpenAPI document: must have required property 'description'`
  ]
  t.strictSame(warnings, expected)

  // Lazy, the mock does not wait for it: the same problems come as lines of their own once validated.
  const lines: string[] = []
  let told: () => void = () => {}
  const bothTold = new Promise<void>((resolve) => { told = resolve })
  const app = await buildMockServer({ specs: [file], fixtures: false, compile: 'lazy', onWarning: (line) => { if (lines.push(line) === 2) told() } })
  t.teardown(async () => await app.close())
  t.strictSame(app.understudy.warnings, [], 'not start warnings')
  const res = await app.inject({ url: '/items/7' })
  t.equal(res.statusCode, 204, 'answering meanwhile')
  await bothTold
  t.strictSame(lines, expected.map((warning) => `understudy: warning: ${warning}`))
})

t.test('$refs are followed place by place, as asked for: shared targets and cycles are one object, the document is left as written', async (t) => {
  const document = {
    openapi: '3.1.0',
    paths: {
      '/pets': {
        get: {
          responses: {
            200: { $ref: '#/components/responses/Pets' },
            404: { description: 'none', content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' }, example: { $ref: '#/not/followed' } } } }
          }
        }
      }
    },
    components: {
      responses: { Pets: { description: 'pets', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Pet' } } } } } },
      schemas: {
        Pet: { type: 'object', properties: { name: { type: 'string' }, parent: { $ref: '#/components/schemas/Pet', description: 'the parent' }, example: { $ref: '#/components/schemas/Tag' } } },
        Tag: { type: 'string' },
        Loop: { $ref: '#/components/schemas/Loop2' },
        Loop2: { $ref: '#/components/schemas/Loop' }
      }
    }
  }
  const written = structuredClone(document)
  const refs = dereferenceLazily(document)
  const pets = refs.at('/paths/~1pets/get/responses/200') as { content: Record<string, { schema: { items: Record<string, any> } }> }
  t.equal(pets.content['application/json']!.schema.items, refs.at('/components/schemas/Pet'), 'a $ref is its target, one object')
  t.equal(refs.at('/paths/~1pets/get/responses/200/content/application~1json'), pets.content['application/json'], 'a pointer through a $ref reaches the place it leads to')
  const pet = refs.at('/components/schemas/Pet') as Record<string, any>
  t.strictSame(Object.keys(pet.properties.parent), ['description', 'type', 'properties'], 'a $ref with members beside it: those first, then the target\'s (3.1)')
  t.equal(pet.properties.parent.description, 'the parent')
  t.equal(pet.properties.parent.properties, pet.properties, 'its target was still being made (a cycle): its members are all there, and the cycle closes')
  t.strictSame(pet.properties.example, { type: 'string' }, 'a property named example is a schema')
  const missing = refs.at('/paths/~1pets/get/responses/404') as { content: Record<string, { example: unknown }> }
  t.strictSame(missing.content['application/json']!.example, { $ref: '#/not/followed' }, 'example data is copied as it is')
  t.equal(refs.placeOf(pets.content['application/json']!.schema.items), '/components/schemas/Pet')
  t.equal(componentNamesOf(refs).get(pet), 'Pet', 'component names come from where a value lives')
  t.equal(componentNamesOf(refs), componentNamesOf(refs), 'one names object per document')
  t.equal(refs.at('/components/schemas/Loop'), undefined, 'a $ref that leads back to itself through $refs alone has no value')
  t.equal(refs.at('/components/schemas/Nothing'), undefined)
  t.strictSame(document, written, 'the document is not changed')
})
