import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { problem, quoted, sendProblem } from '../respond/problem.js'
import type { AnswerWrongMethod } from '../routes/allowed-methods.js'
import { EncodedBody } from '../routes/register-body-parsers.js'
import { StoreUnavailable } from '../store/store-unavailable.js'

/** The longest path parameter routed (Fastify's default, 100, refuses ids a real API takes in its stride). */
export const MAX_PARAM_LENGTH = 2048

/**
 * Whatever goes wrong outside an operation's own answers becomes problem+json with a
 * stable type: unknown paths, oversized or unreadable bodies, bad URLs, and bugs — the
 * last logged (and one line on stderr, logger or not), never shown with a stack trace.
 * Unknown paths only where the mock owns them (a server of its own, or a plugin under a
 * prefix): `unknownPaths` says which are known for other methods (405), else the mock does not.
 */
export function handleErrors (app: FastifyInstance, unknownPaths: AnswerWrongMethod | undefined): void {
  if (unknownPaths !== undefined) {
    app.setNotFoundHandler(async (request, reply) => unknownPaths(request, reply) ??
      sendProblem(reply, problem('not-found', `No operation for ${request.method} ${request.url.split('?', 1)[0] ?? ''}`)))
  }
  app.setErrorHandler(async (error: FastifyError, request, reply) => answerError(error, request, reply))
}

export function answerError (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return sendProblem(reply, problem('payload-too-large', 'The request body is larger than the server accepts.'))
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return sendProblem(reply, problem('unsupported-media-type', `The Content-Type '${request.headers['content-type'] ?? ''}' cannot be read.`))
  }
  if (error instanceof EncodedBody) {
    return sendProblem(reply.header('accept-encoding', 'identity'), problem('unsupported-media-type', error.message))
  }
  if (error instanceof StoreUnavailable) return sendProblem(reply, problem('store-unavailable', error.message))
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendProblem(reply, problem('bad-request', `The path ${quoted(request.url.split('?', 1)[0] ?? '')} is not valid percent-encoded UTF-8.`))
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendProblem(reply, problem('uri-too-long', `A path segment is longer than the server accepts (${MAX_PARAM_LENGTH} characters).`))
  }
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    return sendProblem(reply, problem('bad-request', error.message, {}, status))
  }
  request.log.error({ err: error }, 'understudy: unexpected error')
  // One line whatever the logger: the answer says the log has the details.
  const where = error.stack?.split('\n').find((line) => line.trimStart().startsWith('at '))?.trim()
  process.stderr.write(`understudy: internal error answering ${request.method} ${request.url}: ${error.name}: ${error.message}${where === undefined ? '' : ` (${where})`}\n`)
  return sendProblem(reply, problem('internal', 'understudy failed to answer this request; the server log has the details.'))
}
