import { Redis, ReplyError, type Result } from 'ioredis'
import { UnderstudyError } from '../errors.js'
import { DEFAULT_STORE_PREFIX, shownStore } from './shown-store.js'
import { StoreUnavailable } from './store-unavailable.js'

export interface StoreOptions {
  /** `redis://host:port/db` or `rediss://…` (TLS); a password as `redis://:secret@host:port/db`. */
  url: string
  /** What every key and channel starts with: two mocks share one Redis under two prefixes. Default: `understudy:`. */
  prefix?: string
}

/*
 * Scripts run in Redis, each a step that must not be split or would take several round
 * trips otherwise; ioredis sends them by SHA and loads them once. Every change of a
 * session's choice (made, changed, forgotten) takes the next number of `<prefix>version`
 * and is published with it on `<prefix>sessions`: a mock applies what is newer than what
 * it has, whichever of a message and a snapshot arrives first.
 */

/**
 * Forgets the least recently changed sessions past the most (ARGV[3]; never `default`,
 * ARGV[5], nor ARGV[1]), telling every mock. Expects `sessions` (the sorted set by last
 * change, KEYS[1]), `prefix` (ARGV[4]) and `forget(id)`.
 */
const BOUND = `
local excess = redis.call('ZCARD', sessions) - tonumber(ARGV[3])
if excess > 0 and redis.call('ZSCORE', sessions, ARGV[5]) then excess = excess - 1 end
if excess > 0 then
  for _, old in ipairs(redis.call('ZRANGE', sessions, 0, excess + 1)) do
    if excess == 0 then break end
    if old ~= ARGV[1] and old ~= ARGV[5] then forget(old); excess = excess - 1 end
  end
end
`

/** What every script that changes sessions starts with: KEYS[1] the sessions; ARGV[1] id, [2] now, [4] prefix. */
const SESSION_HEADER = `
local sessions, prefix = KEYS[1], ARGV[4]
local function forget (old)
  redis.call('DEL', prefix .. 'choice:' .. old, prefix .. 'state:' .. old, prefix .. 'counter:' .. old)
  redis.call('ZREM', sessions, old)
  local version = redis.call('INCR', prefix .. 'version')
  redis.call('PUBLISH', prefix .. 'sessions', cjson.encode({ id = old, deleted = true, version = version }))
end
`

