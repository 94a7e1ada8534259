import Database from 'better-sqlite3'
import { TrackalertError } from '../errors.ts'
import { type FeatureKind } from './types.ts'

export type Db = Database.Database

/** Feature kinds as small integers in the tables; 0 is the global totals row. */
export const KIND_CODE: Readonly<Record<FeatureKind, number>> = { device: 1, country: 2, prefix: 3 }
export const TOTALS_KIND = 0

const SCHEMA_VERSION = 2

/**
 * Version 1 had an index per address beside the one per network, and last_seen indexes on the
 * profile tables: each report then touched four more randomly placed index pages, which the
 * commit writes to the WAL. Version 2 answers per-address questions from the network index (an
 * address lies in its network) and sweeps profiles for retention in key order.
 */
const MIGRATE_1_TO_2 = `
DROP INDEX IF EXISTS reports_remote;
DROP INDEX IF EXISTS logins_last_seen;
DROP INDEX IF EXISTS features_last_seen;
DROP INDEX IF EXISTS reports_prefix;
CREATE INDEX reports_prefix ON reports (prefix, t, remote, login, success);
`

/**
 * Times are integer milliseconds (event time). The report indexes cover the window queries
 * (prefix or login + t + the counted columns), so aggregates read the index only. Every index
 * costs each report a write to a page the commit must flush: keep them few.
 */
const DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reports (
  id INTEGER PRIMARY KEY,
  t INTEGER NOT NULL,
  login TEXT NOT NULL,
  success INTEGER NOT NULL,
  fail_type TEXT,
  protocol TEXT NOT NULL,
  remote TEXT NOT NULL,
  prefix TEXT NOT NULL,
  country TEXT,
  city TEXT,
  lat REAL,
  lon REAL,
  accuracy_km REAL,
  device TEXT,
  risk REAL
);
CREATE INDEX IF NOT EXISTS reports_login ON reports (login, t, success, remote);
CREATE INDEX IF NOT EXISTS reports_prefix ON reports (prefix, t, remote, login, success);
CREATE INDEX IF NOT EXISTS reports_t ON reports (t);
CREATE TABLE IF NOT EXISTS logins (
  login TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  successes INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  ls_t INTEGER,
  ls_remote TEXT,
  ls_prefix TEXT,
  ls_country TEXT,
  ls_city TEXT,
  ls_lat REAL,
  ls_lon REAL,
  ls_accuracy_km REAL,
  ls_device TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS features (
  login TEXT NOT NULL,
  kind INTEGER NOT NULL,
  value TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  successes INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  PRIMARY KEY (login, kind, value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS global_features (
  kind INTEGER NOT NULL,
  value TEXT NOT NULL,
  logins INTEGER NOT NULL,
  successes INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  PRIMARY KEY (kind, value)
) WITHOUT ROWID;
`

export interface OpenOptions {
  /** Caps the file size (MiB) with PRAGMA max_page_count; beyond it writes fail as on a full disk. */
  readonly maxSizeMb?: number | null
  /** How long a writer waits for another process's transaction before giving up (ms). */
  readonly busyTimeoutMs?: number
}

/**
 * Opens (creating if needed) the history database. WAL lets the worker processes of one daemon
 * read while another commits; synchronous=NORMAL means a commit is durable once the WAL is
 * checkpointed or the OS flushes it: a process crash loses nothing committed, a power cut may
 * lose the last commits. Any problem (unwritable folder, not a database, a damaged schema) is a
 * TA_ERR_HISTORY naming the file. No full integrity check: it reads the whole file, minutes for a
 * large one; damage found later fails writes, which are then dropped and counted.
 */
export function openSqlite (file: string, options: OpenOptions = {}): Db {
  let db: Db | null = null
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 })
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    migrate(db)
    if (options.maxSizeMb !== undefined && options.maxSizeMb !== null) {
      const pageSize = db.pragma('page_size', { simple: true }) as number
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxSizeMb * 1024 * 1024 / pageSize))}`)
    }
    return db
  } catch (err) {
    db?.close()
    throw new TrackalertError('TA_ERR_HISTORY', `history database ${file}: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * Creates the schema, or brings a version 1 file to version 2: one IMMEDIATE transaction, so the
 * worker processes opening the file at once take turns, and a crash leaves version 1.
 */
function migrate (db: Db): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID')
    const version = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema_version') as string | undefined
    if (version !== undefined && Number(version) !== 1 && Number(version) !== SCHEMA_VERSION) {
      throw new TrackalertError('TA_ERR_HISTORY', `schema version ${version}, this trackalert reads version ${SCHEMA_VERSION}`)
    }
    if (Number(version) === 1) db.exec(MIGRATE_1_TO_2)
    db.exec(DDL)
    db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION))
  }).immediate()
}

export const toMs = (t: number): number => Math.round(t * 1000)
export const fromMs = (ms: number): number => ms / 1000
