import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import YAML from 'yaml'
import { documentedResponseFor } from '../respond/prepare-responses.js'
import type { CompiledOperation } from '../routes/compile-operation.js'
import type { RequestParts } from '../validate/compile-request-validator.js'
import { operationFolder } from '../fixture/read-fixtures.js'
import { essence, isJsonMediaType, isXmlMediaType } from '../validate/media-type.js'
import { readXml } from '../verify/parse-xml.js'

/** Longest file name a recording gets (path values beyond it are a digest). */
const NAME_LIMIT = 80
/**
 * Headers never written: credentials and cookies; the framing a fixture cannot set (the mock
 * sets it); the coding of a body recorded decoded; the Content-Type (its `mediaType`).
 */
const NOT_RECORDED = new Set(['set-cookie', 'authorization', 'proxy-authorization', 'cookie', 'www-authenticate',
  'content-length', 'transfer-encoding', 'connection', 'content-encoding', 'content-type'])

export interface RecordOptions {
  /** The folder fixtures are written under, as `<dir>/<spec>/<operationId>/<name>.yaml`. */
  dir: string
  /** Replace a fixture of the same name. Default: false, it is kept. */
  overwrite: boolean
}

export interface Answer { status: number, headers: Record<string, string | string[]>, body: Buffer }

/**
 * A backend's answer (one that matches the spec) as a fixture: its status, the headers its
 * response documents (never credentials or cookies), its body (parsed when JSON), a `when`
 * on the path values it answered (`{}` for an operation without) and a `request:` block verify sends. Named from the status
 * and the path values, so the same request is recorded once. The name is made of letters,
 * digits, `_` and `-` only: what a request sends never chooses a path. Resolves with the
 * file written, or undefined when one of that name is kept.
 */
export async function recordAnswer (options: RecordOptions, compiled: CompiledOperation, parts: RequestParts, answer: Answer): Promise<string | undefined> {
  const { operation } = compiled
  const documented = documentedResponseFor(operation.responses, answer.status)
  const documentedHeaders = new Set(Object.keys(documented?.response.value.headers ?? {}).map((name) => name.toLowerCase()))
  const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => documentedHeaders.has(name) && !NOT_RECORDED.has(name)))
  const contentType = typeof answer.headers['content-type'] === 'string' ? essence(answer.headers['content-type']) : undefined
  const declared = Object.keys(documented?.response.value.content ?? {})
  // The path values by the spec's names (the router's own aliases left out).
  const params = Object.fromEntries(operation.parameters.flatMap(({ value }) => value.in === 'path' && parts.params[value.name] !== undefined ? [[value.name, parts.params[value.name]!]] : []))
  const text = answer.body.toString('utf8')
  const fixture = {
    description: `Recorded from the backend: ${answer.status} for ${describe(params)}`,
    status: answer.status,
    // Answers the requests it answered: those with these path values (every one, without).
    when: Object.keys(params).length === 0 ? {} : { path: params },
    ...(Object.keys(headers).length === 0 ? {} : { headers: literal(headers) }),
    ...(contentType !== undefined && declared.length > 1 ? { mediaType: contentType } : {}),
    ...(text === '' ? {} : { body: literal(bodyValue(compiled, documented?.statusKey, contentType, text)) }),
    request: {
      ...(Object.keys(params).length === 0 ? {} : { path: params }),
      ...(Object.keys(parts.query).length === 0 ? {} : { query: parts.query }),
      ...(parts.body === undefined || Buffer.isBuffer(parts.body) ? {} : { body: parts.body })
    }
  }
  const folder = path.join(options.dir, operation.spec.name, operationFolder(operation.operationId))
  const name = fileName(answer.status, Object.values(params))
  // Not the name of a scenario the spec has (`200`, the status's own, or an example's).
  const file = path.join(folder, `${compiled.byName.has(name) ? `${name}-recorded` : name}.yaml`)
  await mkdir(folder, { recursive: true })
  try {
    await writeFile(file, YAML.stringify(fixture, { aliasDuplicateObjects: false }), { flag: options.overwrite ? 'w' : 'wx' })
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return undefined
    throw error
  }
  return file
}

/**
 * The body as a fixture holds it: JSON parsed; XML read back through its schema (a fixture
 * holds the value the mock writes as XML), or as it came without one; other text as it came.
 */
function bodyValue (compiled: CompiledOperation, statusKey: string | undefined, contentType: string | undefined, text: string): unknown {
  if (contentType === undefined) return text
  if (isJsonMediaType(contentType)) return JSON.parse(text)
  if (!isXmlMediaType(contentType)) return text
  const media = compiled.scenarios.find(({ response }) => response.statusKey === statusKey)?.response.media.find((entry) => essence(entry.mediaType) === contentType)
  // Without a schema the mock sends XML text as it is: kept so, names, namespaces and attributes too.
  if (media?.schema === undefined) return text
  const reading = readXml(text, media.schema, media.rootName)
  return reading.ok ? reading.value : text
}

/** Every string as written, never a template: `{{` becomes `\{{`. */
function literal (value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('{{', '\\{{')
  if (Array.isArray(value)) return value.map(literal)
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, literal(item)]))
  return value
}

function describe (params: Readonly<Record<string, string>>): string {
  const entries = Object.entries(params)
  return entries.length === 0 ? 'the request' : entries.map(([name, value]) => `${name} ${value}`).join(', ')
}

/** `200`, `200-5`, `404-alice-7`: the status and the path values, in a name safe for any file system. */
function fileName (status: number, values: readonly string[]): string {
  const name = [String(status), ...values.map((value) => value.replace(/[^A-Za-z0-9_-]/g, '_'))].join('-')
  if (name.length <= NAME_LIMIT) return name
  return `${name.slice(0, NAME_LIMIT - 13)}-${createHash('sha256').update(values.join('\n')).digest('hex').slice(0, 12)}`
}
