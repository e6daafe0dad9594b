import t from 'tap'
import { buildMockServer, check, type MockServer, type MockServerOptions } from '../dist/index.js'
import { invalidRequest, testSpec } from './helpers.js'

// "Serve any spec a team brings": one tiny document per habit of real-world specs, under test/specs/real-world/.

const spec = (name: string): string => testSpec(`real-world/${name}`)
const JSON_TYPE = { 'content-type': 'application/json' }
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' }

interface Teardown { teardown: (fn: () => unknown) => void }

async function serve (t: Teardown, name: string, options: MockServerOptions = {}): Promise<MockServer> {
  const app = await buildMockServer({ specs: [spec(name)], fixtures: false, ...options })
  t.teardown(async () => await app.close())
  return app
}

/** What `check` says about a document it finds nothing wrong with. */
function clean (examples: number): object {
  return { ok: true, checked: { specs: 1, operations: 1, fixtures: 0, scenarioSets: 0, examples }, problems: [], warnings: [] }
}

t.test('example data is never read as schema: "id" twice in 3.0 examples, "$id" in a 3.1 example', async (t) => {
  const ids = await serve(t, 'example-ids-30.yaml')
  t.strictSame(ids.understudy.warnings, [])
  const first = await ids.inject({ url: '/things' })
  t.equal(first.statusCode, 200)
  t.equal(first.headers['x-mock-scenario'], 'first')
  t.strictSame(first.json(), { id: 'abc', name: 'One' })
  const second = await ids.inject({ url: '/things', headers: { 'x-mock-scenario': 'second' } })
  t.equal(second.statusCode, 200)
  t.equal(second.headers['x-mock-scenario'], 'second')
  t.strictSame(second.json(), { id: 'abc', name: 'Two' })
  t.strictSame(await check({ specs: [spec('example-ids-30.yaml')], fixtures: false }), clean(2), 'both examples match their schema')

  const dollarId = await serve(t, 'example-ids-31.yaml')
  t.strictSame(dollarId.understudy.warnings, [])
  const thing = await dollarId.inject({ url: '/things' })
  t.equal(thing.statusCode, 200)
  t.equal(thing.headers['x-mock-scenario'], 'thing')
  t.strictSame(thing.json(), { $id: 'urn:thing:1', name: 'One' })
  t.strictSame(await check({ specs: [spec('example-ids-31.yaml')], fixtures: false }), clean(1), 'the example matches its schema')
})

t.test('patterns valid in ECMA-262 but not under the u flag are enforced; a PCRE one is a warning and not enforced', async (t) => {
  const app = await serve(t, 'patterns-ecma.yaml')
  t.strictSame(app.understudy.warnings, [])
  const code = await app.inject({ url: '/codes/A_B' })
  t.equal(code.statusCode, 200)
  t.strictSame(code.json(), { ok: 'code' })
  const badCode = await app.inject({ url: '/codes/a%20b' })
  t.equal(badCode.statusCode, 400)
  t.equal(badCode.headers['content-type'], 'application/problem+json')
  t.strictSame(badCode.json(), invalidRequest('getCode', [{ in: 'path', path: '/code', message: String.raw`must match pattern "^[A-Z0-9\_]+$"` }]))
  const slug = await app.inject({ url: '/slugs/ab-c:12' })
  t.equal(slug.statusCode, 200)
  t.strictSame(slug.json(), { ok: 'slug' })
  const badSlug = await app.inject({ url: '/slugs/ab_c:12' })
  t.equal(badSlug.statusCode, 400)
  t.strictSame(badSlug.json(), invalidRequest('getSlug', [{ in: 'path', path: '/slug', message: String.raw`must match pattern "^[a-z\-]+\:[0-9]+$"` }]))

  const pcre = await serve(t, 'patterns-pcre.yaml')
  const file = spec('patterns-pcre.yaml')
  t.strictSame(pcre.understudy.warnings, [
    String.raw`UNDERSTUDY_SCHEMA_INVALID ${file}#/paths/~1words~1{word}/get/parameters/0/schema/pattern: A schema cannot be compiled: the pattern "\\A[a-z]+\\Z" is not a JavaScript regular expression; it is not enforced`
  ], 'one warning for the PCRE pattern')
  const anything = await pcre.inject({ url: '/words/ABC1' })
  t.equal(anything.statusCode, 200, 'the pattern is not enforced')
  t.strictSame(anything.json(), { ok: 'word' })
  const tooLong = await pcre.inject({ url: '/words/abcdefg' })
  t.equal(tooLong.statusCode, 400, 'maxLength beside it still is')
  t.strictSame(tooLong.json(), invalidRequest('getWord', [{ in: 'path', path: '/word', message: 'must NOT have more than 5 characters' }]))
})

