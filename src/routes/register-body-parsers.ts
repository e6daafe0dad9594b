import type { FastifyInstance, FastifyRequest } from 'fastify'
import secureJson from 'secure-json-parse'
import { quoted } from '../respond/problem.js'
import { MalformedBody } from '../validate/malformed-body.js'
import { noteBody } from './answered-by.js'

// application/json and every +json type (application/problem+json, application/merge-patch+json, ...).
const JSON_TYPES = /^application\/(?:[\w.+-]+\+)?json(?:\s*;|$)/i

/**
 * JSON (with secure-json-parse's prototype-poisoning guard) and, for every other media type,
 * the raw bytes, bounded by the body limit. A body that does not parse becomes a MalformedBody
 * value, so the operation answers it in the API's own error shape instead of Fastify's.
 * Form and multipart bytes are read into fields by the operation (its request validator's
 * `readBody`), which knows their schema and `encoding`; the control surface never sees them
 * as anything but bytes.
 */
export function registerBodyParsers (app: FastifyInstance, bodyLimit: number): void {
  // In a plugin's context, this leaves the host's parsers alone.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string', bodyLimit }, (request, text, done) => {
    if (isEncoded(request)) return done(new EncodedBody(request.headers['content-encoding']), undefined)
    if (text.length === 0) return done(null, undefined)
    noteBody(request, text as string)
    try {
      done(null, secureJson.parse(text as string, undefined, { protoAction: 'error', constructorAction: 'error' }))
    } catch (error) {
      done(null, new MalformedBody(`body is not valid JSON: ${(error as Error).message}`))
    }
  })
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (request, bytes, done) => {
    if (isEncoded(request)) return done(new EncodedBody(request.headers['content-encoding']), undefined)
    if (bytes.length === 0) return done(null, undefined)
    noteBody(request, bytes as Buffer)
    done(null, bytes)
  })
}

/**
 * A compressed body (`Content-Encoding: gzip`) is not read: browsers never send one, and
 * the bytes would otherwise be judged as if they were the JSON or form they stand for.
 */
export class EncodedBody extends Error {
  readonly code = 'UNDERSTUDY_CONTENT_ENCODING'
  readonly statusCode = 415
  constructor (encoding: string | undefined) {
    super(`Content-Encoding: ${quoted(encoding ?? '')} is not read here; send the body uncompressed.`)
  }
}

function isEncoded (request: FastifyRequest): boolean {
  const encoding = request.headers['content-encoding']
  return encoding !== undefined && encoding.toLowerCase() !== 'identity'
}
