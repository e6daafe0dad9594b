import { promisify } from 'node:util'
import zlib from 'node:zlib'

type Decoder = (bytes: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions) => Promise<Buffer>

/** The content codings (RFC 9110 §8.4.1) the proxy decodes a backend's answer from to check it: it asks only for these. */
const DECODERS: Readonly<Record<string, Decoder>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
  identity: async (bytes) => bytes
}

/** A `Content-Encoding`'s codings, in the order they were applied. */
export function codingsOf (contentEncoding: string | undefined): string[] {
  return (contentEncoding ?? '').split(',').map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== '')
}

export function isDecodable (coding: string): boolean {
  return Object.hasOwn(DECODERS, coding)
}

/**
 * What of an app's `Accept-Encoding` the backend is asked for: the codings the proxy can
 * decode, with their weights (a browser's `gzip, deflate, br, zstd` → `gzip, deflate, br`);
 * `identity` when none is left.
 */
export function decodableAcceptEncoding (header: string | undefined): string {
  const kept = (header ?? '').split(',').map((entry) => entry.trim()).filter((entry) => isDecodable((entry.split(';', 1)[0] ?? '').trim().toLowerCase()))
  return kept.length === 0 ? 'identity' : kept.join(', ')
}

/** The bytes under their codings (undone last first), at most `limit` of them (else a RangeError, code ERR_BUFFER_TOO_LARGE). */
export async function decode (bytes: Buffer, codings: readonly string[], limit: number): Promise<Buffer> {
  let decoded = bytes
  for (const coding of [...codings].reverse()) decoded = await DECODERS[coding]!(decoded, { maxOutputLength: limit })
  return decoded
}
