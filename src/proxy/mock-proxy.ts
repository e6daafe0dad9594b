import type { FastifyRequest } from 'fastify'
import { mountOf } from '../openapi/index-operations.js'
import type { LoadedSpec } from '../openapi/load-spec.js'
import { bodyOf } from '../routes/answered-by.js'
import type { MockProxy } from './answer-from-backend.js'
import { checkBasePath, checkNames, checkTarget } from '../verify/validate-options.js'
import { forwarder } from './forward-request.js'
import type { ProxyTally } from './proxy-tally.js'
import { recordAnswer, type RecordOptions } from './record-answer.js'

export interface ProxyOptions {
  /** The backend: `http://127.0.0.1:8080`, with a base path if it has one. */
  target: string
  /** Answer from the mock when the backend has no such route (404, 405, 501) or cannot be reached. Default: false. */
  fallback?: boolean
  /** Per spec, the path the backend serves it under instead of its servers' path (`{ studio: '/' }`). */
  basePaths?: Readonly<Record<string, string>>
  /** Longest wait for the backend's headers, then for each chunk of its body, in ms. Default: 30000. */
  timeoutMs?: number
  /** Write every distinct answer that matches the spec as a fixture (see recordAnswer); told of each file written. */
  record?: RecordOptions & { onRecorded?: (file: string) => void }
}

const INVALID = 'UNDERSTUDY_PROXY_OPTION_INVALID'

/**
 * The proxy the operations forward through, and its connection pool's close. `prefix`: the
 * plugin's, which the backend does not serve under.
 */
export function createMockProxy (options: ProxyOptions, specs: readonly LoadedSpec[], context: { tally: ProxyTally, prefix: string, onWarning: (line: string) => void }): MockProxy & { close: () => Promise<void> } {
  const { tally, prefix, onWarning } = context
  const target = checkTarget(options.target, '--proxy', INVALID)
  checkNames('--base-path', 'spec', Object.keys(options.basePaths ?? {}), new Set(specs.map((spec) => spec.name)), INVALID)
  const { record } = options
  const { forward, unanswered, close } = forwarder({ url: new URL(target), timeoutMs: options.timeoutMs ?? 30_000 })
  const mounts = new Map(specs.map((spec) => {
    const mount = mountOf(spec.document)
    const to = options.basePaths?.[spec.name]
    return [spec.name, { mount: mount === '/' ? '' : mount, to: to === undefined ? undefined : checkBasePath(spec.name, to, INVALID) }]
  }))
  return {
    backend: target,
    fallback: options.fallback ?? false,
    tally,
    record: record === undefined
      ? undefined
      : (compiled, parts, answer) => {
          recordAnswer(record, compiled, parts, answer).then(
            (file) => { if (file !== undefined) record.onRecorded?.(file) },
            (error: Error) => { onWarning(`understudy: warning: ${compiled.operationId}'s answer not recorded: ${error.message}`) })
        },
    pathFor: (compiled, url) => {
      const { mount, to } = mounts.get(compiled.operation.spec.name)!
      const path = url.slice(prefix.length)
      return to === undefined ? path : `${to}${path.slice(mount.length)}`
    },
    unanswered,
    forward: async (method: string, path: string, request: FastifyRequest) =>
      await forward(method, path, request.headers, bodyOf(request), { ip: request.ip, host: request.headers.host, protocol: request.protocol }),
    close
  }
}
