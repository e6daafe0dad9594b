import Fastify from 'fastify'
import type { OpenAPIV3 } from 'openapi-types'
import t from 'tap'
import { verify } from '../dist/index.js'
import { serializeXml } from '../dist/respond/serialize-xml.js'
import { readXml } from '../dist/verify/parse-xml.js'
import { SPECS } from './helpers.js'

const OP_STATUS: OpenAPIV3.SchemaObject = {
  type: 'object',
  xml: { name: 'status', namespace: 'http://www.usharesoft.com/uforge', prefix: 'ns0' },
  properties: {
    dbId: { type: 'integer' },
    percentage: { type: 'number' },
    cancelled: { type: 'boolean' },
    message: { type: 'string' },
    eta: { type: ['integer', 'null'] } as unknown as OpenAPIV3.SchemaObject
  }
}

const LIBRARY: OpenAPIV3.SchemaObject = {
  type: 'object',
  xml: { name: 'library' },
  properties: {
    id: { type: 'integer', xml: { attribute: true } },
    owner: { type: 'string', xml: { attribute: true, name: 'by' } },
    books: { type: 'array', xml: { wrapped: true, name: 'shelf' }, items: { type: 'object', xml: { name: 'book' }, properties: { title: { type: 'string' }, pages: { type: 'integer' } } } },
    tags: { type: 'array', items: { type: 'string', xml: { name: 'tag' } } },
    scores: { type: 'array', items: { type: 'number' } },
    address: { type: 'object', properties: { city: { type: 'string', xml: { name: 'town' } } } }
  }
}

t.test('readXml reads back what serializeXml writes, through the same schema', async (t) => {
  const values: Array<[OpenAPIV3.SchemaObject, unknown]> = [
    [OP_STATUS, { dbId: 56, percentage: 40.5, cancelled: true, message: 'Publish cancelled' }],
    [OP_STATUS, { dbId: 0, cancelled: false, message: '12' }],
    [LIBRARY, { id: 3, owner: 'ann', books: [{ title: 'A', pages: 10 }, { title: 'B', pages: 20 }], tags: ['x', 'y'], scores: [1.5], address: { city: 'Lyon' } }],
    [LIBRARY, { id: 4, books: [{ title: 'Only' }], tags: ['one'] }]
  ]
  for (const [schema, value] of values) {
    const xml = serializeXml(value, schema, 'response')
    t.strictSame(readXml(xml, schema, 'response'), { ok: true, value }, xml)
  }
})

t.test('readXml: names are compared without namespace prefixes; empty elements; unknown elements kept', async (t) => {
  t.strictSame(readXml('<ns2:status xmlns:ns2="urn:x"><dbId>7</dbId><eta/><message/></ns2:status>', OP_STATUS, 'response'), { ok: true, value: { dbId: 7, eta: null, message: '' } })
  t.strictSame(readXml('<status><dbId>7</dbId><extra>1</extra></status>', OP_STATUS, 'response'), { ok: true, value: { dbId: 7, extra: '1' } })
  t.strictSame(readXml('<status><dbId>seven</dbId><cancelled>yes</cancelled></status>', OP_STATUS, 'response'), { ok: true, value: { dbId: 'seven', cancelled: 'yes' } }, 'text that is not of the type stays text, for the validator')
  t.strictSame(readXml('<OpStatus/>', { type: 'object', properties: {} }, 'OpStatus'), { ok: true, value: {} }, 'the component name is the root without xml.name')
})

t.test('readXml: a wrong root element, malformed XML', async (t) => {
  t.strictSame(readXml('<error><code>1</code></error>', OP_STATUS, 'response'), { ok: false, kind: 'root', expected: '<status>', actual: '<error>' })
  t.strictSame(readXml('<status><dbId>1</status>', OP_STATUS, 'response'), { ok: false, kind: 'unparsable', message: "Expected closing tag 'dbId' (opened in line 1, col 9) instead of closing tag 'status'. (line 1)" })
  t.strictSame(readXml('{"dbId":1}', OP_STATUS, 'response'), { ok: false, kind: 'unparsable', message: "char '{' is not expected. (line 1)" })
})

