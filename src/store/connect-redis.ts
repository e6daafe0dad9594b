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

/**
 * Scripts run in Redis, each a step that must not be split (a session's keys made, its
 * oldest siblings forgotten) or would take several round trips otherwise. ioredis sends
 * them by SHA and loads them once.
 */
/**
 * Marks a session changed (KEYS[1], the sessions: a sorted set by last change; ARGV[1] id,
 * ARGV[2] now, ARGV[3] most sessions, ARGV[4] prefix, ARGV[5] the default session) and, past
 * the most, forgets the least recently changed (never `default` nor this one), telling every
 * mock of each it forgot. Those past their TTL are forgotten when the sessions are listed.
 */
const TOUCH = `
local sessions, id, most, prefix, default = KEYS[1], ARGV[1], tonumber(ARGV[3]), ARGV[4], ARGV[5]
redis.call('ZADD', sessions, ARGV[2], id)
local excess = redis.call('ZCARD', sessions) - most
if excess > 0 and redis.call('ZSCORE', sessions, default) then excess = excess - 1 end
if excess > 0 then
  for _, old in ipairs(redis.call('ZRANGE', sessions, 0, excess + 1)) do
    if excess == 0 then break end
    if old ~= id and old ~= default then
      redis.call('DEL', prefix .. 'choice:' .. old, prefix .. 'state:' .. old, prefix .. 'counter:' .. old)
      redis.call('ZREM', sessions, old)
      redis.call('PUBLISH', prefix .. 'sessions', cjson.encode({ id = old, deleted = true }))
      excess = excess - 1
    end
  end
end
`

const SCRIPTS = {
  understudyTouch: { numberOfKeys: 1, lua: TOUCH },
  // What one answer changed: KEYS[1] sessions, KEYS[2] its state, KEYS[3] its counter; ARGV as TOUCH's, then
  // [6] TTL in ms, [7] most state keys, [8] how far the counter went, [9] a state key and [10] its value (JSON).
  // Past the most keys, others are forgotten. One call: one round trip.
  understudyWrite: {
    numberOfKeys: 3,
    lua: `${TOUCH}
local state, counter, ttl, key = KEYS[2], KEYS[3], ARGV[6], ARGV[9]
if key then
  redis.call('HSET', state, key, ARGV[10])
  local extra = redis.call('HLEN', state) - tonumber(ARGV[7])
  if extra > 0 then
    for _, field in ipairs(redis.call('HRANDFIELD', state, extra + 1)) do
      if extra > 0 and field ~= key then redis.call('HDEL', state, field); extra = extra - 1 end
    end
  end
  redis.call('PEXPIRE', state, ttl)
end
if tonumber(ARGV[8]) > 0 then
  redis.call('INCRBY', counter, ARGV[8])
  redis.call('PEXPIRE', counter, ttl)
end
return 1`
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

declare module 'ioredis' {
  interface RedisCommander<Context> {
    understudyTouch: (sessions: string, id: string, now: number, most: number, prefix: string, defaultSession: string) => Result<null, Context>
    understudyWrite: (sessions: string, state: string, counter: string, id: string, now: number, most: number, prefix: string, defaultSession: string,
      ttlMs: number, mostKeys: number, counted: number, ...recorded: string[]) => Result<number, Context>
    understudyJournal: (journal: string, lastId: string, size: number, ...entries: string[]) => Result<number, Context>
    understudyCoverage: (coverage: string, dropped: string, most: number, ...fieldsAndCounts: Array<string | number>) => Result<number, Context>
  }
}

export interface RedisConnection {
  /** Commands. */
  redis: Redis
  /** Subscribed to the sessions channel (a connection in subscriber mode takes no other command). */
  subscriber: Redis
  prefix: string
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
  redis.on('close', () => {
    if (!connected || away) return
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
  return {
    redis,
    subscriber,
    prefix: options.prefix ?? DEFAULT_STORE_PREFIX,
    shown,
    use: async (command) => {
      try {
        return await command()
      } catch (error) {
        if (error instanceof ReplyError) throw error
        throw new StoreUnavailable(shown, error)
      }
    },
    close: async () => {
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
