import { type Statement } from 'better-sqlite3'
import { parseIP } from '../net/index.ts'
import { networkPrefix } from './facts.ts'
import { type Db, fromMs, KIND_CODE, openSqlite, type OpenOptions, TOTALS_KIND, toMs } from './sqlite-schema.ts'
import { SqliteSourceWindows } from './sqlite-source-windows.ts'
import { SqliteWrites } from './sqlite-writes.ts'
import { SqliteWriteThread } from './sqlite-write-thread.ts'
import { type FeatureRow, type LoginRow, type ReportRow, rowMapping, type SourceRow } from './rows.ts'
import {
  type ActivityBucket, type ActivityScope, type FeatureKind, type FeatureStat, type GlobalFeature, type GlobalTotals, type HistoryRecord,
  type HistoryStore, type LastSuccess, type PruneStep, type LoginAtSource, type LoginProfile, type LoginTotals, type LoginWindow, type SourceOrder,
  type SourceScope,
  type SourceWindow, type StoredReport, type Awaitable
} from './types.ts'

/** SQLite keeps times as epoch milliseconds. */
const fromRow = rowMapping(fromMs)

/** Per source (column) in a window: totals plus the busiest login's share, from the covering index only. */
const SOURCE_SQL = (column: 'remote' | 'prefix', where: string, tail: string): string => `
  SELECT key, sum(n) AS attempts, sum(s) AS successes, count(*) AS distinct_logins, max(n) AS max_per_login,
    sum(n > s) AS failing_logins, sum(s > 0) AS succeeding_logins, max(n - s) AS max_failures_per_login, min(f) AS first_seen, max(l) AS last_seen
  FROM (SELECT ${column} AS key, login, count(*) AS n, sum(success) AS s, min(t) AS f, max(t) AS l
        FROM reports ${where} GROUP BY ${column}, login)
  GROUP BY key ${tail}`

/** The network an address lies in, as reports store it; null for text that is not an address (nothing stored has it). */
function addressNetwork (text: string): string | null {
  const ip = parseIP(text)
  return ip === null ? null : networkPrefix(ip)
}

/** The bound values that select a source in the network index. */
function sourceKeys (scope: SourceScope, key: string): string[] | null {
  if (scope === 'prefix') return [key]
  const network = addressNetwork(key)
  return network === null ? null : [network, key]
}

export { SOURCE_WINDOW_CAP } from './sqlite-source-windows.ts'

export interface SqliteStoreOptions extends OpenOptions {
  /** Writes go through a worker thread of this process (the daemon's choice); without it, synchronously. */
  readonly writeThread?: boolean
}

/** The embedded backend: one SQLite file in WAL mode, reads answered synchronously. */
export class SqliteStore implements HistoryStore {
  readonly backend = 'sqlite' as const
  readonly location: string
  readonly #db: Db
  /** Synchronous writes on this connection, or a thread of their own (writeThread). */
  readonly #writes: SqliteWrites | SqliteWriteThread
  /** A read that pins the connection's snapshot inside a read transaction. */
  readonly #pin: Statement
  readonly #feature: Statement
  readonly #features: Statement
  readonly #login: Statement
  readonly #recent: Statement
  readonly #loginWindow: Statement
  readonly #sourceWindows: SqliteSourceWindows
  readonly #loginAtSource: Record<SourceScope, Statement>
  readonly #top: Record<SourceScope, Record<SourceOrder, Statement>>
  readonly #global: Statement
  readonly #newest: Statement
  readonly #distinct: Statement
  readonly #activity: Record<ActivityScope, Statement>

