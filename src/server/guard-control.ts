import type { FastifyInstance, FastifyRequest } from 'fastify'
import { problem, quoted, sendProblem } from '../respond/problem.js'
import { CONTROL_PREFIX } from '../openapi/index-operations.js'

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])
const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

/** Whether a socket address (the peer's, or our own end's) is this machine's loopback. */
export function isLoopbackAddress (address: string | undefined): boolean {
  return address !== undefined && LOOPBACK_ADDRESSES.has(address)
}
const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** `localhost`, `*.localhost`, 127.0.0.1 and ::1: names that cannot lead off this machine. */
export function isLoopbackName (hostname: string): boolean {
  const name = hostname.toLowerCase()
  return LOOPBACK_NAMES.has(name) || name.endsWith('.localhost')
}

/** A web page served from this machine (`http://localhost:5173`, the mock's own pages). */
export function isLoopbackOrigin (origin: string): boolean {
  try {
    return isLoopbackName(new URL(origin).hostname)
  } catch {
    return false
  }
}

/** Whether a request to the control surface from a page on `origin` is allowed: from this machine, or named with --control-origin. */
export function controlOriginAllowed (origin: string, allowed: readonly string[]): boolean {
  return isLoopbackOrigin(origin) || allowed.includes(origin)
}

export function isControlRequest (request: FastifyRequest, prefix: string): boolean {
  return request.url.startsWith(`${prefix}${CONTROL_PREFIX}/`)
}

export interface ControlGuard {
  /** Origins besides this machine's whose pages may change the mock (`--control-origin`). */
  controlOrigins: readonly string[]
  /** When set, every state-changing `/__mock` request needs `Authorization: Bearer <token>`. */
  controlToken: string | undefined
}

/**
 * The control surface's state-changing calls (sessions, reset, stop) are refused from a web
 * page on another machine's origin (a browser always sends Origin with them, so no page
 * the developer visits can switch their sessions), and without the token when one is set.
 */
export function guardControl (app: FastifyInstance, { controlOrigins, controlToken }: ControlGuard): void {
  const prefix = app.prefix
  const stopUrl = `${prefix}${CONTROL_PREFIX}/stop`
  app.addHook('onRequest', async (request, reply) => {
    // A preflight asks leave for a change (CORS answered the allowed ones already).
    const preflight = isPreflight(request)
    if ((READS.has(request.method) && !preflight) || !isControlRequest(request, prefix)) return
    const origin = request.headers.origin
    if (origin !== undefined && !controlOriginAllowed(origin, controlOrigins)) {
      return await sendProblem(reply, problem('forbidden', `The mock's control surface does not take changes from a web page on ${origin}; allow it with --control-origin.`))
    }
    if (preflight) return
    // `understudy stop` sends no token: the stop route answers only this machine, without an Origin.
    if (controlToken !== undefined && request.headers.authorization !== `Bearer ${controlToken}` && request.url !== stopUrl) {
      return await sendProblem(reply, problem('unauthorized', 'The mock\'s control surface needs Authorization: Bearer <the --control-token>.'))
    }
  })
}

/** A browser asking leave (CORS) before its request, not a request of the app's. */
export function isPreflight (request: FastifyRequest): boolean {
  return request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined
}

/** RFC 3986's host (a name, IPv4, or a bracketed IPv6 literal) and an optional port. */
const HOST_FIELD = /^(?:\[[\dA-Fa-f:.]+\]|[\w\-.~!$&'()*+,;=%]*)(?::\d*)?$/

/**
 * What every request's head must hold before it is routed: HTTP/1.0 or 1.1 (Node's parser
 * also takes 0.9 and 2.0 request lines), and one valid Host (HTTP/1.0 may send none).
 * DNS rebinding: a page on attacker.example whose name resolves to 127.0.0.1 reaches a mock
 * on loopback with `Host: attacker.example`. A request that came in on loopback must name
 * this machine (or a name given with --allow-host).
 */
export function guardRequest (app: FastifyInstance, allowedHosts: readonly string[]): void {
  app.addHook('onRequest', async (request, reply) => {
    const { raw } = request
    if (raw.httpVersionMajor !== 1) {
      return await sendProblem(reply.header('connection', 'close'), problem('http-version-not-supported', 'Only HTTP/1.0 and HTTP/1.1 are served.'))
    }
    const host = request.headers.host
    if (host === undefined) {
      if (raw.httpVersionMinor === 0) return
      return await sendProblem(reply, problem('bad-request', 'HTTP/1.1 requires a Host header.'))
    }
    // Node keeps the first of several Host lines; HTTP requires a 400.
    if (!HOST_FIELD.test(host) || hostLines(raw.rawHeaders) > 1) {
      return await sendProblem(reply, problem('bad-request', 'The request needs exactly one Host header, a host name or address with an optional port.'))
    }
    if (!isLoopbackAddress(request.socket.localAddress)) return
    const name = hostname(host)
    if (isLoopbackName(name) || allowedHosts.includes(name)) return
    return await sendProblem(reply, problem('forbidden', `Host ${quoted(name)} is not a name of this mock, which listens on this machine only; allow it with --allow-host.`))
  })
}

function hostLines (rawHeaders: readonly string[]): number {
  let lines = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.length === 4 && rawHeaders[i]?.toLowerCase() === 'host') lines++
  }
  return lines
}

function hostname (host: string): string {
  const bracketed = /^\[([^\]]*)\]/.exec(host)
  if (bracketed !== null) return bracketed[1] ?? ''
  return (host.split(':', 1)[0] ?? '').toLowerCase()
}
