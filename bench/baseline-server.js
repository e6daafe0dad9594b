import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import { parse } from 'yaml'

const read = (name) => parse(readFileSync(new URL(`../specs/${name}.yaml`, import.meta.url), 'utf8'))
const bytes = (value) => Buffer.from(JSON.stringify(value))

/** The spec's bodies the hand-written routes send, serialised once: they spend no time on them. */
export function specBodies () {
  const postmantis = read('postmantis')
  const cancel = postmantis.paths['/api/v1/posts/{postId}/cancel'].post.responses
  const crafter = read('crafter-studio')
  const publish = crafter.paths['/api/1/services/api/1/publish/cancel-publish-requests.json'].post.responses
  return {
    canceled: bytes(cancel['200'].content['application/json'].examples.canceled.value),
    unauthorized: bytes(cancel['401'].content['application/problem+json'].examples.unauthorized.value),
    invalidRequest: bytes(cancel['400'].content['application/problem+json'].examples.invalidRequest.value),
    crafterOk: bytes(crafter.components.examples.ok.value),
    crafterInvalid: bytes(publish['400'].content['application/json'].examples.invalidParameters.value),
    crafterUnauthorized: bytes(crafter.components.responses.Unauthorized.content['application/json'].examples.unauthorized.value)
  }
}

const BEARER = /^Bearer \S/i

/**
 * What hand-written Fastify routes doing understudy's work for the bench's two operations
 * look like: a bearer check answering the spec's 401, Fastify's AJV validation of `postId`
 * (a UUID) and of Crafter's JSON body, the spec's 400 for an invalid request, the spec's
 * examples as pre-serialised bodies.
 */
export function buildBaseline () {
  const body = specBodies()
  const app = Fastify({ logger: false })
  const guard = (unauthorized, type) => async (request, reply) => {
    if (!BEARER.test(request.headers.authorization ?? '')) return reply.code(401).type(type).send(unauthorized)
  }
  const invalid = (payload, type) => (_error, _request, reply) => reply.code(400).type(type).send(payload)
  app.register(async (postmantis) => {
    postmantis.setErrorHandler(invalid(body.invalidRequest, 'application/problem+json'))
    postmantis.post('/api/v1/posts/:postId/cancel', {
      onRequest: guard(body.unauthorized, 'application/problem+json'),
      schema: { params: { type: 'object', properties: { postId: { type: 'string', format: 'uuid' } }, required: ['postId'] } }
    }, (_request, reply) => reply.type('application/json').send(body.canceled))
  })
  app.register(async (crafter) => {
    crafter.setErrorHandler(invalid(body.crafterInvalid, 'application/json'))
    crafter.post('/studio/api/1/services/api/1/publish/cancel-publish-requests.json', {
      onRequest: guard(body.crafterUnauthorized, 'application/json'),
      schema: {
        body: {
          type: 'object',
          required: ['site_id', 'package_ids'],
          properties: {
            site_id: { type: 'string', minLength: 1 },
            package_ids: { type: 'array', minItems: 1, items: { type: 'string', format: 'uuid' } }
          }
        }
      }
    }, (_request, reply) => reply.type('application/json').send(body.crafterOk))
  })
  return app
}

// `node bench/baseline-server.js <port>`: listens on it (bench:startup's floor).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildBaseline().listen({ port: Number(process.argv[2]), host: '127.0.0.1' })
}
