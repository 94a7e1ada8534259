import { test } from 'node:test'
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { HistoryReader } from '../../src/history/reader.ts'
import { SqliteStore } from '../../src/history/sqlite-store.ts'
import { type HistoryRecord } from '../../src/history/types.ts'
import { HistoryWriter } from '../../src/history/writer.ts'

const LOGINS = ['ann', 'ben', 'cid']
const REMOTES = ['192.0.2.1', '192.0.2.2', '198.51.100.9']
const T0 = 1_750_000_000

/** A small deterministic generator: few logins and addresses, so reads often concern queued reports. */
function records (seed: number, n: number): HistoryRecord[] {
  let s = seed
  const next = (m: number): number => { s = (s * 1103515245 + 12345) % 2147483648; return s % m }
  return Array.from({ length: n }, () => {
    const remote = REMOTES[next(REMOTES.length)]
    return {
      t: T0 + next(3600), login: LOGINS[next(LOGINS.length)], success: next(3) === 0, failType: null, protocol: 'http', remote,
      prefix: remote.replace(/\.\d+$/, '.0/24'), country: ['DE', 'FR', null][next(3)], city: null, lat: null, lon: null, accuracyKm: null,
      device: ['Chrome/Windows', 'Firefox/Linux', null][next(3)], risk: null
    }
  })
}

/** Every read the policies make, as one comparable value. */
function readAll (reader: HistoryReader): unknown {
  const since = T0 + 600
  const until = T0 + 3000
  // Population counts: successes and failures include the queue (distinct logins are as committed).
  const counts = (g: { successes: number, failures: number }): [number, number] => [g.successes, g.failures]
  const population = {
    totals: counts(reader.globalTotals() as { successes: number, failures: number }),
    values: (['DE', 'FR'] as const).map((v) => counts(reader.globalFeature('country', v) as { successes: number, failures: number })),
    devices: counts(reader.globalFeature('device', 'Firefox/Linux') as { successes: number, failures: number }),
    network: counts(reader.globalFeature('prefix', '192.0.2.0/24') as { successes: number, failures: number }),
    distinct: (['country', 'device', 'prefix'] as const).map((k) => reader.globalDistinct(k))
  }
  return [population, ...LOGINS.map((login) => ({
    totals: reader.totals(login),
    profile: reader.profile(login),
    lastSuccess: reader.lastSuccess(login),
    recent: reader.recentReports(login, 5),
    feature: reader.feature(login, 'country', 'DE'),
    window: reader.loginWindow(login, since, until),
    at: REMOTES.map((remote) => reader.loginAtSource('ip', remote, login, since, until)),
    atNet: reader.loginAtSource('prefix', '192.0.2.0/24', login, since, until),
    sources: REMOTES.map((remote) => reader.sourceWindow('ip', remote, since, until)),
    net: reader.sourceWindow('prefix', '192.0.2.0/24', since, until),
    nets: reader.sourceWindows('prefix', '192.0.2.0/24', [since, T0 + 2000], until)
  }))]
}

test('reads merged with the queue answer exactly what they answer once the queue is committed', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ta-overlay-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const store = new SqliteStore(join(dir, `h${seed}.db`))
    const writer = new HistoryWriter(store, { commitIntervalMs: 60_000, maxCommitIntervalMs: 60_000, queueLimit: 10_000, observer: { committed () {}, dropped () {} } })
    const reader = new HistoryReader(store, writer)
    const all = records(seed, 60)
    store.writeBatch(all.slice(0, 30))
    for (const r of all.slice(30)) writer.enqueue(r)
    assert.equal(writer.depth, 30)
    // Several windows in one read answer what each window alone answers, queue merged in.
    for (const [scope, key] of [['prefix', '192.0.2.0/24'], ['ip', '192.0.2.1'], ['ip', '198.51.100.9']] as const) {
      const sinces = [T0 + 1800, T0, T0 + 3000]
      assert.deepEqual(reader.sourceWindows(scope, key, sinces, T0 + 3500), sinces.map((since) => reader.sourceWindow(scope, key, since, T0 + 3500)), `${scope} ${key}`)
    }
    const merged = readAll(reader)
    assert.equal(writer.depth, 30, 'no read committed the queue')
    writer.commitNow()
    assert.equal(writer.depth, 0)
    assert.deepEqual(merged, readAll(reader), `seed ${seed}`)
    store.close()
  }
})

test('a report put back after a busy commit is found by reads again, once', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ta-overlay-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const store = new SqliteStore(join(dir, 'h.db'))
  t.after(() => store.close())
  const writer = new HistoryWriter(store, { commitIntervalMs: 60_000, maxCommitIntervalMs: 60_000, queueLimit: 10, observer: { committed () {}, dropped () {} } })
  const reader = new HistoryReader(store, writer)
  const [r] = records(9, 1)
  writer.enqueue(r)
  assert.equal((reader.totals(r.login) as { successes: number, failures: number } | null)?.failures ?? 0, r.success ? 0 : 1)
  writer.commitNow()
  const after = reader.totals(r.login) as { successes: number, failures: number }
  assert.equal(after.successes + after.failures, 1, 'counted once: committed, no longer queued')
})

test('with the writer thread, reads count a batch once before, during and after its commit, and the event loop stays free', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ta-overlay-thread-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const seed of [1, 2, 3]) {
    const file = join(dir, `h${seed}.db`)
    const store = new SqliteStore(file, { writeThread: true })
    const writer = new HistoryWriter(store, { commitIntervalMs: 60_000, maxCommitIntervalMs: 60_000, queueLimit: 10_000, observer: { committed () {}, dropped () {} } })
    const reader = new HistoryReader(store, writer)
    const other = new Database(file)
    const all = records(seed, 60)
    for (const r of all.slice(0, 30)) writer.enqueue(r)
    await writer.commitNow()
    for (const r of all.slice(30)) writer.enqueue(r)
    const merged = readAll(reader)

    // Another connection holds the write lock: the thread's commit waits for it, the process does not.
    other.exec('BEGIN IMMEDIATE')
    const committing = writer.commitNow()
    assert.ok(committing instanceof Promise, 'the commit runs in the thread')
    const started = Date.now()
    await sleep(30)
    assert.ok(Date.now() - started < 1000, 'timers ran while the commit waited')
    assert.equal(writer.depth, 30, 'the batch in flight still counts as not written')
    assert.deepEqual(readAll(reader), merged, `seed ${seed}: in flight`)

    // The thread commits; until the writer has settled the batch (the thread's answer, a later
    // event), reads keep their snapshot and the queue index: the batch counts once, not twice.
    other.exec('COMMIT')
    const count = other.prepare('SELECT count(*) FROM reports').pluck()
    const until = Date.now() + 10_000
    while (count.get() !== 60 && Date.now() < until) { /* synchronous: no event is handled meanwhile */ }
    assert.equal(count.get(), 60, 'the thread committed')
    assert.deepEqual(readAll(reader), merged, `seed ${seed}: committed, not yet settled`)
    await committing
    assert.equal(writer.depth, 0)
    assert.deepEqual(readAll(reader), merged, `seed ${seed}: settled`)
    other.close()
    await store.close()
  }
})
