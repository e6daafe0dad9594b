import t from 'tap'
import { buildOperationIndex } from '../src/openapi/index-operations.js'
import { loadSpecs } from '../src/openapi/load-spec.js'
import { buildCases } from '../src/verify/build-cases.js'
import { buildRequest } from '../src/verify/build-request.js'
import { generateRequest } from '../src/verify/generate-request.js'
import { testSpec } from './helpers.js'

const [operation] = buildOperationIndex(await loadSpecs([testSpec('verify-generate.yaml')]))
const target = { target: 'http://api.test/', basePath: undefined, headers: { cookie: 'JSESSIONID=1' }, scenario: undefined }

t.test('a generated request: examples, examples, schema examples, default, enum, faked with a fixed seed', async (t) => {
  const request = await generateRequest(operation!)
  const trace = request.headers['x-trace']
  t.match(trace, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a uuid, faked')
  t.strictSame(request, {
    path: { kind: 'a b', ids: [1, 2] },
    query: { tags: ['x', 'y'], sort: ['a', 'b'], page: 3 },
    headers: { 'x-trace': trace },
    cookies: { session: 'abc' },
    body: { value: { n: 5 }, mediaType: 'application/json' }
  })
  t.strictSame(await generateRequest(operation!), request, 'the same on every run')
})

t.test('the request written: path values encoded, query per style, cookies joined to a user Cookie, JSON body', async (t) => {
  const request = await generateRequest(operation!)
  t.strictSame(buildRequest(operation!, request, target), {
    method: 'POST',
    url: 'http://api.test/things/a%20b/1,2?tags=x&tags=y&sort=a%7Cb&page=3',
    headers: { cookie: 'JSESSIONID=1; session=abc', 'x-trace': request.headers['x-trace'] as string, 'content-type': 'application/json' },
    body: '{"n":5}'
  })
})

t.test('a parameter example name is a case; with no 2xx expected, a generated case follows', async (t) => {
  const cases = await buildCases(operation!, [], true)
  t.strictSame(cases.map((c) => [c.name, c.source, c.scenario ?? null, c.expectedStatus ?? null]), [
    ['first', 'example', null, null],
    ['generated', 'generated', null, null],
    ['200', 'scenario', '200', '200']
  ])
  t.strictSame(cases[0]!.request.query, { tags: ['x', 'y'], sort: ['a', 'b'], page: 3 })
})
