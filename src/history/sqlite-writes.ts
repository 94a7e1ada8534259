import { type Statement } from 'better-sqlite3'
import { foldBatch } from './batch.ts'
import { type Db, KIND_CODE, TOTALS_KIND, toMs } from './sqlite-schema.ts'
import { type FeatureKind, type HistoryRecord } from './types.ts'

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

  apply (upsert: Statement, cleanup: Statement): void {
    for (const r of this.#rows.values()) upsert.run(r.kind, r.value, r.logins, r.successes, r.failures)
    if (this.#rows.size > 0) cleanup.run()
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
  readonly #oldFeatures: Statement
  readonly #deleteFeature: Statement
  readonly #oldLogins: Statement
  readonly writeBatch: (records: readonly HistoryRecord[]) => void
  readonly erase: (login: string) => number
  readonly prune: (before: number, limit: number) => number

  constructor (db: Db) {
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
    this.#globalCleanup = db.prepare(`DELETE FROM global_features WHERE logins <= 0 AND kind <> ${TOTALS_KIND}`)
    this.#loginRow = db.prepare('SELECT successes, failures FROM logins WHERE login = ?')
    this.#loginFeatures = db.prepare('SELECT kind, value, successes, failures FROM features WHERE login = ?')
    this.#deleteReportsOfLogin = db.prepare('DELETE FROM reports WHERE login = ?')
    this.#deleteFeaturesOfLogin = db.prepare('DELETE FROM features WHERE login = ?')
    this.#deleteLogin = db.prepare('DELETE FROM logins WHERE login = ?')
    this.#pruneReports = db.prepare('DELETE FROM reports WHERE id IN (SELECT id FROM reports WHERE t < ? ORDER BY t LIMIT ?)')
    this.#oldFeatures = db.prepare('SELECT login, kind, value, successes, failures FROM features WHERE last_seen < ? LIMIT ?')
    this.#deleteFeature = db.prepare('DELETE FROM features WHERE login = ? AND kind = ? AND value = ?')
    this.#oldLogins = db.prepare('DELETE FROM logins WHERE login IN (SELECT login FROM logins WHERE last_seen < ? LIMIT ?) RETURNING successes, failures')
    this.writeBatch = db.transaction((records: readonly HistoryRecord[]) => { this.#write(records) })
    this.erase = db.transaction((login: string) => this.#erase(login))
    this.prune = db.transaction((before: number, limit: number) => this.#prune(toMs(before), limit))
  }

  #write (records: readonly HistoryRecord[]): void {
    for (const r of records) {
      this.#insertReport.run(toMs(r.t), r.login, r.success ? 1 : 0, r.failType, r.protocol, r.remote, r.prefix,
        r.country, r.city, r.lat, r.lon, r.accuracyKm, r.device, r.risk)
    }
    const folded = foldBatch(records)
    const globals = new GlobalDeltas()
    for (const [login, l] of folded.logins) {
      const count = this.#upsertLogin.get(login, toMs(l.firstSeen), toMs(l.lastSeen), l.successes, l.failures) as number
      const created = count === l.successes + l.failures ? 1 : 0
      globals.add(TOTALS_KIND, '', created, l.successes, l.failures)
      const s = l.lastSuccess
      if (s !== null) this.#lastSuccess.run(toMs(s.t), s.remote, s.prefix, s.country, s.city, s.lat, s.lon, s.accuracyKm, s.device, login, toMs(s.t))
    }
    for (const f of folded.features.values()) {
      const kind = KIND_CODE[f.kind]
      const count = this.#upsertFeature.get(f.login, kind, f.value, toMs(f.firstSeen), toMs(f.lastSeen), f.successes, f.failures) as number
      const created = count === f.successes + f.failures ? 1 : 0
      globals.add(kind, f.value, created, f.successes, f.failures)
    }
    globals.apply(this.#global, this.#globalCleanup)
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

  /** Profiles are forgotten after `retention` of inactivity; their counts leave the global frequencies with them. */
  #prune (beforeMs: number, limit: number): number {
    const globals = new GlobalDeltas()
    let removed = this.#pruneReports.run(beforeMs, limit).changes
    const old = this.#oldFeatures.all(beforeMs, limit) as Array<{ login: string, kind: number, value: string, successes: number, failures: number }>
    for (const f of old) {
      if (!KIND_OF_CODE.has(f.kind)) continue
      this.#deleteFeature.run(f.login, f.kind, f.value)
      globals.add(f.kind, f.value, -1, -f.successes, -f.failures)
    }
    removed += old.length
    for (const l of this.#oldLogins.all(beforeMs, limit) as Array<{ successes: number, failures: number }>) {
      globals.add(TOTALS_KIND, '', -1, -l.successes, -l.failures)
      removed++
    }
    globals.apply(this.#global, this.#globalCleanup)
    return removed
  }
}
