import { type Statement } from 'better-sqlite3'
import { type Db, KIND_CODE, TOTALS_KIND, toMs } from './sqlite-schema.ts'
import { type FeatureKind, type HistoryRecord, type PruneStep } from './types.ts'

/** Profile rows a retention step examines per report it may delete (the sweep reads in key order: cheap). */
const SWEEP_FACTOR = 10

const KIND_OF_CODE = new Map<number, FeatureKind>(Object.entries(KIND_CODE).map(([k, v]) => [v, k as FeatureKind]))

/** Global frequency changes collected while a transaction runs, applied once at its end. */
class GlobalDeltas {
  readonly #rows = new Map<string, { kind: number, value: string, logins: number, successes: number, failures: number }>()

  add (kind: number, value: string, logins: number, successes: number, failures: number): void {
    const key = `${kind}\u0000${value}`
    const row = this.#rows.get(key)
    if (row === undefined) this.#rows.set(key, { kind, value, logins, successes, failures })
    else { row.logins += logins; row.successes += successes; row.failures += failures }
  }

  /** Only rows that lost logins can reach zero: those alone are checked (never a scan per batch). */
  apply (upsert: Statement, cleanup: Statement): void {
    for (const r of this.#rows.values()) {
      upsert.run(r.kind, r.value, r.logins, r.successes, r.failures)
      if (r.logins < 0 && r.kind !== TOTALS_KIND) cleanup.run(r.kind, r.value)
    }
  }
}

/** The SQLite store's writes: batches, erasure and retention, each one transaction. */
export class SqliteWrites {
  readonly #insertReport: Statement
  readonly #upsertLogin: Statement
  readonly #lastSuccess: Statement
  readonly #upsertFeature: Statement
  readonly #global: Statement
  readonly #globalCleanup: Statement
  readonly #loginRow: Statement
  readonly #loginFeatures: Statement
  readonly #deleteReportsOfLogin: Statement
  readonly #deleteFeaturesOfLogin: Statement
  readonly #deleteLogin: Statement
  readonly #pruneReports: Statement
  readonly #featuresFromStart: Statement
  readonly #featuresAfter: Statement
  readonly #deleteFeature: Statement
  readonly #loginsFromStart: Statement
  readonly #loginsAfter: Statement
  /** Where the retention sweep of the profile tables goes on (key order); null: at the start. */
  #featureCursor: [string, number, string] | null = null
  #loginCursor: string | null = null
  readonly #db: Db
  readonly #busyTimeoutMs: number
  readonly #writeTransaction: ((records: readonly HistoryRecord[]) => void) & { immediate: (records: readonly HistoryRecord[]) => void }
  readonly erase: (login: string) => number
  readonly prune: (before: number, limit: number) => PruneStep

  constructor (db: Db) {
    this.#db = db
    this.#busyTimeoutMs = db.pragma('busy_timeout', { simple: true }) as number
    this.#insertReport = db.prepare(`INSERT INTO reports (t, login, success, fail_type, protocol, remote, prefix, country, city, lat, lon, accuracy_km, device, risk)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    // One statement per row: RETURNING tells a new row (its counts are exactly this batch's) from an
    // updated one (every stored row already counts at least one report).
    this.#upsertLogin = db.prepare(`INSERT INTO logins (login, first_seen, last_seen, successes, failures) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (login) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
      successes = successes + excluded.successes, failures = failures + excluded.failures RETURNING successes + failures`).pluck()
    this.#lastSuccess = db.prepare(`UPDATE logins SET ls_t = ?, ls_remote = ?, ls_prefix = ?, ls_country = ?, ls_city = ?,
      ls_lat = ?, ls_lon = ?, ls_accuracy_km = ?, ls_device = ? WHERE login = ? AND (ls_t IS NULL OR ls_t <= ?)`)
    this.#upsertFeature = db.prepare(`INSERT INTO features (login, kind, value, first_seen, last_seen, successes, failures) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (login, kind, value) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
      successes = successes + excluded.successes, failures = failures + excluded.failures RETURNING successes + failures`).pluck()
    this.#global = db.prepare(`INSERT INTO global_features (kind, value, logins, successes, failures) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (kind, value) DO UPDATE SET logins = logins + excluded.logins, successes = successes + excluded.successes, failures = failures + excluded.failures`)
    this.#globalCleanup = db.prepare('DELETE FROM global_features WHERE kind = ? AND value = ? AND logins <= 0')
    this.#loginRow = db.prepare('SELECT successes, failures FROM logins WHERE login = ?')
    this.#loginFeatures = db.prepare('SELECT kind, value, successes, failures FROM features WHERE login = ?')
    this.#deleteReportsOfLogin = db.prepare('DELETE FROM reports WHERE login = ?')
    this.#deleteFeaturesOfLogin = db.prepare('DELETE FROM features WHERE login = ?')
    this.#deleteLogin = db.prepare('DELETE FROM logins WHERE login = ?')
    this.#pruneReports = db.prepare('DELETE FROM reports WHERE id IN (SELECT id FROM reports WHERE t < ? ORDER BY t LIMIT ?)')
    const featureColumns = 'SELECT login, kind, value, last_seen, successes, failures FROM features'
    this.#featuresFromStart = db.prepare(`${featureColumns} ORDER BY login, kind, value LIMIT ?`)
    this.#featuresAfter = db.prepare(`${featureColumns} WHERE (login, kind, value) > (?, ?, ?) ORDER BY login, kind, value LIMIT ?`)
    this.#deleteFeature = db.prepare('DELETE FROM features WHERE login = ? AND kind = ? AND value = ?')
    this.#loginsFromStart = db.prepare('SELECT login, last_seen, successes, failures FROM logins ORDER BY login LIMIT ?')
    this.#loginsAfter = db.prepare('SELECT login, last_seen, successes, failures FROM logins WHERE login > ? ORDER BY login LIMIT ?')
    this.#writeTransaction = db.transaction((records: readonly HistoryRecord[]) => { this.#write(records) })
    this.erase = db.transaction((login: string) => this.#erase(login))
    this.prune = db.transaction((before: number, limit: number) => this.#prune(toMs(before), limit))
  }

  /**
   * One transaction, begun IMMEDIATE so the write lock is taken before any work. With `wait`
   * false and another process writing, it fails at once with SQLITE_BUSY (the writer retries
   * shortly) instead of sleeping in SQLite's busy handler: a worker waiting for the lock would
   * answer no request meanwhile. Reads that need the batch written first pass `wait`.
   */
  writeBatch (records: readonly HistoryRecord[], wait: boolean): void {
    if (wait) { this.#writeTransaction.immediate(records); return }
    this.#db.pragma('busy_timeout = 0')
    try {
      this.#writeTransaction.immediate(records)
    } finally {
      this.#db.pragma(`busy_timeout = ${this.#busyTimeoutMs}`)
    }
  }

