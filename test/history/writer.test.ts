import { test } from 'node:test'
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseHistoryOptions } from '../../src/history/options.ts'
import { SqliteStore } from '../../src/history/sqlite-store.ts'
import { type HistoryRecord } from '../../src/history/types.ts'
import { HistoryWriter, type WriterObserver } from '../../src/history/writer.ts'
import { eventually } from '../helpers/poll.ts'

const quiet: WriterObserver = { committed () {}, dropped () {} }

const record = (i: number): HistoryRecord => ({
  t: 1_750_000_000 + i, login: `user${i}`, success: true, failType: null, protocol: 'http', remote: '192.0.2.1', prefix: '192.0.2.0/24',
  country: null, city: null, lat: null, lon: null, accuracyKm: null, device: null, risk: null
})

/**
 * A real SQLite store whose commits take as long on the injected clock as the test says: the
 * writer's interval is computed from that clock, so no test waits for real time.
 */
function slowStore (t: { after: (fn: () => void) => void }): { store: SqliteStore, clock: { ms: number, commitMs: number } } {
  const dir = mkdtempSync(join(tmpdir(), 'ta-writer-'))
  const store = new SqliteStore(join(dir, 'history.db'))
  t.after(() => { store.close(); rmSync(dir, { recursive: true, force: true }) })
  const clock = { ms: 1_000_000, commitMs: 0 }
  const write = store.writeBatch.bind(store)
  store.writeBatch = (records) => { write(records); clock.ms += clock.commitMs }
  return { store, clock }
}

test('the commit interval stretches with slow commits, up to the maximum, and returns when they are quick', (t) => {
  const { store, clock } = slowStore(t)
  const writer = new HistoryWriter(store, { commitIntervalMs: 5, maxCommitIntervalMs: 1000, queueLimit: 1000, observer: quiet, now: () => clock.ms })
  const commitTaking = (ms: number, i: number): number => {
    clock.commitMs = ms
    writer.enqueue(record(i))
    assert.equal(writer.commitNow(), undefined, 'SQLite commits synchronously')
    return writer.intervalMs
  }
  assert.equal(writer.intervalMs, 5)
  assert.equal(commitTaking(0, 1), 5, 'a quick commit keeps the configured interval')
  assert.equal(commitTaking(0.4, 2), 5, 'just under a tenth of the interval: unchanged')
  assert.equal(commitTaking(30, 3), 300, 'ten times the last commit')
  assert.equal(commitTaking(99, 4), 990)
  assert.equal(commitTaking(100, 5), 1000, 'at the maximum')
  assert.equal(commitTaking(250, 6), 1000, 'never past the maximum (the crash-loss bound under load)')
  assert.equal(commitTaking(0, 7), 5, 'load gone: back to the configured interval')
  assert.equal(store.totals('user7')?.successes, 1, 'every report was written')
})

test('a reload keeps the stretched interval within the new bounds', (t) => {
  const { store, clock } = slowStore(t)
  const writer = new HistoryWriter(store, { commitIntervalMs: 5, maxCommitIntervalMs: 1000, queueLimit: 1000, observer: quiet, now: () => clock.ms })
  clock.commitMs = 80
  writer.enqueue(record(1))
  writer.commitNow()
  assert.equal(writer.intervalMs, 800)
  writer.configure(5, 200, 1000)
  assert.equal(writer.intervalMs, 200)
  writer.configure(500, 2000, 1000)
  assert.equal(writer.intervalMs, 500)
})

test('max_commit_interval_ms: defaults to 1000 ms (or the interval, if longer) and may not be below the interval', () => {
  const parse = (extra: Record<string, unknown>): ReturnType<typeof parseHistoryOptions> => parseHistoryOptions({ backend: 'sqlite', path: 'h.db', ...extra })
  assert.equal(parse({}).maxCommitIntervalMs, 1000)
  assert.equal(parse({ commit_interval_ms: 2000 }).maxCommitIntervalMs, 2000)
  assert.equal(parse({ max_commit_interval_ms: 50 }).maxCommitIntervalMs, 50)
  assert.throws(() => parse({ commit_interval_ms: 100, max_commit_interval_ms: 50 }), /max_commit_interval_ms \(50\) must be at least commit_interval_ms \(100\)/)
  assert.throws(() => parse({ max_commit_interval_ms: 0 }), /max_commit_interval_ms must be a number above 0 and at most 60000/)
  assert.throws(() => parse({ max_commit_interval_ms: 'soon' }), /max_commit_interval_ms must be a number/)
  assert.equal(parse({}).writeThread, false)
  assert.equal(parse({ write_thread: true }).writeThread, true)
  assert.throws(() => parse({ write_thread: 'yes' }), /write_thread must be true or false, got "yes"/)
  assert.throws(() => parseHistoryOptions({ backend: 'postgres', url: 'postgres://h/db', write_thread: true }), /write_thread is for backend "sqlite"/)
})

test('a background commit never waits for another process\'s write lock: it keeps the reports and tries again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ta-writer-busy-'))
  const store = new SqliteStore(join(dir, 'history.db'))
  const other = new Database(join(dir, 'history.db'))
  t.after(() => { other.close(); store.close(); rmSync(dir, { recursive: true, force: true }) })
  let dropped = 0
  const writer = new HistoryWriter(store, {
    commitIntervalMs: 1, maxCommitIntervalMs: 1, queueLimit: 1000, observer: { committed () {}, dropped (n) { dropped += n } }
  })
  other.exec('BEGIN IMMEDIATE')
  writer.enqueue(record(1))
  // Several commit attempts happen while the lock is held. Had one slept in SQLite's busy handler
  // (5 s here), this wait could not end before it did.
  const started = Date.now()
  await new Promise((resolve) => setTimeout(resolve, 30))
  assert.ok(Date.now() - started < 2000, 'the event loop was never held by a lock wait')
  assert.equal(writer.depth, 1, 'the report is still queued')
  assert.equal(dropped, 0)
  other.exec('COMMIT')
  await eventually(() => writer.depth === 0, 'the report committed once the lock was free')
  assert.equal(store.totals('user1')?.successes, 1)
})
