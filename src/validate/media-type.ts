/** `application/json; charset=utf-8` → `application/json`. */
export function essence (contentType: string): string {
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase()
}

export function isJsonMediaType (mediaType: string): boolean {
  const type = essence(mediaType)
  return type === 'application/json' || type.endsWith('+json')
}

export function isXmlMediaType (mediaType: string): boolean {
  const type = essence(mediaType)
  return type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml')
}

/** The declared media type (or range, `text/*`, `*\/*`) a request's Content-Type falls under. */
export function matchMediaType (declared: readonly string[], contentType: string): string | undefined {
  const type = essence(contentType)
  const major = type.split('/', 1)[0]
  return declared.find((candidate) => essence(candidate) === type) ??
    declared.find((candidate) => essence(candidate) === `${major}/*`) ??
    declared.find((candidate) => essence(candidate) === '*/*')
}