const SCRIPTS = {
  // ARGV as SESSION_HEADER's, [3] most sessions, [5] default, [6] the choice (JSON: set, scenarios).
  // Sets the session's choice (kept while the session is: --max-sessions bounds them), tells every mock.
  understudyChoose: {
    numberOfKeys: 1,
    lua: `${SESSION_HEADER}
redis.call('ZADD', sessions, ARGV[2], ARGV[1])
local version = redis.call('INCR', prefix .. 'version')
local choice = cjson.decode(ARGV[6])
choice.version = version
local text = cjson.encode(choice)
redis.call('SET', prefix .. 'choice:' .. ARGV[1], text)
choice.id = ARGV[1]
redis.call('PUBLISH', prefix .. 'sessions', cjson.encode(choice))
${BOUND}
return text`
  },
  // ARGV as SESSION_HEADER's. Forgets the session and tells every mock.
  understudyForget: {
    numberOfKeys: 1,
    lua: `${SESSION_HEADER}
forget(ARGV[1])
return 1`
  },
  // ARGV as SESSION_HEADER's. Every session's choice, and the version they are at: { version, id, choice, id, choice, … }.
  understudySnapshot: {
    numberOfKeys: 1,
    lua: `${SESSION_HEADER}
local found = { redis.call('GET', prefix .. 'version') or '0' }
for _, id in ipairs(redis.call('ZRANGE', sessions, 0, -1)) do
  found[#found + 1] = id
  found[#found + 1] = redis.call('GET', prefix .. 'choice:' .. id) or ''
end
return found`
  },
  // What one answer changed. KEYS[1] sessions, [2] its state; ARGV as SESSION_HEADER's, [3] most sessions, [5] default,
  // [6] TTL in ms, [7] most state keys, [8] a state key, [9] its value (JSON). Past the most keys, others are forgotten.
  understudyWrite: {
    numberOfKeys: 2,
    lua: `${SESSION_HEADER}
redis.call('ZADD', sessions, ARGV[2], ARGV[1])
local state, key = KEYS[2], ARGV[8]
redis.call('HSET', state, key, ARGV[9])
local extra = redis.call('HLEN', state) - tonumber(ARGV[7])
if extra > 0 then
  for _, field in ipairs(redis.call('HRANDFIELD', state, extra + 1)) do
    if extra > 0 and field ~= key then redis.call('HDEL', state, field); extra = extra - 1 end
  end
end
redis.call('PEXPIRE', state, ARGV[6])
${BOUND}
return 1`
  },
  // KEYS[1] sessions, [2] its counter; ARGV as SESSION_HEADER's, [3] most sessions, [5] default, [6] TTL in ms.
  // The session's next {{counter}}: counted here, so two answers at once never share one.
  understudyCount: {
    numberOfKeys: 2,
    lua: `${SESSION_HEADER}
redis.call('ZADD', sessions, ARGV[2], ARGV[1])
local count = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
${BOUND}
return count`
  },
  // KEYS[1] the journal (a list, newest first), KEYS[2] its last id; ARGV size, then entries (JSON without their id).
  // Each entry gets the next id, so ids increase over every mock sharing the store.
  understudyJournal: {
    numberOfKeys: 2,
    lua: `
local count = #ARGV - 1
local last = redis.call('INCRBY', KEYS[2], count)
local lines = {}
for i = 2, #ARGV do
  lines[#lines + 1] = (last - count + i - 1) .. '\\n' .. ARGV[i]
  -- LPUSH takes many values at once, but no more than Lua's stack holds.
  if #lines == 1000 or i == #ARGV then redis.call('LPUSH', KEYS[1], unpack(lines)); lines = {} end
end
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
return last`
  },
  // KEYS[1] coverage (field → count), KEYS[2] how many were dropped; ARGV most entries, then field, count pairs.
  understudyCoverage: {
    numberOfKeys: 2,
    lua: `
local size, most = redis.call('HLEN', KEYS[1]), tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
    redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  elseif size < most then
    redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
    size = size + 1
  else
    redis.call('INCRBY', KEYS[2], ARGV[i + 1])
  end
end
return size`
  }
} as const

/** What every session script is given after its keys: id, now, most sessions, prefix, the default session. */
type SessionArgs = [id: string, now: number, most: number, prefix: string, defaultSession: string]

declare module 'ioredis' {
  interface RedisCommander<Context> {
    understudyChoose: (sessions: string, ...args: [...SessionArgs, choice: string]) => Result<string, Context>
    understudyForget: (sessions: string, ...args: SessionArgs) => Result<number, Context>
    understudySnapshot: (sessions: string, ...args: SessionArgs) => Result<string[], Context>
    understudyWrite: (sessions: string, state: string, ...args: [...SessionArgs, ttlMs: number, mostKeys: number, key: string, value: string]) => Result<number, Context>
    understudyCount: (sessions: string, counter: string, ...args: [...SessionArgs, ttlMs: number]) => Result<number, Context>
    understudyJournal: (journal: string, lastId: string, size: number, ...entries: string[]) => Result<number, Context>
    understudyCoverage: (coverage: string, dropped: string, most: number, ...fieldsAndCounts: Array<string | number>) => Result<number, Context>
  }
}

export interface RedisConnection {
  /** Commands. */
  redis: Redis
  prefix: string
  /** Publishes on `<prefix>sessions`, which every mock sharing the store hears. */
  publish: (message: object) => Promise<void>
  /** Told of each message on the channel (JSON-parsed; a malformed one is ignored) and of each reconnection, once both connections are up again. */
  listen: (onMessage: (message: Record<string, unknown>) => void, onReconnected: () => void) => Promise<void>
  /** The store as lines name it: without a password. */
  shown: string
  /** A command that fails because Redis cannot be reached becomes StoreUnavailable; a script's own error stays what it is. */
  use: <T>(command: () => Promise<T>) => Promise<T>
  close: () => Promise<void>
}

/** Longest wait for a command's reply, or to connect: then the request is answered 503. */
const TIMEOUT_MS = 2000

