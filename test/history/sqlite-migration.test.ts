import { test } from 'node:test'
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SOURCE_WINDOW_CAP, SqliteStore } from '../../src/history/sqlite-store.ts'

/** The parts of a version 1 file that version 2 changes (tables as version 1 had them). */
const VERSION_1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO meta VALUES ('schema_version', '1');
CREATE TABLE reports (id INTEGER PRIMARY KEY, t INTEGER NOT NULL, login TEXT NOT NULL, success INTEGER NOT NULL, fail_type TEXT,
  protocol TEXT NOT NULL, remote TEXT NOT NULL, prefix TEXT NOT NULL, country TEXT, city TEXT, lat REAL, lon REAL, accuracy_km REAL, device TEXT, risk REAL);
CREATE INDEX reports_login ON reports (login, t, success, remote);
CREATE INDEX reports_remote ON reports (remote, t, login, success);
CREATE INDEX reports_prefix ON reports (prefix, t, login, success);
CREATE INDEX reports_t ON reports (t);
CREATE TABLE logins (login TEXT PRIMARY KEY, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, successes INTEGER NOT NULL,
  failures INTEGER NOT NULL, ls_t INTEGER, ls_remote TEXT, ls_prefix TEXT, ls_country TEXT, ls_city TEXT, ls_lat REAL, ls_lon REAL,
  ls_accuracy_km REAL, ls_device TEXT) WITHOUT ROWID;
CREATE INDEX logins_last_seen ON logins (last_seen);
CREATE TABLE features (login TEXT NOT NULL, kind INTEGER NOT NULL, value TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  successes INTEGER NOT NULL, failures INTEGER NOT NULL, PRIMARY KEY (login, kind, value)) WITHOUT ROWID;
CREATE INDEX features_last_seen ON features (last_seen);
INSERT INTO reports (t, login, success, protocol, remote, prefix) VALUES (1750000000000, 'bob', 0, 'http', '198.51.100.7', '198.51.100.0/24');
`

function tempFile (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ta-migrate-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'history.db')
}

const indexes = (file: string): string[] => {
  const db = new Database(file, { readonly: true })
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[])
  } finally { db.close() }
}

test('a version 1 history file is brought to version 2 and keeps its reports', (t) => {
  const file = tempFile(t)
  const v1 = new Database(file)
  v1.exec(VERSION_1)
  v1.close()
  const store = new SqliteStore(file)
  try {
    assert.deepEqual(store.recentReports('bob', 5).map((r) => r.remote), ['198.51.100.7'])
    // The per-address question is answered from the network index now.
    const window = store.sourceWindow('ip', '198.51.100.7', 1_749_999_000, 1_750_001_000)
    assert.equal(window.failures, 1)
    assert.equal(store.sourceWindow('ip', '198.51.100.8', 1_749_999_000, 1_750_001_000).attempts, 0)
    assert.equal(store.sourceWindow('ip', 'not an address', 1_749_999_000, 1_750_001_000).attempts, 0)
  } finally { store.close() }
  assert.deepEqual(indexes(file), ['reports_login', 'reports_prefix', 'reports_t'])
  const db = new Database(file, { readonly: true })
  try {
    assert.equal(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(), '2')
    assert.deepEqual(db.prepare("SELECT name FROM pragma_index_info('reports_prefix') ORDER BY seqno").pluck().all(), ['prefix', 't', 'remote', 'login', 'success'])
  } finally { db.close() }
})

test('a history file of a later version is refused, naming the file and both versions', (t) => {
  const file = tempFile(t)
  const db = new Database(file)
  db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID; INSERT INTO meta VALUES ('schema_version', '3');")
  db.close()
  assert.throws(() => new SqliteStore(file), (err: Error) => err.message.includes(file) && /schema version 3, this trackalert reads version 2/.test(err.message))
})

test('a busy network\'s window counts its latest SOURCE_WINDOW_CAP reports, the newest included', (t) => {
  const file = tempFile(t)
  const store = new SqliteStore(file)
  t.after(() => store.close())
  const T = 1_750_000_000
  const base = {
    failType: null, protocol: 'http', prefix: '203.0.113.0/24', country: null, city: null, lat: null, lon: null, accuracyKm: null, device: null, risk: null
  }
  // A carrier gateway: many users succeed through it, then an attacker fails on 5 accounts.
  const busy = Array.from({ length: SOURCE_WINDOW_CAP + 200 }, (_, i) => ({ ...base, t: T + i, login: `user${i}`, success: true, remote: `203.0.113.${1 + (i % 200)}` }))
  const attack = Array.from({ length: 5 }, (_, i) => ({ ...base, t: T + 2000 + i, login: `victim${i}`, success: false, remote: '203.0.113.250' }))
  store.writeBatch([...busy, ...attack])
  const net = store.sourceWindow('prefix', '203.0.113.0/24', T, T + 3600)
  assert.equal(net.attempts, SOURCE_WINDOW_CAP)
  assert.equal(net.failures, 5, 'the newest reports are in the window')
  assert.equal(net.failingLogins, 5)
  assert.equal(net.lastSeen, T + 2004)
  const ip = store.sourceWindow('ip', '203.0.113.250', T, T + 3600)
  assert.deepEqual([ip.attempts, ip.failures, ip.distinctLogins], [5, 5, 5])
  // Under the cap a network is counted whole.
  store.writeBatch(Array.from({ length: 30 }, (_, i) => ({ ...base, prefix: '198.51.100.0/24', t: T + i, login: `q${i}`, success: i % 3 === 0, remote: '198.51.100.9' })))
  const quiet = store.sourceWindow('prefix', '198.51.100.0/24', T, T + 3600)
  assert.deepEqual([quiet.attempts, quiet.successes, quiet.distinctLogins], [30, 10, 30])
})
