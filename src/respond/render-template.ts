import { randomUUID } from 'node:crypto'
import type { Evaluate, Expression } from '../fixture/compile-template.js'
import { readRequestValue } from '../fixture/request-values.js'
import type { RequestParts } from '../validate/compile-request-validator.js'

/** What a templated answer may read of its request. */
export interface TemplateRequest {
  parts: RequestParts
  method: string
  /** As received: path and query string. */
  url: string
  /** The declared path or query parameters as the request validator reads them (see RequestValidator.readParameters). */
  readParameters: (location: 'path' | 'query') => Record<string, unknown>
  /** Counts one more answer of the session that reads `{{counter}}`, and gives the count. */
  nextCount: () => number
}

/**
 * The values of one answer's expressions. What the answer makes (now, uuid, counter) is
 * made once, when first read, so a body and a header of one answer agree, and a counter
 * counts answers, not places. Parameters are read once, and only if an expression names one.
 */
export function answerValues (request: TemplateRequest): Evaluate {
  let now: Date | undefined
  const clock = (): Date => (now ??= new Date())
  let uuid: string | undefined
  let count: number | undefined
  const parameters = new Map<'path' | 'query', Record<string, unknown>>()
  const parameter = (location: 'path' | 'query', name: string): unknown => {
    let values = parameters.get(location)
    if (values === undefined) parameters.set(location, values = request.readParameters(location))
    // An undeclared query parameter is read as sent.
    return Object.hasOwn(values, name) ? values[name] : readRequestValue(request.parts, location, name)
  }
  return (expression: Expression): unknown => {
    switch (expression.source) {
      case 'path':
      case 'query': return parameter(expression.source, expression.name)
      case 'headers':
      case 'cookies': return readRequestValue(request.parts, expression.source, expression.name)
      case 'body': return readRequestValue(request.parts, 'body', expression.pointer)
      case 'method': return request.method
      case 'url': return request.url
      case 'uuid': return (uuid ??= randomUUID())
      case 'counter': return (count ??= request.nextCount())
      // Whole seconds, as most APIs write a date-time.
      case 'now': return clock().toISOString().replace(/\.\d{3}Z$/, 'Z')
      case 'now.date': return clock().toISOString().slice(0, 10)
      case 'now.epoch': return Math.floor(clock().getTime() / 1000)
    }
  }
}
