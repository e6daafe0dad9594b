import type { FastifyReply } from 'fastify'
import { fakeValue, toSeed } from './fake-value.js'
import { negotiate } from './negotiate.js'
import type { PreparedResponse } from './prepare-responses.js'
import { problem, sendProblem } from './problem.js'
import { serializeBody } from './serialize-body.js'

export interface SendOptions {
  status: number
  /** The example to send; the response's first one when absent or unknown to a media type. */
  exampleName: string | undefined
  accept: string | undefined
  /** Fake the body from the schema instead of sending the example. */
  dynamic: boolean
  seed: string | undefined
  headers?: Record<string, string>
}

/**
 * Negotiates the media type and sends the pre-serialised body (or a freshly faked one).
 * An unsatisfiable Accept is 406 for a success; an error response is sent in its first
 * media type anyway, as real servers do (RFC 9110 §12.1 lets a server disregard Accept).
 */
export async function sendPrepared (reply: FastifyReply, response: PreparedResponse, options: SendOptions): Promise<FastifyReply> {
  reply.code(options.status).headers(response.headers)
  if (response.media.length === 0) return reply.headers(options.headers ?? {}).send()
  const available = response.media.map((media) => media.mediaType)
  const chosen = negotiate(options.accept, available)
  if (chosen === undefined && options.status < 400) {
    return sendProblem(reply, problem('not-acceptable', `This response is available as ${available.join(', ')}, not as ${options.accept ?? ''}`, { available }))
  }
  if (options.headers !== undefined) reply.headers(options.headers)
  const media = response.media.find((entry) => entry.mediaType === chosen) ?? response.media[0]!
  let body = (options.exampleName === undefined ? undefined : media.bodies.get(options.exampleName)) ?? media.defaultBody
  if (options.dynamic && media.schema !== undefined) {
    const seed = options.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : toSeed(options.seed)
    body = serializeBody(await fakeValue(media.schema, seed), media.mediaType, media.schema, media.rootName)
  }
  return reply.type(media.mediaType).send(body)
}
