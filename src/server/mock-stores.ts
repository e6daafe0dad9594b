import { CoverageRecorder } from '../coverage/coverage-recorder.js'
import { RequestJournal } from '../journal/request-journal.js'
import { ProxyTally } from '../proxy/proxy-tally.js'
import { localSessions, type SessionControl } from '../session/session-control.js'
import { DEFAULT_SESSION, SessionStore } from '../session/session-store.js'
import { RedisCoverage } from '../store/redis-coverage.js'
import { RedisJournal } from '../store/redis-journal.js'
import { RedisSessions } from '../store/redis-sessions.js'
import type { MockOptions } from './prepare-mock.js'

/**
 * What the mock keeps while it runs, apart from what it serves: sessions (choices and
 * state), the request journal, coverage, a backend's answers. Made once per mock, so a
 * reload (`--watch`) mounts the new version of the specs over the same stores.
 */
export interface MockStores {
  /** This process's sessions; with a shared store, its copy of every session's choice. */
  sessions: SessionStore
  /** The sessions as the control surface changes them: these, or the shared store's. */
  control: SessionControl
  journal: RequestJournal
  coverage: CoverageRecorder
  /** What a backend answered through the mock (`proxy`), for the report on exit. */
  proxied: ProxyTally
  /** `--store`: sessions, state, journal and coverage shared with every replica. */
  shared: SharedStore | undefined
  close: () => Promise<void>
}

export interface SharedStore {
  sessions: RedisSessions
  journal: RedisJournal
  coverage: RedisCoverage
}

export async function createMockStores (options: Pick<MockOptions, 'maxSessions' | 'journalSize' | 'store' | 'onWarning'>): Promise<MockStores> {
  const maxSessions = options.maxSessions ?? 1000
  const sessions = new SessionStore(maxSessions)
  sessions.open(DEFAULT_SESSION)
  const journal = new RequestJournal(options.journalSize ?? 1000)
  const coverage = new CoverageRecorder()
  const local = { sessions, journal, coverage, proxied: new ProxyTally() }
  if (options.store === undefined) return { ...local, control: localSessions(sessions), shared: undefined, close: async () => {} }

  // ioredis is loaded only for a mock that uses it.
  const { connectRedis } = await import('../store/connect-redis.js')
  const connection = await connectRedis(options.store, options.onWarning ?? ((line: string) => { process.stderr.write(`${line}\n`) }))
  const shared: SharedStore = {
    sessions: new RedisSessions(connection, sessions, maxSessions),
    journal: new RedisJournal(connection, journal.size),
    coverage: new RedisCoverage(connection, coverage)
  }
  try {
    await connection.listen((message) => {
      shared.sessions.hear(message)
      shared.journal.hear(message)
      shared.coverage.hear(message)
    }, () => { void shared.sessions.snapshot() })
    await shared.sessions.snapshot()
  } catch (error) {
    await connection.close()
    throw error
  }
  journal.share((recorded, reader) => { shared.journal.add(recorded, reader) })
  coverage.share((key) => { shared.coverage.add(key) })
  return {
    ...local,
    control: shared.sessions,
    shared,
    close: async () => {
      shared.sessions.close()
      await Promise.all([shared.journal.close(), shared.coverage.close()])
      await connection.close()
    }
  }
}