t.test('a schema property named $ref serves and validates; a percent-encoded $ref resolves', async (t) => {
  const app = await serve(t, 'dollar-ref.yaml')
  t.strictSame(app.understudy.warnings, [])
  const created = await app.inject({ method: 'POST', url: '/schemas', headers: JSON_TYPE, payload: { $ref: '#/definitions/Pet', description: 'a pet' } })
  t.equal(created.statusCode, 201)
  t.strictSame(created.json(), { created: true })
  const refused = await app.inject({ method: 'POST', url: '/schemas', headers: JSON_TYPE, payload: { $ref: 5 } })
  t.equal(refused.statusCode, 400)
  t.strictSame(refused.json(), invalidRequest('createSchema', [{ in: 'body', path: '/$ref', message: 'must be string' }]))
  const unknown = await app.inject({ method: 'POST', url: '/schemas', headers: JSON_TYPE, payload: { ref: 'x' } })
  t.equal(unknown.statusCode, 400, '$ref is a declared property, ref is not')
  t.strictSame(unknown.json(), invalidRequest('createSchema', [{ in: 'body', path: '', message: 'must NOT have additional properties' }]))
  const copy = await app.inject({ url: '/items/one/copy' })
  t.equal(copy.statusCode, 200)
  t.equal(copy.headers['x-mock-scenario'], 'example')
  t.strictSame(copy.json(), { id: 'one' })
})

t.test('nullable without type is ignored in 3.1; nullable with a type accepts null in a 3.0 request body', async (t) => {
  const ignored = await serve(t, 'nullable-31.yaml')
  t.strictSame(ignored.understudy.warnings, [])
  const note = await ignored.inject({ url: '/notes' })
  t.equal(note.statusCode, 200)
  t.equal(note.headers['x-mock-response-violations'], undefined)
  t.strictSame(note.json(), { due: '2026-01-01' })
  t.strictSame(await check({ specs: [spec('nullable-31.yaml')], fixtures: false }), clean(1), 'the string example matches { nullable: true }')

  const nullable = await serve(t, 'nullable-30.yaml')
  t.strictSame(nullable.understudy.warnings, [])
  const accepted = await nullable.inject({ method: 'POST', url: '/notes', headers: JSON_TYPE, payload: { due: null } })
  t.equal(accepted.statusCode, 204)
  t.equal(accepted.body, '')
  const refused = await nullable.inject({ method: 'POST', url: '/notes', headers: JSON_TYPE, payload: { due: 5 } })
  t.equal(refused.statusCode, 400)
  t.strictSame(refused.json(), invalidRequest('createNote', [{ in: 'body', path: '/due', message: 'must be string,null' }]))
})

t.test('path keys that differ by a #fragment (AWS style) are told apart by the query parameter they name', async (t) => {
  const app = await serve(t, 'fragments.yaml')
  const file = spec('fragments.yaml')
  t.strictSame(app.understudy.warnings, [
    `UNDERSTUDY_ROUTE_COLLISION ${file}#/paths/~1files~1{id}#get/put: Two operations answer the same method and path: ` +
    `PUT /files/{id} is also addFile in ${file}#/paths/~1files~1{id}#add/put; only that one is served`
  ])
  t.strictSame(app.understudy.operations.map(({ operationId, method, path }) => [operationId, method, path]), [
    ['ListThings', 'GET', '/'], ['GetThing', 'GET', '/'], ['ListTags', 'GET', '/tags/{ARN}'], ['UntagResource', 'DELETE', '/tags/{ARN}'], ['addFile', 'PUT', '/files/{id}']
  ])
  const got = await app.inject({ url: '/?Action=GetThing' })
  t.equal(got.statusCode, 200)
  t.equal(got.headers['x-mock-scenario'], 'got')
  t.strictSame(got.json(), { thing: 'a' })
  const listed = await app.inject({ url: '/?Action=ListThings' })
  t.equal(listed.statusCode, 200)
  t.equal(listed.headers['x-mock-scenario'], 'listed')
  t.strictSame(listed.json(), { things: ['a', 'b'] })
  const tags = await app.inject({ url: '/tags/arn1' })
  t.equal(tags.statusCode, 200)
  t.strictSame(tags.json(), { tags: { env: 'dev' } })
  const untagged = await app.inject({ method: 'DELETE', url: '/tags/arn1?tagKeys=env' })
  t.equal(untagged.statusCode, 204)
  t.equal(untagged.headers['x-mock-scenario'], '204')
  const file1 = await app.inject({ method: 'PUT', url: '/files/f1' })
  t.equal(file1.statusCode, 201, 'the first of the colliding fragment keys is served')
  t.equal(file1.headers['x-mock-scenario'], '201')
})

