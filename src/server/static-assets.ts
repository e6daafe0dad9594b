import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { problem, sendProblem } from '../respond/problem.js'

interface Asset { type: string, body: Buffer, etag: string }

/**
 * Files of a web page the mock serves (Swagger UI's, the control panel's), copied into
 * dist/ at build time: each read from disk once, on its first request, then answered from
 * memory with an ETag (304 when unchanged). Only the names in `types` are served: a
 * request's name never becomes a path of its own.
 */
export function staticAssets (folder: URL, types: Readonly<Record<string, string>>, what: string): (file: string, request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const assets = new Map<string, Promise<Asset>>()
  const load = (name: string, type: string): Promise<Asset> => {
    let asset = assets.get(name)
    if (asset === undefined) {
      asset = readFile(new URL(name, folder)).then((body) => ({
        type, body, etag: `"${createHash('sha1').update(body).digest('base64url')}"`
      }))
      assets.set(name, asset)
    }
    return asset
  }
  return async (file, request, reply) => {
    const type = Object.hasOwn(types, file) ? types[file] : undefined
    if (type === undefined) return sendProblem(reply, problem('not-found', `No ${what} named '${file}'.`))
    const asset = await load(file, type)
    reply.header('cache-control', 'no-cache').header('etag', asset.etag)
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send()
    return reply.type(asset.type).send(asset.body)
  }
}
