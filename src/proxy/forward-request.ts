import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import { Agent, request as send } from 'undici'
import { decodableAcceptEncoding } from './content-codings.js'

/** Headers of one connection, not of the message (RFC 9110 §7.6.1): never passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

export interface ProxyTarget {
  /** The backend's origin and base path: `http://127.0.0.1:8080`, `https://staging.example.com/v2`. */
  url: URL
  /** Longest wait for the backend's headers, then for each chunk of its body, in ms. */
  timeoutMs: number
}

export type Forwarded =
  /** The backend's status and end-to-end headers; its body still coming. */
  | { ok: true, status: number, headers: Record<string, string | string[]>, body: Readable }
  | Unanswered

export interface Unanswered { ok: false, reason: 'unreachable' | 'timeout', message: string }

/**
 * One pooled client per target (undici's Agent, keep-alive). Sends the request on with its
 * end-to-end headers (hop-by-hop ones and those its Connection names dropped, the mock's own
 * `x-mock-*` controls kept back, Host the target's), `X-Forwarded-*` added, and asks only
 * for the content codings the proxy can decode to check the answer. An app waiting for an
 * event stream (`Accept: text/event-stream`) waits between events as long as the backend
 * keeps the stream open.
 */
export function forwarder (target: ProxyTarget): {
  forward: (method: string, path: string, headers: IncomingHttpHeaders, body: string | Buffer | undefined, from: { ip: string, host: string | undefined, protocol: string }) => Promise<Forwarded>
  /** What went wrong reading the backend's answer, as the proxy tells it. */
  unanswered: (error: unknown) => Unanswered
  close: () => Promise<void>
} {
  const agent = new Agent({ headersTimeout: target.timeoutMs, bodyTimeout: target.timeoutMs })
  const base = target.url.pathname.replace(/\/+$/, '')
  return {
    forward: async (method, path, headers, body, from) => {
      const sent = endToEnd(headers)
      delete sent.host
      sent['accept-encoding'] = decodableAcceptEncoding(joined(headers['accept-encoding']))
      sent['x-forwarded-for'] = [joined(headers['x-forwarded-for']), from.ip].filter((part) => part !== undefined).join(', ')
      if (from.host !== undefined) sent['x-forwarded-host'] = from.host
      sent['x-forwarded-proto'] = from.protocol
      const streams = joined(headers.accept)?.includes('text/event-stream') === true
      try {
        const answer = await send(new URL(`${base}${path}`, target.url.origin), { method, headers: sent, body, dispatcher: agent, ...(streams ? { bodyTimeout: 0 } : {}) })
        return { ok: true, status: answer.statusCode, headers: endToEnd(answer.headers), body: answer.body }
      } catch (error) {
        return unanswered(target, error)
      }
    },
    unanswered: (error) => unanswered(target, error),
    close: async () => { await agent.close() }
  }
}

function unanswered (target: ProxyTarget, error: unknown): Unanswered {
  const code = (error as { code?: string }).code
  const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT'
  return { ok: false, reason: timeout ? 'timeout' : 'unreachable', message: `${target.url.origin}: ${(error as Error).message}${code === undefined ? '' : ` (${code})`}` }
}

/** A message's end-to-end headers: without hop-by-hop ones, those Connection names, and the mock's controls. */
function endToEnd (headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const named = new Set((joined(headers.connection) ?? '').split(',').map((name) => name.trim().toLowerCase()))
  const kept: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name) || name.startsWith('x-mock-')) continue
    kept[name] = value
  }
  return kept
}

/** A header's value as one line: a repeated header's values joined as HTTP joins them. */
export function joined (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}
