import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { problem, quoted, type Problem } from '../respond/problem.js'

/**
 * What Node's HTTP parser refuses, as a typed problem instead of Fastify's bare
 * `{"error":"Bad Request","message":"Client Error"}`: written straight to the socket (there
 * is no request to reply to), then the connection is closed, as HTTP requires after a
 * message it could not frame.
 */
export function answerClientError (error: Error & { code?: string, reason?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const body = describe(error)
  if (!socket.writable) {
    socket.destroy()
    return
  }
  // Garbage after a whole pipelined request: that request is answered first (Node keeps the
  // response in progress on the socket as `_httpMessage`). An error in its own body is not.
  const pending = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
  if (pending !== undefined && pending !== null && pending.req.complete && !pending.writableFinished) {
    pending.once('finish', () => { if (socket.writable) writeProblem(socket, body) })
    return
  }
  writeProblem(socket, body)
}

/** CONNECT asks for a tunnel: a mock is no forward proxy. */
export function refuseConnect (request: IncomingMessage, socket: Duplex): void {
  // Destroyed once sent: a CONNECT's socket is no longer the server's, so closing the server would not end it.
  writeProblem(socket, problem('not-implemented', `CONNECT is not served: understudy is a mock server, not a proxy to ${quoted(request.url ?? '')}.`), () => { socket.destroy() })
}

/** The problem as a whole HTTP/1.1 response on the socket, which closes once it is sent. */
function writeProblem (socket: Duplex, body: Problem, sent?: () => void): void {
  const payload = JSON.stringify(body)
  socket.end(`HTTP/1.1 ${body.status} ${STATUS_CODES[body.status] ?? ''}\r\n` +
    'Content-Type: application/problem+json\r\n' +
    `Content-Length: ${Buffer.byteLength(payload)}\r\n` +
    'Connection: close\r\n\r\n' + payload, sent)
}

function describe (error: Error & { code?: string, reason?: string }): Problem {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return problem('request-timeout', 'The request was not received in time (--request-timeout).')
    case 'HPE_HEADER_OVERFLOW':
      return problem('header-too-large', 'The request line and headers are larger than the server accepts (16 KiB).')
    case 'HPE_INVALID_VERSION':
      // Also what a request line ending in a bare LF gets ("Expected CRLF after version").
      if (error.reason !== 'Invalid HTTP version') break
      return problem('http-version-not-supported', 'Only HTTP/1.0 and HTTP/1.1 are served.')
    case 'HPE_PAUSED_H2_UPGRADE':
      return problem('http-version-not-supported', 'HTTP/2 is not served here: send HTTP/1.1.')
    case 'HPE_INVALID_METHOD':
      return problem('bad-request', 'The request method is not one HTTP knows (methods are case-sensitive).')
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return problem('bad-request', 'The Content-Length is not a number, is repeated, or is sent with Transfer-Encoding.')
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CHUNK_SIZE':
      return problem('bad-request', 'The chunked body cannot be read.')
  }
  return problem('bad-request', `The request is not valid HTTP/1.1${error.reason === undefined ? '' : `: ${error.reason}`}.`)
}
