import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import { parse } from 'yaml'

const SPEC = new URL('../specs/postmantis.yaml', import.meta.url)

/** The `canceled` example, serialised once: the baseline should spend no time on the body. */
export function cancelBody () {
  const spec = parse(readFileSync(SPEC, 'utf8'))
  const example = spec.paths['/api/v1/posts/{postId}/cancel'].post.responses['200']
    .content['application/json'].examples.canceled.value
  return Buffer.from(JSON.stringify(example))
}

/** What a hand-written Fastify route doing understudy's work for this operation looks like. */
export function buildBaseline () {
  const body = cancelBody()
  const app = Fastify({ logger: false })
  app.post('/api/v1/posts/:postId/cancel', {
    schema: {
      params: {
        type: 'object',
        properties: { postId: { type: 'string', format: 'uuid' } },
        required: ['postId']
      }
    }
  }, (request, reply) => {
    if (!/^Bearer \S/i.test(request.headers.authorization ?? '')) {
      return reply.code(401).send({ code: 'unauthorized' })
    }
    return reply.type('application/json').send(body)
  })
  return app
}

// `node bench/baseline-server.js <port>`: listens on it (bench:startup's floor).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildBaseline().listen({ port: Number(process.argv[2]), host: '127.0.0.1' })
}
