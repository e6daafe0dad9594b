import { Redis } from 'ioredis'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { runCli, spawnServe } from './helpers.js'
import { noRedis, startRedis } from './redis.js'

// Two `understudy serve --store redis://…` processes behind one Redis act as one mock: a
// session chosen on one is used by the other, state recorded on one is matched on the
// other, and the journal, coverage and reset are every replica's.

const POST = '497f6eca-6276-4993-bfeb-53cbbbba6f08'
const CANCEL = `/api/v1/posts/${POST}/cancel`
const STOP = '/studio/api/1/services/api/1/publish/stop.json?site_id=mysite'
const BEARER = { authorization: 'Bearer t' }
const skip = noRedis()

async function call (base: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number, scenario: string | null, body: unknown }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.text()
  return { status: response.status, scenario: response.headers.get('x-mock-scenario'), body: text === '' ? null : JSON.parse(text) }
}

/** Polls until `check` holds (a replica sends its journal and coverage every 250 ms). */
async function until<T> (read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000
  for (;;) {
    const value = await read()
    if (check(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

t.test('two replicas, one Redis', { skip }, async (t) => {
  const redis = await startRedis(t)
  const store = ['--store', redis.url, '--store-prefix', 'pair:']
  const [a, b] = await Promise.all([spawnServe(t, store), spawnServe(t, store)])
  const A = a.address
  const B = b.address
  t.match(a.output(), `  sessions, state, journal and coverage in ${redis.url}, keys under pair:\n`, 'serve says where they are')

  t.test('a session chosen on one replica is used by the other on its next request', async (t) => {
    const chosen = await call(A, 'PUT', '/__mock/sessions/alice', {}, { set: 'logged-out' })
    t.strictSame(chosen, { status: 200, scenario: null, body: { id: 'alice', set: 'logged-out', scenarios: {}, state: {} } })
    t.strictSame(await call(B, 'POST', CANCEL, { ...BEARER, 'x-mock-session': 'alice' }), {
      status: 401,
      scenario: 'unauthorized',
      body: { type: 'https://postmantis.com/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'Authentication required.', code: 'unauthorized' }
    })
    t.equal((await call(B, 'GET', '/__mock/sessions/alice')).status, 200, 'and listed there')
    t.equal((await call(B, 'DELETE', '/__mock/sessions/alice')).status, 204)
    t.equal((await call(A, 'POST', CANCEL, { ...BEARER, 'x-mock-session': 'alice' })).scenario, 'scheduled', 'deleted on B: A forgets the set')
  })

  t.test("state a fixture records on one replica is matched by another's when", async (t) => {
    t.equal((await call(A, 'POST', CANCEL, { ...BEARER, 'x-mock-session': 'bob' })).scenario, 'scheduled')
    t.strictSame(await call(B, 'POST', CANCEL, { ...BEARER, 'x-mock-session': 'bob' }), {
      status: 409,
      scenario: 'alreadyCanceled',
      body: { type: 'https://postmantis.com/problems/conflict', title: 'Conflict', status: 409, detail: 'Resource is in a state that prevents this operation.', code: 'conflict' }
    })
    t.strictSame((await call(A, 'GET', '/__mock/sessions/bob')).body, { id: 'bob', set: null, scenarios: {}, state: { [`post:${POST}`]: 'canceled' } })
  })

  t.test('POST /__mock/reset on one replica resets the state every replica reads', async (t) => {
    t.equal((await call(B, 'POST', '/__mock/reset')).status, 204)
    t.equal((await call(A, 'POST', CANCEL, { ...BEARER, 'x-mock-session': 'bob' })).scenario, 'scheduled', 'canceled again, as new')
  })

  t.test('the journal and coverage on any replica show every replica\'s requests', async (t) => {
    t.equal((await call(A, 'DELETE', '/__mock/requests')).status, 204)
    t.equal((await call(A, 'DELETE', '/__mock/coverage')).status, 204)
    await call(A, 'POST', CANCEL, { ...BEARER, 'x-mock-session': 'carol' })
    await call(B, 'POST', CANCEL, { ...BEARER, 'x-mock-session': 'carol' })
    const journal = await until(async () => (await call(A, 'GET', '/__mock/requests?session=carol')).body as Array<{ id: number, scenario: string, status: number }>, (entries) => entries.length === 2)
    t.strictSame(journal.map(({ scenario, status }) => [scenario, status]), [['alreadyCanceled', 409], ['scheduled', 200]], 'newest first, from both')
    t.ok(journal[0]!.id > journal[1]!.id, 'ids increase over both replicas')
    const coverage = await until(async () => (await call(B, 'GET', '/__mock/coverage?session=carol')).body as { served: unknown[] }, (report) => report.served.length === 2)
    t.strictSame(coverage.served, [
      { spec: 'postmantis', operationId: 'cancelScheduledPost', status: '200', scenario: 'scheduled', session: 'carol', count: 1 },
      { spec: 'postmantis', operationId: 'cancelScheduledPost', status: '409', scenario: 'alreadyCanceled', session: 'carol', count: 1 }
    ])
  })

  t.test('a request that names no session and reads no state makes no round trip to Redis', async (t) => {
    const client = new Redis(redis.url)
    t.teardown(() => client.disconnect())
    await new Promise((resolve) => setTimeout(resolve, 300))
    // What the mocks send (not what their scripts run inside Redis).
    const monitor = await client.monitor()
    const sent: string[] = []
    monitor.on('monitor', (_time: string, args: string[], source: string) => { if (source !== 'lua') sent.push(args[0]!.toLowerCase()) })
    for (let i = 0; i < 50; i++) t.equal((await call(A, 'POST', STOP, BEARER)).status, 200)
    await new Promise((resolve) => setTimeout(resolve, 300))
    monitor.disconnect()
    // Only the journal and coverage, sent in a batch every 250 ms.
    t.ok(sent.length <= 12 && sent.every((command) => command === 'evalsha'), `50 requests, ${sent.length} commands: ${sent.join(' ')}`)
  })

  t.test('keys are under the prefix; state expires, choices stay while their session does', async (t) => {
    const client = new Redis(redis.url)
    t.teardown(() => client.disconnect())
    await call(A, 'PUT', '/__mock/sessions/frank', {}, { set: 'logged-out' })
    const keys = (await client.keys('*')).sort()
    t.ok(keys.length > 0 && keys.every((key) => key.startsWith('pair:')), keys.join(' '))
    const ttl = await client.pttl('pair:state:bob')
    t.ok(ttl > 23 * 3600_000 && ttl <= 24 * 3600_000, 'a session\'s state expires a day after it last changed')
    t.equal(await client.pttl('pair:choice:frank'), -1, 'bounded by --max-sessions instead')
  })

  t.test('a replica that missed a change while its channel was down reads every choice again once back', async (t) => {
    const client = new Redis(redis.url)
    t.teardown(() => client.disconnect())
    // Both replicas' channel connections dropped; the change is made before they are back.
    await client.client('KILL', 'TYPE', 'pubsub')
    t.equal((await call(A, 'PUT', '/__mock/sessions/gina', {}, { set: 'logged-out' })).status, 200)
    const seen = await until(async () => (await call(B, 'POST', CANCEL, { ...BEARER, 'x-mock-session': 'gina' })).status, (status) => status === 401)
    t.equal(seen, 401, 'B has it from the snapshot it took on reconnecting')
  })

  t.test('a replica stopping with --coverage-report writes every replica\'s coverage', async (t) => {
    const dir = t.testdir({})
    const c = await spawnServe(t, [...store, '--coverage-report', `${dir}/coverage.json`])
    await call(A, 'DELETE', '/__mock/coverage')
    await call(A, 'POST', CANCEL, { ...BEARER, 'x-mock-session': 'hana' })
    await until(async () => ((await call(c.address, 'GET', '/__mock/coverage?session=hana')).body as { served: unknown[] }).served.length, (served) => served === 1)
    await fetch(`${c.address}/__mock/stop`, { method: 'POST' })
    await once(c.child, 'exit')
    t.equal(c.child.exitCode, 0)
    const report = JSON.parse(await readFile(`${dir}/coverage.json`, 'utf8')) as { served: unknown[] }
    t.strictSame(report.served, [{ spec: 'postmantis', operationId: 'cancelScheduledPost', status: '200', scenario: 'scheduled', session: 'hana', count: 1 }], "A's answer, in C's report")
    t.notMatch(c.output(), 'cannot be reached', 'a clean stop is not an outage')
  })
})

t.test('two mocks under two prefixes share one Redis without seeing each other', { skip }, async (t) => {
  const redis = await startRedis(t)
  const [a, b] = await Promise.all([spawnServe(t, ['--store', redis.url, '--store-prefix', 'one:']), spawnServe(t, ['--store', redis.url, '--store-prefix', 'two:'])])
  await call(a.address, 'PUT', '/__mock/sessions/dave', {}, { set: 'logged-out' })
  t.equal((await call(b.address, 'POST', STOP, { ...BEARER, 'x-mock-session': 'dave' })).status, 200, 'not logged out here')
  t.equal((await call(b.address, 'GET', '/__mock/sessions/dave')).status, 404)
})

t.test('Redis goes away: what needs it is a 503, the rest is answered; back, the mock reconnects by itself', { skip }, async (t) => {
  const redis = await startRedis(t)
  const store = ['--store', redis.url, '--journal-size', '3']
  const [a, b] = await Promise.all([spawnServe(t, store), spawnServe(t, store)])
  await redis.stop()
  t.strictSame(await call(a.address, 'POST', CANCEL, { ...BEARER, 'x-mock-session': 'erin' }), {
    status: 503,
    scenario: null,
    body: {
      type: 'urn:understudy:error:store-unavailable',
      title: 'Store unavailable',
      status: 503,
      detail: `The store at ${redis.url} cannot be reached (Stream isn't writeable and enableOfflineQueue options is false); understudy reconnects by itself.`
    }
  })
  t.equal((await call(a.address, 'POST', STOP, BEARER)).status, 200, 'a request that does not need the store')
  t.equal((await call(a.address, 'PUT', '/__mock/sessions/erin', {}, { set: 'logged-out' })).status, 503)
  t.match(a.output(), `understudy: the store at ${redis.url} cannot be reached`)

  await redis.start()
  await until(async () => a.output(), (output) => output.includes(`understudy: the store at ${redis.url} is back`))
  await until(async () => b.output(), (output) => output.includes('is back'))
  t.equal((await call(a.address, 'PUT', '/__mock/sessions/erin', {}, { set: 'logged-out' })).status, 200)
  t.equal((await call(b.address, 'POST', CANCEL, { ...BEARER, 'x-mock-session': 'erin' })).status, 401, 'the other replica hears choices again')
  for (let i = 0; i < 5; i++) await call(b.address, 'POST', STOP, BEARER)
  await until(async () => (await call(a.address, 'GET', '/__mock/requests')).body as unknown[], (entries) => entries.length === 3)
  const client = new Redis(redis.url)
  t.teardown(() => client.disconnect())
  t.equal(await client.llen('understudy:journal'), 3, '--journal-size caps the list in Redis')
})

t.test('a store option that cannot work is one line', async (t) => {
  for (const [args, line] of [
    [['--store', 'http://127.0.0.1:6379'], 'understudy: UNDERSTUDY_STORE_OPTION_INVALID: A store option is invalid: --store: http:// is not a store understudy knows: redis://host:port/db or rediss:// (TLS)\n'],
    [['--store', 'redis://127.0.0.1:6379/x'], "understudy: UNDERSTUDY_STORE_OPTION_INVALID: A store option is invalid: --store: '/x' is not a database number (redis://host:port/0)\n"],
    [['--store', 'redis://127.0.0.1:1/0'], 'understudy: UNDERSTUDY_STORE_UNAVAILABLE: The store cannot be reached: redis://127.0.0.1:1/0: connect ECONNREFUSED 127.0.0.1:1\n'],
    [['--store-prefix', 'x:'], 'understudy: UNDERSTUDY_STORE_OPTION_INVALID: A store option is invalid: --store-prefix: only with --store <url>\n']
  ] as const) {
    const { code, stderr } = await runCli(['serve', ...args, '--port', '0'])
    t.equal(stderr, line, args.join(' '))
    t.equal(code, 1)
  }
})
