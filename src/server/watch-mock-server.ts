import { watch, type FSWatcher } from 'chokidar'
import Fastify from 'fastify'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import path from 'node:path'
import { keepChoices, type DroppedChoice } from '../session/keep-choices.js'
import { answerClientError } from './answer-client-error.js'
import { fastifyOptions, httpOptions, mountMock, wireHttpServer, type MockServer, type MockServerOptions } from './build-mock-server.js'
import { createMockStores, type MockStores } from './mock-stores.js'
import { prepareMock, type PreparedMock } from './prepare-mock.js'
import type { MockServerInfo } from './register-mock.js'

/** Changes closer together than this are one reload (an editor's save is several events). */
const DEBOUNCE_MS = 150

/** What a reload did: the new version serving, or why the old one still is. */
export type ReloadEvent =
  | { ok: true, changed: readonly string[], understudy: MockServerInfo, dropped: readonly DroppedChoice[] }
  | { ok: false, changed: readonly string[], error: Error, serving: MockServerInfo }

export interface WatchOptions extends MockServerOptions {
  /** Told of each reload once it is done, or has failed. */
  onReload?: (event: ReloadEvent) => void
}

/**
 * A mock whose specs, fixtures and scenario sets reload when they change (`serve --watch`).
 * One HTTP server hands each request to the version serving when it arrives; a reload
 * prepares and mounts the new version completely (over the same sessions, journal and
 * coverage) before it takes the next request, and a version is closed once its last
 * request is answered. A broken edit leaves the old version serving.
 */
export interface WatchedMockServer {
  /** The HTTP server (listen with `listen`). */
  readonly server: Server
  /** The version serving now: `inject()` it. */
  readonly current: MockServer
  /** What the version serving mounted. */
  readonly understudy: MockServerInfo
  listen: (options: { port: number, host: string }) => Promise<void>
  close: () => Promise<void>
}

interface Version {
  prepared: PreparedMock
  mock: MockServer
  handle: (request: IncomingMessage, response: ServerResponse) => void
  /** Requests handed to it and not yet answered. */
  inFlight: number
}

export async function watchMockServer (options: WatchOptions = {}): Promise<WatchedMockServer> {
  const stores = await createMockStores(options)
  let current: Version
  try {
    current = await loadVersion(options, stores)
  } catch (error) {
    await stores.close()
    throw error
  }
  const retired = new Set<Version>()
  const retire = (version: Version): void => {
    retired.delete(version)
    version.mock.close().catch(() => {})
  }
  const server = createServer(httpOptions(options), (request, response) => {
    const version = current
    version.inFlight++
    response.once('close', () => {
      if (--version.inFlight === 0 && retired.has(version)) retire(version)
    })
    version.handle(request, response)
  })
  server.on('clientError', answerClientError)
  wireHttpServer(server, options)

  const changed = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  let reloading = Promise.resolve()
  const reload = async (): Promise<void> => {
    const files = [...changed].sort()
    changed.clear()
    try {
      const next = await loadVersion(options, stores)
      const previous = current
      current = next
      if (previous.inFlight === 0) retire(previous)
      else retired.add(previous)
      const dropped = await keepChoices(stores.sessions, next.prepared.sets, async (operationId) =>
        (await next.prepared.operations.get(operationId)?.compiled().catch(() => undefined))?.byName)
      options.onReload?.({ ok: true, changed: files, understudy: next.mock.understudy, dropped })
    } catch (error) {
      options.onReload?.({ ok: false, changed: files, error: error as Error, serving: current.mock.understudy })
    }
  }
  const watcher: FSWatcher = watch(watchedPaths(options, current.prepared), { ignoreInitial: true, ignored: (file) => path.basename(file).startsWith('.') })
  watcher.on('all', (_event, file) => {
    changed.add(path.relative(process.cwd(), file) || file)
    clearTimeout(timer)
    timer = setTimeout(() => { reloading = reloading.then(reload) }, DEBOUNCE_MS)
  })
  await new Promise<void>((resolve) => watcher.once('ready', resolve))

  return {
    server,
    get current () { return current.mock },
    get understudy () { return current.mock.understudy },
    listen: async ({ port, host }) => await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => { server.off('error', reject); resolve() })
    }),
    close: async () => {
      clearTimeout(timer)
      await watcher.close()
      await reloading
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => { resolve() }))
      await Promise.all([current, ...retired].map(async ({ mock }) => await mock.close()))
      await stores.close()
    }
  }
}

/** A version: prepared and mounted on a Fastify instance whose requests come from the watched server. */
async function loadVersion (options: WatchOptions, stores: MockStores): Promise<Version> {
  const prepared = await prepareMock(options)
  let handle: Version['handle'] | undefined
  const app = Fastify(fastifyOptions(options, (handler) => {
    handle = handler
    // Never listens: the watched server hands it the requests.
    return createServer()
  }))
  const mock = await mountMock(app, prepared, options, stores)
  await mock.ready()
  return { prepared, mock, handle: handle!, inFlight: 0 }
}

/** The specs (as named: a folder's new files too), the folders their `$ref`s may read, the fixtures folder. */
function watchedPaths (options: WatchOptions, { fixturesRoot }: PreparedMock): string[] {
  return [...options.specs ?? ['specs'], ...options.refRoots ?? [], ...fixturesRoot === undefined ? [] : [fixturesRoot]]
}
