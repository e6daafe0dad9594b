import { parseCookie } from 'cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { problem, sendProblem } from '../respond/problem.js'
import { sendPrepared } from '../respond/send-response.js'
import { selectScenario, type SelectionHeaders } from '../scenario/select-scenario.js'
import type { RequestParts } from '../validate/compile-request-validator.js'
import type { Violation } from '../validate/violations.js'
import type { CompiledOperation } from './compile-operation.js'

/** Violations travel in one response header; past this length the list is cut short. */
const VIOLATIONS_HEADER_LIMIT = 2048

/** route → security check → request validation → select scenario → respond. */
export function createOperationHandler (compiled: CompiledOperation) {
  return async function handleOperation (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const parts = toRequestParts(request, compiled)
    const accept = request.headers.accept
    if (!compiled.checkSecurity(parts)) {
      const response = compiled.unauthorizedResponse
      if (response === undefined) {
        return sendProblem(reply, problem('unauthorized', `${compiled.operationId} requires credentials: ${describeSecurity(compiled)}`))
      }
      return await sendPrepared(reply, response, { status: response.status, exampleName: undefined, accept, dynamic: false, seed: undefined })
    }

    const check = compiled.validateRequest(parts)
    if (!check.ok && check.kind === 'unsupported-media-type') {
      return sendProblem(reply, problem('unsupported-media-type', `${compiled.operationId} accepts ${check.supported.join(', ')}, not ${check.contentType}`, { supported: check.supported }))
    }
    if (!check.ok) {
      const response = compiled.invalidRequestResponse
      if (response === undefined) {
        const count = check.violations.length
        return sendProblem(reply, problem('invalid-request', `The request does not match ${compiled.operationId}: ${count} violation${count === 1 ? '' : 's'}.`, { errors: check.violations }))
      }
      return await sendPrepared(reply, response, {
        status: response.status,
        exampleName: check.malformed ? response.malformedExample : undefined,
        accept,
        dynamic: false,
        seed: undefined,
        headers: { 'x-mock-violations': violationsHeader(check.violations) }
      })
    }

    const selection = selectScenario(compiled, request.headers as SelectionHeaders)
    if (!selection.ok) {
      const scenarios = compiled.scenarios.map((scenario) => scenario.name)
      return sendProblem(reply, problem('unknown-scenario', `${compiled.operationId} has no scenario '${selection.requested}'. Known: ${scenarios.join(', ')}`, { operationId: compiled.operationId, scenarios }))
    }
    const { scenario } = selection
    return await sendPrepared(reply, scenario.response, {
      status: selection.status,
      exampleName: scenario.name,
      accept,
      dynamic: selection.dynamic,
      seed: selection.seed,
      headers: { 'x-mock-scenario': scenario.name }
    })
  }
}

function toRequestParts (request: FastifyRequest, { parseCookies, operation }: CompiledOperation): RequestParts {
  const cookieHeader = request.headers.cookie
  let params = request.params as Record<string, string>
  if (operation.paramAliases.length > 0) {
    params = { ...params }
    for (const [alias, name] of operation.paramAliases) params[name] = params[alias] as string
  }
  return {
    params,
    query: request.query as Record<string, unknown>,
    headers: request.headers,
    cookies: parseCookies && cookieHeader !== undefined ? parseCookie(cookieHeader) : {},
    contentType: request.headers['content-type'],
    body: request.body
  }
}

function describeSecurity (compiled: CompiledOperation): string {
  return compiled.operation.security.map((requirement) => Object.keys(requirement).join(' + ')).join(' or ')
}

/** JSON, ASCII only (header values must be), bounded in length. */
export function violationsHeader (violations: readonly Violation[]): string {
  const encode = (value: unknown): string =>
    JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0'))
  const entries = violations.map(encode)
  const full = `[${entries.join(',')}]`
  if (full.length <= VIOLATIONS_HEADER_LIMIT) return full
  // Keep what fits beside a closing {"truncated":N}; each entry was encoded once.
  const room = VIOLATIONS_HEADER_LIMIT - encode({ truncated: violations.length }).length - 2
  const kept: string[] = []
  let length = 0
  for (const entry of entries) {
    if (length + entry.length + 1 > room) break
    kept.push(entry)
    length += entry.length + 1
  }
  kept.push(encode({ truncated: violations.length - kept.length }))
  return `[${kept.join(',')}]`
}