  constructor (file: string, options: SqliteStoreOptions = {}) {
    this.location = file
    const { writeThread, ...open } = options
    const db = openSqlite(file, open)
    this.#db = db
    this.#writes = writeThread === true ? new SqliteWriteThread(file, open) : new SqliteWrites(db)
    this.#pin = db.prepare('SELECT 1 FROM meta LIMIT 1')
    this.#feature = db.prepare('SELECT value, first_seen, last_seen, successes, failures FROM features WHERE login = ? AND kind = ? AND value = ?')
    this.#features = db.prepare('SELECT value, first_seen, last_seen, successes, failures FROM features WHERE login = ? AND kind = ? ORDER BY last_seen DESC, value')
    this.#login = db.prepare('SELECT * FROM logins WHERE login = ?')
    this.#recent = db.prepare('SELECT * FROM reports WHERE login = ? ORDER BY t DESC, id DESC LIMIT ?')
    this.#loginWindow = db.prepare(`SELECT coalesce(sum(success), 0) AS successes, count(*) - coalesce(sum(success), 0) AS failures,
      count(DISTINCT remote) AS distinct_remotes, count(DISTINCT CASE WHEN success = 0 THEN remote END) AS distinct_failing
      FROM reports WHERE login = ? AND t >= ? AND t < ?`)
    // An address is asked about through its network's index (prefix = its network AND remote = it).
    const scopes: Array<[SourceScope, 'remote' | 'prefix', string]> = [['ip', 'remote', 'prefix = ? AND remote = ?'], ['prefix', 'prefix', 'prefix = ?']]
    const orderColumn: Record<SourceOrder, string> = { failures: 'attempts - successes', attempts: 'attempts', distinct_logins: 'distinct_logins' }
    const loginAtSource = {} as Record<SourceScope, Statement>
    const top = {} as Record<SourceScope, Record<SourceOrder, Statement>>
    for (const [scope, column, match] of scopes) {
      // Through the login's index: one login's reports in a window are few, while a busy network
      // (a carrier gateway, an office) has thousands in it.
      loginAtSource[scope] = db.prepare(`SELECT coalesce(sum(success), 0) AS successes, count(*) - coalesce(sum(success), 0) AS failures
        FROM reports INDEXED BY reports_login WHERE ${match} AND t >= ? AND t < ? AND login = ?`)
      top[scope] = {} as Record<SourceOrder, Statement>
      for (const order of Object.keys(orderColumn) as SourceOrder[]) {
        top[scope][order] = db.prepare(SOURCE_SQL(column, 'WHERE t >= ? AND t < ?', `ORDER BY ${orderColumn[order]} DESC, key LIMIT ?`))
      }
    }
    this.#sourceWindows = new SqliteSourceWindows(db)
    this.#loginAtSource = loginAtSource
    this.#top = top
    this.#global = db.prepare('SELECT logins, successes, failures FROM global_features WHERE kind = ? AND value = ?')
    this.#newest = db.prepare('SELECT max(t) FROM reports').pluck()
    this.#distinct = db.prepare('SELECT count(*) FROM global_features WHERE kind = ?').pluck()
    // The bucket number from millisecond offsets (bound numbers are REAL: cast to truncate); each scope reads its own index.
    const activity = (where: string): Statement => db.prepare(`SELECT CAST((t - @since) / @step AS INTEGER) AS b, coalesce(sum(success), 0) AS successes,
      count(*) AS n, count(DISTINCT login) AS distinct_logins FROM reports WHERE ${where} t >= @since AND t < @until GROUP BY b ORDER BY b`)
    this.#activity = { all: activity(''), ip: activity('prefix = @prefix AND remote = @key AND'), prefix: activity('prefix = @key AND'), login: activity('login = @key AND') }
  }

  /**
   * Synchronous, or through the writer thread: then this connection's reads keep the snapshot they
   * had when the batch left (a read transaction) until the writer has moved the batch out of its
   * queue index (afterBatch). Reads merge that index, so a batch is counted once: in the index
   * while in flight, in the rows once committed, never in both and never in neither.
   */
  writeBatch (records: readonly HistoryRecord[], wait = true): Awaitable<void> {
    if (this.#writes instanceof SqliteWrites) { this.#writes.writeBatch(records, wait); return }
    if (!this.#db.inTransaction) {
      this.#db.exec('BEGIN')
      this.#pin.get()
    }
    return this.#writes.write(records)
  }

  /** The writer has settled the last batch in its queue index (same turn): reads may see the commit. */
  afterBatch (): void {
    if (this.#db.inTransaction) this.#db.exec('COMMIT')
  }

  feature (login: string, kind: FeatureKind, value: string): FeatureStat | null {
    const row = this.#feature.get(login, KIND_CODE[kind], value) as FeatureRow | undefined
    return row === undefined ? null : fromRow.featureStat(row)
  }

  totals (login: string): LoginTotals | null {
    const row = this.#login.get(login) as LoginRow | undefined
    return row === undefined ? null : fromRow.totals(row)
  }

  profile (login: string): LoginProfile {
    const list = (kind: FeatureKind): FeatureStat[] => (this.#features.all(login, KIND_CODE[kind]) as FeatureRow[]).map(fromRow.featureStat)
    // The totals and the last success are one row: read it once.
    const row = this.#login.get(login) as LoginRow | undefined
    return {
      totals: row === undefined ? null : fromRow.totals(row),
      countries: list('country'),
      devices: list('device'),
      prefixes: list('prefix'),
      lastSuccess: row === undefined ? null : fromRow.lastSuccess(row)
    }
  }

  lastSuccess (login: string): LastSuccess | null {
    const r = this.#login.get(login) as LoginRow | undefined
    return r === undefined ? null : fromRow.lastSuccess(r)
  }

  recentReports (login: string, limit: number): StoredReport[] {
    return (this.#recent.all(login, limit) as ReportRow[]).map(fromRow.report)
  }

  loginWindow (login: string, since: number, until: number): LoginWindow {
    const r = this.#loginWindow.get(login, toMs(since), toMs(until)) as { successes: number, failures: number, distinct_remotes: number, distinct_failing: number }
    return { successes: r.successes, failures: r.failures, distinctRemotes: r.distinct_remotes, distinctFailingRemotes: r.distinct_failing }
  }

  sourceWindow (scope: SourceScope, key: string, since: number, until: number): SourceWindow {
    return this.sourceWindows(scope, key, [since], until)[0]
  }

  /** Several windows of one source ending at `until`, in one read (sqlite-source-windows.ts). */
  sourceWindows (scope: SourceScope, key: string, sinces: readonly number[], until: number): SourceWindow[] {
    const network = scope === 'ip' ? addressNetwork(key) : key
    if (network === null) return sinces.map(() => fromRow.sourceWindow(key, undefined))
    return this.#sourceWindows.read(scope, network, key, sinces, until).map((row) => fromRow.sourceWindow(key, row))
  }

  loginAtSource (scope: SourceScope, key: string, login: string, since: number, until: number): LoginAtSource {
    const keys = sourceKeys(scope, key)
    if (keys === null) return { successes: 0, failures: 0 }
    return this.#loginAtSource[scope].get(...keys, toMs(since), toMs(until), login) as LoginAtSource
  }

  topSources (scope: SourceScope, since: number, until: number, order: SourceOrder, limit: number): SourceWindow[] {
    return (this.#top[scope][order].all(toMs(since), toMs(until), limit) as SourceRow[]).map((r) => fromRow.sourceWindow(r.key, r))
  }

  globalFeature (kind: FeatureKind, value: string): GlobalFeature {
    return (this.#global.get(KIND_CODE[kind], value) as GlobalFeature | undefined) ?? { logins: 0, successes: 0, failures: 0 }
  }

  globalTotals (): GlobalTotals {
    return (this.#global.get(TOTALS_KIND, '') as GlobalTotals | undefined) ?? { logins: 0, successes: 0, failures: 0 }
  }

  globalDistinct (kind: FeatureKind): number {
    return this.#distinct.get(KIND_CODE[kind]) as number
  }

  activity (scope: ActivityScope, key: string, since: number, until: number, step: number): ActivityBucket[] {
    const params: Record<string, string | number> = { since: toMs(since), until: toMs(until), step: toMs(step) }
    if (scope !== 'all') params.key = key
    if (scope === 'ip') {
      const network = addressNetwork(key)
      if (network === null) return []
      params.prefix = network
    }
    const rows = this.#activity[scope].all(params) as Array<{ b: number, successes: number, n: number, distinct_logins: number }>
    return rows.map((r) => ({ t: since + r.b * step, successes: r.successes, failures: r.n - r.successes, distinctLogins: r.distinct_logins }))
  }

  newestEventTime (): number | null {
    const ms = this.#newest.get() as number | null
    return ms === null ? null : fromMs(ms)
  }

  erase (login: string): Awaitable<number> { return this.#writes.erase(login) }

  prune (before: number, limit: number): Awaitable<PruneStep> { return this.#writes.prune(before, limit) }

  /** The file's size in bytes including its WAL (sizing, metrics). */
  sizeBytes (): number {
    const pages = this.#db.pragma('page_count', { simple: true }) as number
    const size = this.#db.pragma('page_size', { simple: true }) as number
    return pages * size
  }

  close (): Awaitable<void> {
    if (this.#writes instanceof SqliteWrites) { this.#closeDb(); return }
    return this.#writes.close().then(() => { this.#closeDb() })
  }

  #closeDb (): void {
    if (!this.#db.open) return
    this.afterBatch()
    this.#db.close()
  }
}
