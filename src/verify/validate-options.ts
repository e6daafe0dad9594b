import { validateHeaderName, validateHeaderValue } from 'node:http'
import { UnderstudyError } from '../errors.js'

/** A verify option that cannot be used: one line naming the option, no stack trace. */
export function optionError (option: string, detail: string): UnderstudyError {
  return new UnderstudyError('UNDERSTUDY_VERIFY_OPTION_INVALID', `${option}: ${detail}`)
}

/** An http(s) base URL. */
export function checkTarget (target: string): string {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    throw optionError('--target', `'${target}' is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw optionError('--target', `'${target}' is not an http:// or https:// URL`)
  if (url.username !== '' || url.password !== '') {
    // Never echoed: the URL holds a password. fetch refuses such URLs anyway.
    throw optionError('--target', `the URL has credentials in it (${url.protocol}//…@${url.host}); send them with --header 'Authorization: Basic …' instead`)
  }
  if (url.search !== '' || url.hash !== '') throw optionError('--target', `'${target}' has a query or fragment; give the base URL only`)
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
export function checkBasePath (spec: string, prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '')
  if (trimmed !== '' && !/^\/[^?#\s]*$/.test(trimmed)) throw optionError('--base-path', `${spec}=${prefix}: a prefix is a path starting with /`)
  return trimmed
}

/** Every name must be one of `known`; the message lists them. */
export function checkNames (option: string, what: string, names: Iterable<string>, known: ReadonlySet<string>): void {
  for (const name of names) {
    if (!known.has(name)) throw optionError(option, `no ${what} '${name}' (${what}s: ${[...known].join(', ')})`)
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
