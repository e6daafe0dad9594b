import type { FastifyReply } from 'fastify'
import { STATUS_CODES } from 'node:http'
import { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Fault } from '../fixture/fixture-format.js'
import type { Rendered } from './render-response.js'

export interface Delivery {
  delayMs: number | undefined
  fault: Fault | undefined
  /** Aborted when the server closes: a pending delay ends and its connection is dropped. */
  closing: AbortSignal
}

/**
 * Sends a rendered response after its delay (a timer: other requests go on meanwhile),
 * or acts out a fault on the socket instead:
 * - `reset`: the connection is reset (TCP RST), no response;
 * - `empty`: the connection closes with no response;
 * - `timeout`: nothing is sent; the connection stays open until the client gives up
 *   (or the server stops);
 * - `malformed`: half the response, then the connection closes: the status line, the
 *   headers with the full Content-Length and half the body (a response without a body
 *   is cut in the middle of its headers).
 */
export async function deliver (reply: FastifyReply, rendered: Rendered, { delayMs, fault, closing }: Delivery): Promise<FastifyReply> {
  if (delayMs !== undefined && delayMs > 0) {
    try {
      await sleep(delayMs, undefined, { signal: closing })
    } catch {
      reply.hijack()
      reply.raw.destroy()
      return reply
    }
  }
  reply.code(rendered.status).headers(rendered.headers)
  if (rendered.extraHeaders !== undefined) reply.headers(rendered.extraHeaders)
  if (rendered.contentType !== undefined) reply.type(rendered.contentType)
  if (fault === undefined) return reply.send(rendered.body)

  reply.hijack()
  // Under inject() there is no real socket: every fault is a dropped response there.
  const socket = reply.raw.socket
  if (!(socket instanceof Socket)) reply.raw.destroy()
  else if (fault === 'reset') socket.resetAndDestroy()
  else if (fault === 'empty') socket.destroy()
  else if (fault === 'malformed') socket.end(halfResponse(reply, rendered))
  return reply
}

/** The first half of the response's bytes, head and body, written by hand so nothing completes it. */
function halfResponse (reply: FastifyReply, { status, body }: Rendered): Buffer {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`]
  for (const [name, value] of Object.entries({ ...reply.getHeaders(), 'content-length': body?.length ?? 0, connection: 'close' })) {
    for (const item of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${String(item)}`)
  }
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n')
  if (body === undefined || body.length === 0) return head.subarray(0, Math.floor(head.length / 2))
  return Buffer.concat([head, body.subarray(0, Math.floor(body.length / 2))])
}