  /**
   * One statement per row a report touches, in arrival order. Folding a batch in JS first cost more
   * (about 10 µs a report in Map upkeep) than the upserts it saved, because a batch rarely holds
   * two reports of one login. Each upsert adds exactly one report, so RETURNING 1 means "created".
   */
  #write (records: readonly HistoryRecord[]): void {
    const globals = new GlobalDeltas()
    for (const r of records) {
      const t = toMs(r.t)
      const s = r.success ? 1 : 0
      const f = 1 - s
      this.#insertReport.run(t, r.login, s, r.failType, r.protocol, r.remote, r.prefix, r.country, r.city, r.lat, r.lon, r.accuracyKm, r.device, r.risk)
      const created = this.#upsertLogin.get(r.login, t, t, s, f) === 1 ? 1 : 0
      globals.add(TOTALS_KIND, '', created, s, f)
      if (s === 1) this.#lastSuccess.run(t, r.remote, r.prefix, r.country, r.city, r.lat, r.lon, r.accuracyKm, r.device, r.login, t)
      this.#feature(globals, r.login, KIND_CODE.device, r.device, t, s, f)
      this.#feature(globals, r.login, KIND_CODE.country, r.country, t, s, f)
      this.#feature(globals, r.login, KIND_CODE.prefix, r.prefix, t, s, f)
    }
    globals.apply(this.#global, this.#globalCleanup)
  }

  #feature (globals: GlobalDeltas, login: string, kind: number, value: string | null, t: number, s: number, f: number): void {
    if (value === null) return
    const created = this.#upsertFeature.get(login, kind, value, t, t, s, f) === 1 ? 1 : 0
    globals.add(kind, value, created, s, f)
  }

  #erase (login: string): number {
    const globals = new GlobalDeltas()
    const row = this.#loginRow.get(login) as { successes: number, failures: number } | undefined
    if (row !== undefined) globals.add(TOTALS_KIND, '', -1, -row.successes, -row.failures)
    for (const f of this.#loginFeatures.all(login) as Array<{ kind: number, value: string, successes: number, failures: number }>) {
      globals.add(f.kind, f.value, -1, -f.successes, -f.failures)
    }
    const removed = this.#deleteReportsOfLogin.run(login).changes
    this.#deleteFeaturesOfLogin.run(login)
    this.#deleteLogin.run(login)
    globals.apply(this.#global, this.#globalCleanup)
    return removed
  }

  /**
   * One retention step: at most `limit` old reports (by the t index), and the next `limit` ×
   * SWEEP_FACTOR profile rows in key order, of which those idle since before the cut-off go (their
   * counts leave the global frequencies with them). The profile tables carry no last_seen index:
   * keeping one current would cost every report two more scattered index writes. Done once the
   * reports are pruned and the sweep is back at the start of both tables.
   */
  #prune (beforeMs: number, limit: number): PruneStep {
    const globals = new GlobalDeltas()
    const reports = this.#pruneReports.run(beforeMs, limit).changes
    const examine = limit * SWEEP_FACTOR
    let removed = reports
    const features = (this.#featureCursor === null
      ? this.#featuresFromStart.all(examine)
      : this.#featuresAfter.all(...this.#featureCursor, examine)) as Array<{ login: string, kind: number, value: string, last_seen: number, successes: number, failures: number }>
    const lastFeature = features.at(-1)
    this.#featureCursor = features.length < examine || lastFeature === undefined ? null : [lastFeature.login, lastFeature.kind, lastFeature.value]
    for (const f of features) {
      if (f.last_seen >= beforeMs || !KIND_OF_CODE.has(f.kind)) continue
      this.#deleteFeature.run(f.login, f.kind, f.value)
      globals.add(f.kind, f.value, -1, -f.successes, -f.failures)
      removed++
    }
    const logins = (this.#loginCursor === null
      ? this.#loginsFromStart.all(examine)
      : this.#loginsAfter.all(this.#loginCursor, examine)) as Array<{ login: string, last_seen: number, successes: number, failures: number }>
    const lastLogin = logins.at(-1)
    this.#loginCursor = logins.length < examine || lastLogin === undefined ? null : lastLogin.login
    for (const l of logins) {
      if (l.last_seen >= beforeMs) continue
      this.#deleteLogin.run(l.login)
      globals.add(TOTALS_KIND, '', -1, -l.successes, -l.failures)
      removed++
    }
    globals.apply(this.#global, this.#globalCleanup)
    return { removed, done: reports < limit && this.#featureCursor === null && this.#loginCursor === null }
  }
}