t.test('GET /a/{x} beside DELETE /a/{y}: both served, no warning, each with its own parameter name', async (t) => {
  const app = await serve(t, 'param-names.yaml')
  t.strictSame(app.understudy.warnings, [])
  t.strictSame(app.understudy.operations.map(({ operationId }) => operationId), ['getA', 'deleteA'])
  const got = await app.inject({ url: '/a/anything' })
  t.equal(got.statusCode, 200)
  t.strictSame(got.json(), { got: 'x' })
  const deleted = await app.inject({ method: 'DELETE', url: '/a/y-1' })
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  const refused = await app.inject({ method: 'DELETE', url: '/a/anything' })
  t.equal(refused.statusCode, 400)
  t.strictSame(refused.json(), invalidRequest('deleteA', [{ in: 'path', path: '/y', message: 'must match pattern "^y-[0-9]+$"' }]))
})

t.test('type: file left over from Swagger 2 in a 3.0 document: one warning, and it is served', async (t) => {
  const app = await serve(t, 'type-file.yaml')
  const file = spec('type-file.yaml')
  t.strictSame(app.understudy.warnings, [
    `UNDERSTUDY_SCHEMA_INVALID ${file}#/paths/~1upload/post/requestBody/content/application~1octet-stream/schema/type: A schema cannot be compiled: 'file' is a Swagger 2.0 type; it is served as a binary string`
  ], 'one warning for type: file')
  const res = await app.inject({ method: 'POST', url: '/upload', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from([0, 1, 2, 255]) })
  t.equal(res.statusCode, 204)
  t.equal(res.headers['x-mock-scenario'], '204')
  t.equal(res.body, '')
})

t.test('a Swagger 2.0 document is mounted at its basePath, serves its examples and validates paths and forms', async (t) => {
  const app = await serve(t, 'swagger2.json')
  t.strictSame(app.understudy.warnings, [])
  t.strictSame(app.understudy.specs, [{ name: 'swagger2', file: spec('swagger2.json'), mount: '/v2' }])
  const operations = await app.inject({ url: '/__mock/operations' })
  t.strictSame(operations.json(), [
    { spec: 'swagger2', operationId: 'getPet', method: 'GET', path: '/v2/pets/{petId}', default: 'response', scenarios: [{ name: 'response', status: 200, source: 'example' }] },
    { spec: 'swagger2', operationId: 'addPet', method: 'POST', path: '/v2/pets', default: 'response', scenarios: [{ name: 'response', status: 201, source: 'example' }] }
  ])
  const pet = await app.inject({ url: '/v2/pets/1' })
  t.equal(pet.statusCode, 200)
  t.equal(pet.headers['x-mock-scenario'], 'response')
  t.equal(pet.headers['content-type'], 'application/json')
  t.strictSame(pet.json(), { id: 1, name: 'Rex' })
  t.equal((await app.inject({ url: '/pets/1' })).statusCode, 404, 'only under the basePath')
  const badId = await app.inject({ url: '/v2/pets/abc' })
  t.equal(badId.statusCode, 400)
  t.strictSame(badId.json(), invalidRequest('getPet', [{ in: 'path', path: '/petId', message: 'must be integer' }]))
  const added = await app.inject({ method: 'POST', url: '/v2/pets', headers: FORM_TYPE, payload: 'name=Tom&age=3' })
  t.equal(added.statusCode, 201)
  t.strictSame(added.json(), { id: 2, name: 'Tom' })
  const badForm = await app.inject({ method: 'POST', url: '/v2/pets', headers: FORM_TYPE, payload: 'name=Tom&age=old' })
  t.equal(badForm.statusCode, 400)
  t.strictSame(badForm.json(), invalidRequest('addPet', [{ in: 'body', path: '/age', message: 'must be integer' }]))
})

