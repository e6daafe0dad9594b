import type { FastifyInstance } from 'fastify'
import secureJson from 'secure-json-parse'
import { MalformedBody } from '../validate/malformed-body.js'

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
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string', bodyLimit }, (_request, text, done) => {
    if (text.length === 0) return done(null, undefined)
    try {
      done(null, secureJson.parse(text as string, undefined, { protoAction: 'error', constructorAction: 'error' }))
    } catch (error) {
      done(null, new MalformedBody(`body is not valid JSON: ${(error as Error).message}`))
    }
  })
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, bytes, done) => {
    done(null, bytes.length === 0 ? undefined : bytes)
  })
}
