import type { LoadedSpec } from '../openapi/load-spec.js'
import { getByPointer } from '../openapi/resolve-ref.js'
import type { OperationSummary } from './register-control-routes.js'

const SCENARIO_HEADER = 'x-mock-scenario'
const SOURCES = { example: "the spec's example", status: 'the documented response', fixture: 'a fixture' } as const

/**
 * The copy of a spec the docs UI is given, so that "Try it out" answers from the mock: the
 * mock's own mount (`mountUrl`, relative to the page) is the first server of the document
 * and of every path or operation that names servers of its own, and each operation has an
 * optional `x-mock-scenario` header whose choices are its scenarios. Only what changes is
 * copied; the loaded document itself is left as it is (`/__mock/specs/<name>`).
 */
export function docsDocument (spec: LoadedSpec, mountUrl: string, operations: ReadonlyArray<{ pointer: string, summary: OperationSummary }>): unknown {
  const mock = { url: mountUrl, description: 'understudy: this mock' }
  const copied = new WeakSet<object>()
  let document: unknown = spec.document
  /** The document with the value at `pointer` replaced by `update(value)`, copying each object on the way once. */
  const change = (pointer: string, update: (value: Record<string, unknown>) => void): void => {
    const tokens = pointer === '' ? [] : pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    const copy = (value: unknown): Record<string, unknown> => {
      if (typeof value === 'object' && value !== null && copied.has(value)) return value as Record<string, unknown>
      const made = Array.isArray(value) ? [...value] as unknown as Record<string, unknown> : { ...(value as Record<string, unknown>) }
      copied.add(made)
      return made
    }
    const root = copy(document)
    let node = root
    for (const token of tokens) node = (node[token] = copy(node[token]))
    update(node)
    document = root
  }
  const withMock = (value: Record<string, unknown>): void => {
    if (Array.isArray(value.servers)) value.servers = [mock, ...value.servers as unknown[]]
  }
  change('', (root) => { root.servers = [mock, ...(Array.isArray(root.servers) ? root.servers as unknown[] : [])] })
  for (const { pointer, summary } of operations) {
    const pathItem = pointer.slice(0, pointer.lastIndexOf('/'))
    if (Array.isArray((getByPointer(spec.document, pathItem) as { servers?: unknown } | undefined)?.servers)) change(pathItem, withMock)
    change(pointer, (operation) => {
      withMock(operation)
      const parameters = Array.isArray(operation.parameters) ? operation.parameters as unknown[] : []
      if (parameters.some((parameter) => isScenarioHeader(parameter))) return
      operation.parameters = [...parameters, scenarioParameter(summary)]
    })
  }
  return document
}

function isScenarioHeader (parameter: unknown): boolean {
  const { name, in: location } = (parameter ?? {}) as { name?: unknown, in?: unknown }
  return location === 'header' && typeof name === 'string' && name.toLowerCase() === SCENARIO_HEADER
}

/** The `x-mock-scenario` header, its choices the operation's scenarios, each described. */
function scenarioParameter ({ scenarios, default: fallback }: OperationSummary): object {
  const described = scenarios.map(({ name, status, source, description }) =>
    `- \`${name}\`: ${status}, ${description ?? SOURCES[source]}${name === fallback ? ' (the default)' : ''}`)
  return {
    name: SCENARIO_HEADER,
    in: 'header',
    required: false,
    description: `understudy: the scenario to answer with; none, the default${fallback === undefined ? '' : ` (\`${fallback}\`)`}.\n\n${described.join('\n')}`,
    schema: { type: 'string', enum: scenarios.map(({ name }) => name) }
  }
}