t.test('tolerant serve, strict check: no info, a response without description, oauth2 without scopes', async (t) => {
  const file = spec('sloppy.yaml')
  t.strictSame(await check({ specs: [file], fixtures: false }), {
    ok: false,
    checked: { specs: 1, operations: 1, fixtures: 0, scenarioSets: 0, examples: 0 },
    problems: [
      { code: 'UNDERSTUDY_SPEC_INVALID', file, pointer: '', message: "The document is not a valid OpenAPI document: must have required property 'info'" },
      { code: 'UNDERSTUDY_SPEC_INVALID', file, pointer: '/components/securitySchemes/oauth/flows/clientCredentials', message: "The document is not a valid OpenAPI document: must have required property 'scopes'" },
      { code: 'UNDERSTUDY_SPEC_INVALID', file, pointer: '/paths/~1x/get/responses/200', message: "The document is not a valid OpenAPI document: must have required property 'description'" }
    ],
    warnings: []
  }, 'check reports each problem once')
  const app = await serve(t, 'sloppy.yaml')
  t.strictSame(app.understudy.warnings, [
    `UNDERSTUDY_SPEC_INVALID ${file}#: The document is not a valid OpenAPI document: must have required property 'info'`,
    `UNDERSTUDY_SPEC_INVALID ${file}#/paths/~1x/get/responses/200: The document is not a valid OpenAPI document: must have required property 'description'`,
    `UNDERSTUDY_SPEC_INVALID ${file}#/components/securitySchemes/oauth/flows/clientCredentials: The document is not a valid OpenAPI document: must have required property 'scopes'`
  ], 'one warning per problem')
  const res = await app.inject({ url: '/x' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-mock-scenario'], 'example')
  t.strictSame(res.json(), 1)
})

t.test('lenient: a $ref to nowhere in one schema is a warning naming its pointer; without lenient it stops startup', async (t) => {
  const file = spec('dangling-ref.yaml')
  const pointer = '/paths/~1broken/post/requestBody/content/application~1json/schema/properties/pet/$ref'
  const message = 'A $ref cannot be resolved: #/components/schemas/Nope points at nothing'
  await t.rejects(buildMockServer({ specs: [file], fixtures: false }), { name: 'UnderstudyError', code: 'UNDERSTUDY_SPEC_REF', file, pointer, message })

  const app = await serve(t, 'dangling-ref.yaml', { lenient: true })
  t.strictSame(app.understudy.warnings, [`UNDERSTUDY_SPEC_REF ${file}#${pointer}: ${message}`])
  t.strictSame(app.understudy.operations.map(({ operationId }) => operationId), ['broken', 'fine'])
  const fine = await app.inject({ url: '/fine' })
  t.equal(fine.statusCode, 200)
  t.strictSame(fine.json(), { ok: true })
  const broken = await app.inject({ method: 'POST', url: '/broken', headers: JSON_TYPE, payload: { pet: 1 } })
  t.equal(broken.statusCode, 204, 'the broken schema validates nothing')
  t.equal(broken.body, '')
})

t.test('a schema its JSON Schema draft refuses (checked against the precompiled meta-schema) is warned of once, by pointer, and not enforced', async (t) => {
  const file = spec('schema-breaks-its-draft.yaml')
  const warning = `UNDERSTUDY_SCHEMA_INVALID ${file}#/paths/~1counts/get/parameters/0: A schema cannot be compiled: schema is invalid: data/maximum must be number; it is not enforced`
  const eager = await serve(t, 'schema-breaks-its-draft.yaml')
  t.strictSame(eager.understudy.warnings, [warning], 'eager: a start warning')
  const lines: string[] = []
  const lazy = await serve(t, 'schema-breaks-its-draft.yaml', { compile: 'lazy', onWarning: (line) => lines.push(line) })
  for (const app of [eager, lazy]) {
    const res = await app.inject({ url: '/counts?limit=twenty' })
    t.equal(res.statusCode, 200, 'the broken parameter schema accepts anything')
    t.strictSame(res.json(), { count: 3 })
  }
  t.strictSame(lines, [`understudy: warning: ${warning}`], 'lazy: one line on the first request')
})