/**
 * Two connections to the store (commands, and the sessions channel), both reconnecting by
 * themselves (every 100 ms, then up to every second). Commands are never queued while the
 * store is away: a request that needs it gets the 503 at once rather than waiting. Told
 * once when the store goes away and once when it is back. Resolves once connected, or
 * throws UNDERSTUDY_STORE_UNAVAILABLE.
 */
export async function connectRedis (options: StoreOptions, onWarning: (line: string) => void): Promise<RedisConnection> {
  const url = checkStoreUrl(options.url)
  const shown = shownStore(url)
  const settings = {
    lazyConnect: true,
    // Commands of one tick (many requests' state reads at once) go in one write, as a pipeline.
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: TIMEOUT_MS,
    connectTimeout: TIMEOUT_MS,
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
    scripts: SCRIPTS
  }
  const redis = new Redis(options.url, settings)
  const subscriber = new Redis(options.url, { ...settings, enableOfflineQueue: true, commandTimeout: undefined })
  // ioredis reports each failed attempt to connect; what it says first is the reason worth a line.
  let reason: Error | undefined
  redis.on('error', (error: Error) => { reason ??= error })
  subscriber.on('error', () => {})
  let connected = false
  let away = false
  let closing = false
  redis.on('close', () => {
    if (!connected || away || closing) return
    away = true
    onWarning(`understudy: the store at ${shown} cannot be reached: requests that need it are answered 503 until it is back`)
  })
  redis.on('ready', () => {
    connected = true
    reason = undefined
    if (!away) return
    away = false
    onWarning(`understudy: the store at ${shown} is back`)
  })
  try {
    await Promise.all([redis.connect(), subscriber.connect()])
  } catch (error) {
    redis.disconnect()
    subscriber.disconnect()
    throw new UnderstudyError('UNDERSTUDY_STORE_UNAVAILABLE', `${shown}: ${(reason ?? error as Error).message}`)
  }
  const prefix = options.prefix ?? DEFAULT_STORE_PREFIX
  const channel = `${prefix}sessions`
  return {
    redis,
    prefix,
    shown,
    publish: async (message) => { await redis.publish(channel, JSON.stringify(message)) },
    listen: async (onMessage, onReconnected) => {
      subscriber.on('message', (from: string, text: string) => {
        if (from !== channel) return
        let message: unknown
        try {
          message = JSON.parse(text)
        } catch {
          return
        }
        if (typeof message === 'object' && message !== null) onMessage(message as Record<string, unknown>)
      })
      // After a reconnection, what was missed meanwhile is read again: once both are back.
      const connectedAgain = (): void => { if (redis.status === 'ready' && subscriber.status === 'ready') onReconnected() }
      redis.on('ready', connectedAgain)
      subscriber.on('ready', connectedAgain)
      await subscriber.subscribe(channel)
    },
    use: async (command) => {
      try {
        return await command()
      } catch (error) {
        // A script's own error is a bug; a Redis that cannot take commands now is away.
        if (error instanceof ReplyError && !/^(OOM|READONLY|LOADING|MISCONF|BUSY|MASTERDOWN|CLUSTERDOWN)\b/.test((error as Error).message)) throw error
        throw new StoreUnavailable(shown, error)
      }
    },
    close: async () => {
      closing = true
      // quit() waits for replies still due; a store that is away is simply let go.
      await Promise.all([redis, subscriber].map(async (connection) => { await connection.quit().catch(() => { connection.disconnect() }) }))
    }
  }
}

function checkStoreUrl (text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    // Never echoed: it may hold a password.
    throw new UnderstudyError('UNDERSTUDY_STORE_OPTION_INVALID', '--store: not a URL (redis://host:port/db)')
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UnderstudyError('UNDERSTUDY_STORE_OPTION_INVALID', `--store: ${url.protocol}// is not a store understudy knows: redis://host:port/db or rediss:// (TLS)`)
  }
  if (!/^(\/\d*)?$/.test(url.pathname)) throw new UnderstudyError('UNDERSTUDY_STORE_OPTION_INVALID', `--store: '${url.pathname}' is not a database number (redis://host:port/0)`)
  return url
}
