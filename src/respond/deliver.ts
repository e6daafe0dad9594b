import type { FastifyReply } from 'fastify'
import type { OutgoingHttpHeaders } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Fault } from '../fixture/fixture-format.js'
import type { Rendered } from './render-response.js'

export interface Delivery {
  delayMs: number | undefined
  fault: Fault | undefined
}

/**
 * Sends a rendered response after its delay (a timer: other requests go on meanwhile),
 * or acts out a fault on the socket instead:
 * - `reset`: the connection is reset (TCP RST), no response;
 * - `empty`: the connection closes with no response;
 * - `timeout`: nothing is sent; the connection stays open until the client gives up
 *   (or the server stops);
 * - `malformed`: the status line and headers, then half the body, then the connection closes.
 */
export async function deliver (reply: FastifyReply, rendered: Rendered, { delayMs, fault }: Delivery): Promise<FastifyReply> {
  if (delayMs !== undefined && delayMs > 0) await sleep(delayMs, undefined, { ref: false })
  reply.code(rendered.status).headers(rendered.headers)
  if (rendered.contentType !== undefined) reply.type(rendered.contentType)
  if (fault === undefined) return reply.send(rendered.body)

  reply.hijack()
  const socket = reply.raw.socket
  if (fault === 'reset') socket?.resetAndDestroy()
  else if (fault === 'empty') socket?.destroy()
  else if (fault === 'malformed') {
    const body = rendered.body ?? Buffer.from('{}')
    reply.raw.writeHead(rendered.status, { ...reply.getHeaders(), 'content-length': body.length } as OutgoingHttpHeaders)
    reply.raw.write(body.subarray(0, Math.floor(body.length / 2)), () => socket?.destroy())
  }
  return reply
}
