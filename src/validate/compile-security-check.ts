import type { OpenAPIV3 } from 'openapi-types'
import type { RequestParts } from './compile-request-validator.js'

export type SecurityCheck = (request: RequestParts) => boolean

type CredentialCheck = (request: RequestParts) => boolean

/**
 * The request must satisfy one of the operation's security requirements (OR), each of
 * whose schemes must be present (AND). A mock checks that credentials are there and well
 * formed, not that they are right.
 */
export function compileSecurityCheck (
  requirements: readonly OpenAPIV3.SecurityRequirementObject[],
  schemes: Readonly<Record<string, OpenAPIV3.SecuritySchemeObject>>
): SecurityCheck {
  if (requirements.length === 0) return () => true
  const alternatives: CredentialCheck[][] = requirements.map((requirement) =>
    Object.keys(requirement).map((name) => credentialCheck(schemes[name])))
  return (request) => alternatives.some((checks) => checks.every((check) => check(request)))
}

/** Whether any requirement needs a cookie, so cookies are parsed only where they matter. */
export function needsCookies (requirements: readonly OpenAPIV3.SecurityRequirementObject[], schemes: Readonly<Record<string, OpenAPIV3.SecuritySchemeObject>>): boolean {
  return requirements.some((requirement) => Object.keys(requirement).some((name) => {
    const scheme = schemes[name]
    return scheme?.type === 'apiKey' && scheme.in === 'cookie'
  }))
}

function credentialCheck (scheme: OpenAPIV3.SecuritySchemeObject | undefined): CredentialCheck {
  // An undeclared scheme cannot be satisfied; the document validator does not catch it in 3.1.
  if (scheme === undefined) return () => false
  switch (scheme.type) {
    case 'http':
      return scheme.scheme.toLowerCase() === 'basic' ? hasBasicCredentials : authorizationWith(scheme.scheme)
    case 'apiKey': {
      const name = scheme.name
      if (scheme.in === 'header') return (request) => isPresent(request.headers[name.toLowerCase()])
      if (scheme.in === 'query') return (request) => isPresent(request.query[name])
      return (request) => isPresent(request.cookies[name])
    }
    case 'oauth2':
    case 'openIdConnect':
      return authorizationWith('bearer')
    default:
      // mutualTLS is the transport's business.
      return () => true
  }
}

function isPresent (value: unknown): boolean {
  return (typeof value === 'string' && value !== '') || (Array.isArray(value) && value.length > 0)
}

function authorizationWith (scheme: string): CredentialCheck {
  const prefix = scheme.toLowerCase() + ' '
  return (request) => {
    const value = request.headers.authorization
    return typeof value === 'string' && value.toLowerCase().startsWith(prefix) && value.slice(prefix.length).trim() !== ''
  }
}

function hasBasicCredentials (request: RequestParts): boolean {
  const value = request.headers.authorization
  if (typeof value !== 'string' || !/^basic /i.test(value)) return false
  const decoded = Buffer.from(value.slice(6).trim(), 'base64').toString('utf8')
  return decoded.indexOf(':') > 0
}