t.test('verify against a server sending UForge XML that deviates: types, root element, well-formedness', async (t) => {
  const bodies = [
    '<?xml version="1.0"?><ns0:status xmlns:ns0="http://www.usharesoft.com/uforge"><dbId>abc</dbId><cancelled>yes</cancelled></ns0:status>',
    '<?xml version="1.0"?><ns0:uforgeError xmlns:ns0="http://www.usharesoft.com/uforge"><statusCode>200</statusCode></ns0:uforgeError>',
    '<ns0:status><dbId>1</dbId>',
    '<ns0:status xmlns:ns0="http://www.usharesoft.com/uforge"><dbId>1</dbId><cancelled>true</cancelled></ns0:status>'
  ]
  const app = Fastify()
  app.delete('/api/users/:uid/appliances/:aid/images/:itid/pimages/:pitid/cancel', async (_request, reply) => reply.type('application/xml').send(bodies.shift()))
  t.teardown(async () => await app.close())
  const target = await app.listen({ port: 0, host: '127.0.0.1' })
  const run = async (): Promise<unknown> => (await verify({ target, specs: [`${SPECS}/uforge.yaml`], fixtures: false })).cases.map((result) => [result.name, result.failures])
  t.strictSame(await run(), [['uforge cancelMachineImagePublish generated', [
    { kind: 'body-invalid', message: 'the 200 application/xml body does not match its schema at /dbId: must be integer', expected: 'type integer', actual: '"abc" (string)' },
    { kind: 'body-invalid', message: 'the 200 application/xml body does not match its schema at /cancelled: must be boolean', expected: 'type boolean', actual: '"yes" (string)' }
  ]]])
  t.strictSame(await run(), [['uforge cancelMachineImagePublish generated', [
    { kind: 'body-invalid', message: 'the 200 application/xml body has the root element <uforgeError>, not <status>', expected: 'root element <status>', actual: 'root element <uforgeError>' }
  ]]])
  t.strictSame(await run(), [['uforge cancelMachineImagePublish generated', [
    { kind: 'body-unparsable', message: "the 200 application/xml body is not well-formed XML: Unclosed tag 'ns0:status'. (line 1)", expected: 'well-formed XML', actual: '<ns0:status><dbId>1</dbId>' }
  ]]])
  t.strictSame(await run(), [['uforge cancelMachineImagePublish generated', []]])
})

t.test('readXml: XML the validator passes but the parser refuses is unparsable, not a throw', async (t) => {
  for (const xml of ['<status><__proto__>1</__proto__></status>', '<!DOCTYPE r [<!ENTITY a SYSTEM "x">]><status/>', '<!DOCTYPE r [<!ENTITY % p "x">]><status/>']) {
    const reading = readXml(xml, OP_STATUS, 'response')
    t.equal(reading.ok, false, xml)
    t.equal(reading.ok === false && reading.kind, 'unparsable', xml)
  }
})

t.test('verify against a server sending XML the parser refuses: a body-unparsable failure per case, the run goes on', async (t) => {
  const bodies = [
    '<ns0:status xmlns:ns0="http://www.usharesoft.com/uforge"><__proto__>1</__proto__></ns0:status>',
    '<!DOCTYPE r [<!ENTITY a SYSTEM "file:///etc/passwd">]><ns0:status xmlns:ns0="http://www.usharesoft.com/uforge"/>',
    '<!DOCTYPE r [<!ENTITY % p "x">]><ns0:status xmlns:ns0="http://www.usharesoft.com/uforge"/>'
  ]
  const app = Fastify()
  app.delete('/api/users/:uid/appliances/:aid/images/:itid/pimages/:pitid/cancel', async (_request, reply) => reply.type('application/xml').send(bodies[0]))
  t.teardown(async () => await app.close())
  const target = await app.listen({ port: 0, host: '127.0.0.1' })
  for (const body of [...bodies]) {
    bodies[0] = body
    const report = await verify({ target, specs: [`${SPECS}/uforge.yaml`], fixtures: false })
    t.strictSame(report.cases.map((result) => [result.name, result.failures.map((failure) => [failure.kind, failure.expected, failure.actual])]), [
      ['uforge cancelMachineImagePublish generated', [['body-unparsable', 'well-formed XML', body]]]
    ], body)
    t.match(report.cases[0]!.failures[0]!.message, /^the 200 application\/xml body is not well-formed XML: /)
  }
})
