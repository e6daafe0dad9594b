import { validateHeaderName, validateHeaderValue } from 'node:http'
import { UnderstudyError } from '../errors.js'

/** Whose option it is: verify's, or a proxy's (`serve --proxy`, `understudy proxy`). */
export type OptionErrorCode = 'UNDERSTUDY_VERIFY_OPTION_INVALID' | 'UNDERSTUDY_PROXY_OPTION_INVALID'

/** An option that cannot be used: one line naming the option, no stack trace. */
export function optionError (option: string, detail: string, code: OptionErrorCode = 'UNDERSTUDY_VERIFY_OPTION_INVALID'): UnderstudyError {
  return new UnderstudyError(code, `${option}: ${detail}`)
}

/** An http(s) base URL. */
export function checkTarget (target: string, option = '--target', code?: OptionErrorCode): string {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    throw optionError(option, `'${target}' is not a URL`, code)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw optionError(option, `'${target}' is not an http:// or https:// URL`, code)
  if (url.username !== '' || url.password !== '') {
    // Never echoed: the URL holds a password. fetch refuses such URLs anyway.
    const instead = code === 'UNDERSTUDY_PROXY_OPTION_INVALID' ? "the backend is sent the app's own Authorization header" : "send them with --header 'Authorization: Basic …' instead"
    throw optionError(option, `the URL has credentials in it (${url.protocol}//…@${url.host}); ${instead}`, code)
  }
  if (url.search !== '' || url.hash !== '') throw optionError(option, `'${target}' has a query or fragment; give the base URL only`, code)
  return target.replace(/\/+$/, '')
}

export function checkTimeout (timeoutMs: number): number {
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw optionError('--timeout', `${timeoutMs} is not a whole number of milliseconds above 0`)
  return timeoutMs
}

/** Header names and values Node would refuse, refused up front; names lower-cased. */
export function checkHeaders (headers: Readonly<Record<string, string>>, option = '--header'): Record<string, string> {
  const checked: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    try {
      validateHeaderName(name)
      validateHeaderValue(name, value)
    } catch (error) {
      throw optionError(option, `'${name}': ${(error as Error).message}`)
    }
    checked[name.toLowerCase()] = value
  }
  return checked
}

export function checkHeaderName (name: string, option: string): string {
  try {
    validateHeaderName(name)
  } catch {
    throw optionError(option, `'${name}' is not a header name`)
  }
  return name.toLowerCase()
}

/** `/prefix` (or empty, for the root); a trailing slash is dropped. */
export function checkBasePath (spec: string, prefix: string, code?: OptionErrorCode): string {
  const trimmed = prefix.replace(/\/+$/, '')
  if (trimmed !== '' && !/^\/[^?#\s]*$/.test(trimmed)) throw optionError('--base-path', `${spec}=${prefix}: a prefix is a path starting with /`, code)
  return trimmed
}

/** Every name must be one of `known`; the message lists them. */
export function checkNames (option: string, what: string, names: Iterable<string>, known: ReadonlySet<string>, code?: OptionErrorCode): void {
  for (const name of names) {
    if (!known.has(name)) throw optionError(option, `no ${what} '${name}' (${what}s: ${[...known].join(', ')})`, code)
  }
}

/** `Name: value` → [name, value]; `spec=Name: value` scopes it to one spec. */
export function parseHeaderArgument (argument: string): { spec: string | undefined, name: string, value: string } {
  const colon = argument.indexOf(':')
  if (colon <= 0) throw optionError('--header', `${quoteName(argument)} is not 'Name: value'`)
  const left = argument.slice(0, colon).trim()
  // '=' cannot be part of a header name, so `uforge=Authorization` is a scoped header.
  const equals = left.indexOf('=')
  const spec = equals === -1 ? undefined : left.slice(0, equals).trim()
  const name = equals === -1 ? left : left.slice(equals + 1).trim()
  if (spec === '' || name === '') throw optionError('--header', `${quoteName(argument)} is not 'Name: value' or 'spec=Name: value'`)
  return { spec, name, value: argument.slice(colon + 1).trim() }
}

/** A `--header` argument quoted up to its first space or colon only: what follows may be a secret. */
function quoteName (argument: string): string {
  const end = argument.search(/[\s:]/)
  return end === -1 ? `'${argument}'` : `'${argument.slice(0, end)} …'`
}

/** `spec=/prefix` → [spec, prefix]. */
export function parseBasePathArgument (argument: string): [string, string] {
  const equals = argument.indexOf('=')
  if (equals <= 0) throw optionError('--base-path', `'${argument}' is not 'spec=/prefix'`)
  return [argument.slice(0, equals).trim(), argument.slice(equals + 1).trim()]
}
