import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { PostgresStore, HistoryUnavailableError, type PostgresStoreOptions } from '../../src/history/postgres/index.ts'
import { eventually } from '../helpers/poll.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'
import { BASE, record, storeContract } from './store-contract.ts'

let server: TestPostgres | null = null
let databases = 0
const opened: PostgresStore[] = []

async function freshUrl (): Promise<string> {
  server ??= await startPostgres()
  const name = `contract_${++databases}`
  await server.createDatabase(name)
  return server.url(name)
}

async function openStore (url: string, over: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
  const store = await PostgresStore.open({ url, retentionDays: 90, outageLimit: 1000, ...over })
  opened.push(store)
  return store
}

async function sql<T extends pg.QueryResultRow> (url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(text, params)).rows
  } finally {
    await client.end()
  }
}

const until = (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> => eventually(check, what, timeoutMs, 50)

storeContract({
  name: 'postgres',
  fresh: async () => {
    const url = await freshUrl()
    return () => openStore(url)
  },
  teardown: async () => {}
})

describe('postgres history store', () => {
  after(async () => {
    for (const store of opened) await store.close()
    await server?.destroy()
  })

  it('partitions reports by day: days ahead exist, a day within retention is created on demand, older ones go to the default partition', async () => {
    const url = await freshUrl()
    const store = await openStore(url, { retentionDays: 30 })
    const today = Math.floor(Date.now() / 86_400_000)
    const name = (day: number): string => `ta_reports_${new Date(day * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '')}`
    const partitions = async (): Promise<string[]> => (await sql<{ relname: string }>(url,
      "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'ta_reports'::regclass")).map((r) => r.relname)
    for (const day of [today - 1, today, today + 1, today + 2]) assert.ok((await partitions()).includes(name(day)), `partition ${name(day)}`)
    await store.writeBatch([record({ login: 'p', t: (today - 20) * 86_400 + 5 }), record({ login: 'p', t: (today - 40) * 86_400 + 5 })])
    assert.ok((await partitions()).includes(name(today - 20)))
    assert.ok(!(await partitions()).includes(name(today - 40)))
    const where = await sql<{ part: string }>(url, "SELECT tableoid::regclass::text AS part FROM ta_reports WHERE login = 'p' ORDER BY t")
    assert.deepEqual(where.map((r) => r.part), ['ta_reports_default', name(today - 20)])
    // Retention drops the whole day partition and deletes the default partition's old rows.
    let removed = 0
    for (let done = false; !done;) {
      const step = await store.prune((today - 10) * 86_400, 1000)
      removed += step.removed
      done = step.done
    }
    assert.ok(!(await partitions()).includes(name(today - 20)))
    assert.deepEqual(await store.recentReports('p', 10), [])
    assert.ok(removed >= 2)
    // A late event for the dropped day is still accepted (the partition is made again).
    await store.writeBatch([record({ login: 'late', t: (today - 20) * 86_400 + 7 })])
    assert.equal((await store.recentReports('late', 1)).length, 1)
  })

  it('two stores on one database: concurrent batches on the same logins all count, and each tick is claimed once', async () => {
    const url = await freshUrl()
    const [a, b] = [await openStore(url), await openStore(url)]
    const batch = (n: number): ReturnType<typeof record>[] => Array.from({ length: 50 }, (_, i) => record({ login: `u${(i * 7 + n) % 10}`, t: BASE + n, country: i % 2 === 0 ? 'DE' : 'FR' }))
    await Promise.all(Array.from({ length: 20 }, (_, n) => (n % 2 === 0 ? a : b).writeBatch(batch(n))))
    assert.deepEqual(await a.globalTotals(), { logins: 10, successes: 1000, failures: 0 })
    assert.deepEqual(await b.globalFeature('country', 'DE'), { logins: 10, successes: 500, failures: 0 })
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).claimTick('job', 1_700_000_000_000, `i${i}`)))
    assert.equal(claims.filter(Boolean).length, 1)
    assert.equal(await a.claimTick('job', 1_700_000_000_000, 'again'), false)
    assert.equal(await b.claimTick('job', 1_700_000_060_000, 'next'), true)
  })

  it('survives the server going away: reads fail with an error value, writes are held up to the bound then dropped and counted, and arrive after restart', async () => {
    const url = await freshUrl()
    const store = await openStore(url, { outageLimit: 30 })
    await store.writeBatch([record({ login: 'before', t: BASE })])
    await server!.stop()
    // The first call after the server left finds out; every later one fails at once.
    await assert.rejects(() => Promise.resolve(store.totals('before')))
    await until('the store to notice the outage', () => !store.up)
    await assert.rejects(() => Promise.resolve(store.totals('before')), HistoryUnavailableError)
    for (let i = 0; i < 5; i++) await store.writeBatch(Array.from({ length: 10 }, (_, j) => record({ login: `during${i}`, t: BASE + j })))
    assert.deepEqual({ ...store.outageStats(), up: undefined }, { up: undefined, outages: 1, held: 30, dropped: 20 })
    await server!.start()
    await until('the held reports to be written', () => store.up && store.outageStats().held === 0)
    for (let i = 0; i < 3; i++) assert.equal((await store.recentReports(`during${i}`, 100)).length, 10)
    assert.equal((await store.recentReports('during3', 100)).length, 0)
    await store.writeBatch([record({ login: 'after', t: BASE })])
    assert.equal((await store.totals('after'))?.successes, 1)
    assert.equal(store.outageStats().outages, 1)
  })

  it('after an outage, a batch written while the held backlog is still being written waits for it instead of being dropped', async () => {
    const url = await freshUrl()
    const store = await openStore(url, { outageLimit: 20 })
    await store.writeBatch([record({ login: 'held', t: BASE })])
    // The backlog's login row, locked by a session of the test's own: writing the backlog blocks on it
    // after the store is up again, which keeps the "backlog still being written" window open.
    const locker = new pg.Client({ connectionString: url })
    await locker.connect()
    await locker.query('BEGIN')
    await locker.query("SELECT 1 FROM ta_logins WHERE login = 'held' FOR UPDATE")
    // An outage without stopping the server (which would end the locking session): the store's
    // sessions are ended and new ones refused until the database accepts connections again.
    const admin = server!.url('postgres')
    const db = new URL(url).pathname.slice(1)
    await sql(admin, `ALTER DATABASE "${db}" ALLOW_CONNECTIONS false`)
    await sql(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'trackalert'", [db])
    await until('the store to notice the outage', () => !store.up)
    for (let i = 0; i < 2; i++) await store.writeBatch(Array.from({ length: 10 }, (_, j) => record({ login: 'held', t: BASE + i * 10 + j })))
    assert.equal(store.outageStats().held, 20, 'the outage bound is full')
    await sql(admin, `ALTER DATABASE "${db}" ALLOW_CONNECTIONS true`)
    await until('the store to reconnect', () => store.up)
    assert.equal(store.outageStats().held, 20, 'the backlog is still being written (blocked on the locked row)')
    const writing = store.writeBatch([record({ login: 'fresh', t: BASE + 100 })])
    await locker.query('COMMIT')
    await locker.end()
    await writing
    assert.deepEqual({ ...store.outageStats(), up: undefined }, { up: undefined, outages: 1, held: 0, dropped: 0 })
    assert.equal((await store.totals('fresh'))?.successes, 1, 'the batch written while the backlog was being written is stored')
    assert.equal((await store.totals('held'))?.successes, 21, 'the backlog is stored, after the report written before the outage')
  })

  it('starts while the server is down and catches up once it is reachable', async () => {
    const url = await freshUrl()
    await server!.stop()
    const store = await openStore(url)
    assert.equal(store.up, false)
    await store.writeBatch([record({ login: 'early', t: BASE })])
    await assert.rejects(() => Promise.resolve(store.totals('early')), /history database unavailable \(postgres:\/\/trackalert@127\.0\.0\.1:\d+\/contract_\d+\)/)
    await server!.start()
    await until('the store to reconnect and write', async () => store.up && store.outageStats().held === 0)
    assert.equal((await store.totals('early'))?.successes, 1)
  })

  it('rejects a URL that is not a postgres:// URL and hides the password in its location', async () => {
    await assert.rejects(() => PostgresStore.open({ url: 'mysql://x@y/z', retentionDays: 1, outageLimit: 1 }), /postgres:\/\/ or postgresql:\/\//)
    await assert.rejects(() => PostgresStore.open({ url: 'not a url', retentionDays: 1, outageLimit: 1 }), /invalid PostgreSQL URL/)
    const store = await openStore(`postgres://trackalert:secret@127.0.0.1:${server!.port}/contract_1`)
    assert.ok(!store.location.includes('secret'))
    assert.match(store.location, /trackalert:\*\*\*@/)
  })
})
