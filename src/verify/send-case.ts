import type { CaseFailure, SeenResponse, SentRequest } from './verify-report.js'

export type Exchange =
  | { ok: true, response: SeenResponse, durationMs: number }
  | { ok: false, failure: CaseFailure, durationMs: number }

/**
 * Sends one request with Node's fetch, redirects not followed (a 3xx is an answer to check),
 * the whole exchange, body included, bounded by `timeoutMs`. No answer is a value, not a throw.
 */
export async function sendCase (request: SentRequest, timeoutMs: number): Promise<Exchange> {
  const started = performance.now()
  const elapsed = (): number => Math.round(performance.now() - started)
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs)
    })
    const body = await response.text()
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => { headers[name] = value })
    const contentType = response.headers.get('content-type') ?? undefined
    return { ok: true, response: { status: response.status, ...(contentType === undefined ? {} : { contentType }), headers, body }, durationMs: elapsed() }
  } catch (error) {
    return { ok: false, failure: unreachable(error, request.url, timeoutMs), durationMs: elapsed() }
  }
}

function unreachable (error: unknown, url: string, timeoutMs: number): CaseFailure {
  const { name, message, cause } = error as { name?: string, message?: string, cause?: { code?: string, message?: string } }
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { kind: 'unreachable', message: `no complete response within ${timeoutMs} ms`, expected: `a response within ${timeoutMs} ms`, actual: `timed out after ${timeoutMs} ms` }
  }
  if (cause?.message === 'bad port') {
    // fetch never connects to the ports browsers block (6000, 6665-6669, 10080, ...).
    const port = new URL(url).port
    return { kind: 'unreachable', message: `no response: Node's fetch refuses to connect to port ${port} (a port browsers block); serve the target on another port`, expected: 'a response', actual: `port ${port} refused by fetch` }
  }
  // fetch says "fetch failed" and keeps the reason (ECONNREFUSED, a reset, a cut body) in `cause`.
  const reason = [cause?.code, cause?.message].filter((part): part is string => part !== undefined && part !== '').join(': ') || message || String(error)
  return { kind: 'unreachable', message: `no response: ${reason}`, expected: 'a response', actual: reason }
}
