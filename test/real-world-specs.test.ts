import t from 'tap'
import { buildMockServer, check } from '../src/index.js'
import { testSpec } from './helpers.js'

const spec = (name: string): string => testSpec(`real-world/${name}`)
const probes: Array<[string, Array<{ method?: string, url: string, headers?: Record<string, string>, payload?: string }>, boolean?]> = [
  ['example-ids-30.yaml', [{ url: '/things' }, { url: '/things', headers: { 'x-mock-scenario': 'second' } }]],
  ['example-ids-31.yaml', [{ url: '/things' }]],
  ['patterns-ecma.yaml', [{ url: '/codes/A_B' }, { url: '/codes/a%20b' }, { url: '/slugs/ab-c:12' }, { url: '/slugs/ab_c:12' }]],
  ['patterns-pcre.yaml', [{ url: '/words/ABC1' }, { url: '/words/abcdefg' }]],
  ['dollar-ref.yaml', [{ method: 'POST', url: '/schemas', headers: { 'content-type': 'application/json' }, payload: '{"$ref":"#/x","description":"d"}' }, { method: 'POST', url: '/schemas', headers: { 'content-type': 'application/json' }, payload: '{"$ref":5}' }, { url: '/items/x/copy' }]],
  ['nullable-31.yaml', [{ url: '/notes' }]],
  ['nullable-30.yaml', [{ method: 'POST', url: '/notes', headers: { 'content-type': 'application/json' }, payload: '{"due":null}' }, { method: 'POST', url: '/notes', headers: { 'content-type': 'application/json' }, payload: '{"due":5}' }]],
  ['fragments.yaml', [{ url: '/?Action=GetThing' }, { url: '/?Action=ListThings' }, { url: '/?Action=Nope' }, { url: '/tags/arn1' }, { method: 'DELETE', url: '/tags/arn1?tagKeys=a' }, { method: 'PUT', url: '/files/f1' }]],
  ['param-names.yaml', [{ url: '/a/nope' }, { method: 'DELETE', url: '/a/y-1' }, { method: 'DELETE', url: '/a/nope' }]],
  ['type-file.yaml', [{ method: 'POST', url: '/upload', headers: { 'content-type': 'application/octet-stream' }, payload: 'bytes' }]],
  ['swagger2.json', [{ url: '/v2/pets/1' }, { url: '/v2/pets/abc' }, { url: '/__mock/operations' }, { method: 'POST', url: '/v2/pets', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=Tom&age=3' }, { method: 'POST', url: '/v2/pets', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=Tom&age=old' }]],
  ['sloppy.yaml', [{ url: '/x' }]],
  ['dangling-ref.yaml', [{ url: '/fine' }, { method: 'POST', url: '/broken', headers: { 'content-type': 'application/json' }, payload: '{"pet":1}' }], true]
]
for (const [name, requests, lenient] of probes) {
  t.test(name, async (t) => {
    let app
    try {
      app = await buildMockServer({ specs: [spec(name)], fixtures: false, lenient: lenient ?? false })
    } catch (e) { console.log(name, 'START FAILED', e); return }
    t.teardown(() => app.close())
    console.log('=====', name, JSON.stringify(app.understudy.warnings, null, 1), JSON.stringify(app.understudy.operations), JSON.stringify(app.understudy.specs))
    for (const r of requests) {
      const res = await app.inject({ method: (r.method ?? 'GET') as 'GET', url: r.url, headers: r.headers, payload: r.payload })
      console.log('  ', r.method ?? 'GET', r.url, res.statusCode, JSON.stringify(res.headers), res.body)
    }
    if (name === 'sloppy.yaml') console.log(JSON.stringify(await check({ specs: [spec(name)], fixtures: false }), null, 1))
  })
}
t.test('dangling strict', async (t) => {
  try { await buildMockServer({ specs: [spec('dangling-ref.yaml')], fixtures: false }) } catch (e) { console.log('REJECT', e, JSON.stringify(e)) }
})
