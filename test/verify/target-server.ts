import Fastify, { type FastifyInstance } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import { createServer } from 'node:net'
import { testSpec } from '../helpers.js'

/** test/specs/verify-target.yaml, which the servers below implement. */
export const TARGET_SPEC = testSpec('verify-target.yaml')

export interface TargetOptions {
  /** Answer as the spec says (true) or with one deviation per case (false). */
  correct: boolean
  /** Where the API is mounted; the spec says /v1. */
  prefix?: string
  /** How long /slow takes. */
  slowMs?: number
}

export interface Target {
  app: FastifyInstance
  address: string
  /** Every request seen: method, url, headers, body text. */
  seen: Array<{ method: string, url: string, headers: IncomingHttpHeaders, body: string }>
}

/**
 * A plain Fastify implementation of verify-target.yaml. Wrong, each case deviates once:
 * listItems?limit=1 cuts its JSON (body-unparsable), listItems gives an id as text
 * (body-invalid, type), createItem leaves out name (body-invalid, required), getItem 1 has
 * no X-Request-Id (header-missing), getItem 404 is text/html (content-type-undeclared),
 * getItem 7 is found where the fixture expects 404 (status-unexpected), ping has a body
 * (body-undocumented), health is 418 (status-undocumented).
 */
export async function startTarget (t: { teardown: (fn: () => unknown) => void }, options: TargetOptions): Promise<Target> {
  const { correct } = options
  const prefix = options.prefix ?? '/v1'
  const seen: Target['seen'] = []
  const app = Fastify({ forceCloseConnections: true })
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body))
  app.addHook('onRequest', async (request) => {
    seen.push({ method: request.method, url: request.url, headers: request.headers, body: '' })
  })
  app.addHook('preHandler', async (request) => {
    const last = seen[seen.length - 1]
    if (last !== undefined && typeof request.body === 'string') last.body = request.body
  })
  app.get(`${prefix}/items`, async (request, reply) => {
    const { limit } = request.query as { limit?: string }
    if (!correct && limit !== undefined) return reply.type('application/json').send('[{"id":1,"name":')
    return reply.send(correct ? [{ id: 1, name: 'widget' }] : [{ id: 'one', name: 'widget' }])
  })
  app.post(`${prefix}/items`, async (request, reply) => {
    const { name } = JSON.parse(request.body as string) as { name: string }
    reply.code(201).header('location', `${prefix}/items/2`)
    return correct ? { id: 2, name } : { id: 2 }
  })
  app.get(`${prefix}/items/:id`, async (request, reply) => {
    const { id } = request.params as { id: string }
    if (request.headers['x-tenant'] === undefined) return reply.code(400).type('application/problem+json').send({ title: 'no tenant' })
    if (id === '404' || (correct && id === '7')) {
      return correct
        ? reply.code(404).type('application/problem+json').send({ title: 'Not found' })
        : reply.code(404).type('text/html').send('<h1>Not found</h1>')
    }
    if (correct || id === '7') reply.header('x-request-id', 'r-1')
    return { id: Number(id), name: 'widget' }
  })
  app.get(`${prefix}/ping`, async (_request, reply) => correct ? reply.code(200).send() : reply.type('text/plain').send('pong'))
  app.get(`${prefix}/health`, async (_request, reply) => reply.code(correct ? 204 : 418).send())
  app.get(`${prefix}/slow`, async () => {
    // Unref'd: a test that abandoned it ends without waiting for it.
    await new Promise((resolve) => setTimeout(resolve, options.slowMs ?? 0).unref())
    return { done: true }
  })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => await app.close())
  return { app, address, seen }
}

/** A fixtures folder for verify-target: getItem's `deleted` (404 expected for item 7). */
export const TARGET_FIXTURES = {
  'verify-target': {
    getItem: {
      'deleted.yaml': 'description: Item 7 was deleted.\nstatus: 404\nrequest:\n  path:\n    id: 7\n'
    }
  }
}

/** A port nothing listens on: bound, then released. */
export async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
