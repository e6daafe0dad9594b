import { CoverageRecorder } from '../coverage/coverage-recorder.js'
import { RequestJournal } from '../journal/request-journal.js'
import { ProxyTally } from '../proxy/proxy-tally.js'
import { DEFAULT_SESSION, SessionStore } from '../session/session-store.js'
import type { MockOptions } from './prepare-mock.js'

/**
 * What the mock keeps while it runs, apart from what it serves: sessions (choices and
 * state), the request journal, coverage, a backend's answers. Made once per mock, so a reload (`--watch`) mounts
 * the new version of the specs over the same stores.
 */
export interface MockStores {
  sessions: SessionStore
  journal: RequestJournal
  coverage: CoverageRecorder
  /** What a backend answered through the mock (`proxy`), for the report on exit. */
  proxied: ProxyTally
}

export function createMockStores (options: Pick<MockOptions, 'maxSessions' | 'journalSize'>): MockStores {
  const sessions = new SessionStore(options.maxSessions ?? 1000)
  sessions.open(DEFAULT_SESSION)
  return { sessions, journal: new RequestJournal(options.journalSize ?? 1000), coverage: new CoverageRecorder(), proxied: new ProxyTally() }
}
