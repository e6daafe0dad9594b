import type { OpenApiDocument, OpenApiVersion } from '../openapi/load-spec.js'
import { dereferenceLazily } from '../openapi/dereference.js'
import { fakeValue } from '../respond/fake-value.js'
import { serializeBody } from '../respond/serialize-body.js'
import { createSchemaCompiler } from '../validate/create-schema-compiler.js'

const THING = {
  type: 'object',
  required: ['id', 'name'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string', minLength: 1, maxLength: 40, pattern: '^[A-Za-z ]+$' },
    count: { type: 'integer', minimum: 0 },
    tags: { type: 'array', items: { $ref: '#/components/schemas/Tag' } },
    state: { enum: ['open', 'closed'] },
    owner: { oneOf: [{ $ref: '#/components/schemas/Tag' }, { type: 'null' }] },
    at: { type: 'string', format: 'date-time' }
  }
}

/**
 * What an operation's first request runs, once, on a document of its own: AJV compiling
 * plain and coercing validators, the faker, the serialiser. Run after listen, it leaves
 * V8 warm for the first real request (GitHub's spec: 60 ms less on each first request of
 * a process). Nothing of the mock's state is touched.
 */
export async function warmUp (version: OpenApiVersion): Promise<void> {
  const document = { openapi: version === '3.0' ? '3.0.3' : '3.1.0', info: { title: 'warm-up', version: '1' }, paths: {}, components: { schemas: { Thing: THING, Tag: { type: 'object', properties: { label: { type: 'string' } } } } } }
  const spec = { name: 'understudy-warm-up', file: 'warm-up', version, document: document as unknown as OpenApiDocument, dereferenced: dereferenceLazily(document) }
  // Its schemas are sound: anything AJV would work around is a defect here.
  const compiler = createSchemaCompiler(spec, (error) => { throw error })
  const validate = compiler.validatorAt('/components/schemas/Thing')
  compiler.compileCoercing({ type: 'object', properties: { id: compiler.ref('/components/schemas/Thing/properties/id'), count: { type: 'integer' } } }, '/warm-up')({ id: 'x', count: '1' })
  const value = await fakeValue(spec.dereferenced.at('/components/schemas/Thing') as object, 1, { validate })
  serializeBody(value, 'application/json', undefined, 'Thing')
}
