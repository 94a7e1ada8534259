import {
  type ActivityBucket, type ActivityScope, type FeatureKind, type FeatureStat, type GlobalFeature, type GlobalTotals, type LastSuccess,
  type LoginAtSource, type LoginProfile,
  type LoginTotals, type LoginWindow, type SourceOrder, type SourceScope, type SourceWindow, type StoredReport
} from '../types.ts'
import { type FeatureRow, type LoginRow, type ReportRow, rowMapping, type SourceRow } from '../rows.ts'
import { type PgConnection } from './connection.ts'

/** Times leave the database as epoch seconds (float8), counts as float8: plain JS numbers, no parsing. */
const EPOCH = (col: string, as: string): string => `extract(epoch FROM ${col})::float8 AS ${as}`
const T = (param: string): string => `to_timestamp(${param})`

const FEATURE_COLUMNS = `value, ${EPOCH('first_seen', 'first_seen')}, ${EPOCH('last_seen', 'last_seen')}, successes::float8 AS successes, failures::float8 AS failures`
const LOGIN_SQL = `SELECT ${EPOCH('first_seen', 'first_seen')}, ${EPOCH('last_seen', 'last_seen')}, successes::float8 AS successes,
  failures::float8 AS failures, ${EPOCH('ls_t', 'ls_t')}, ls_remote, ls_prefix, ls_country, ls_city, ls_lat, ls_lon, ls_accuracy_km, ls_device
  FROM ta_logins WHERE login = $1`
const RECENT_SQL = `SELECT ${EPOCH('t', 't')}, success, fail_type, protocol, remote, prefix, country, city, lat, lon, accuracy_km, device, risk
  FROM ta_reports WHERE login = $1 ORDER BY t DESC, seq DESC LIMIT $2`
const LOGIN_WINDOW_SQL = `SELECT count(*) FILTER (WHERE success)::float8 AS successes, count(*) FILTER (WHERE NOT success)::float8 AS failures,
  count(DISTINCT remote)::float8 AS distinct_remotes, count(DISTINCT remote) FILTER (WHERE NOT success)::float8 AS distinct_failing
  FROM ta_reports WHERE login = $1 AND t >= ${T('$2')} AND t < ${T('$3')}`

const SCOPE_COLUMN: Record<SourceScope, 'remote' | 'prefix'> = { ip: 'remote', prefix: 'prefix' }
/** ORDER BY cannot use output names inside expressions: the aggregates themselves. */
const ORDER_COLUMN: Record<SourceOrder, string> = { failures: 'sum(n) - sum(s)', attempts: 'sum(n)', distinct_logins: 'count(*)' }

/** Per source in a window: totals plus the busiest login's share (the same shape as the SQLite store's). */
const sourceSql = (column: 'remote' | 'prefix', where: string, tail: string): string => `
  SELECT key, sum(n)::float8 AS attempts, sum(s)::float8 AS successes, count(*)::float8 AS distinct_logins, max(n)::float8 AS max_per_login,
    count(*) FILTER (WHERE n > s)::float8 AS failing_logins, count(*) FILTER (WHERE s > 0)::float8 AS succeeding_logins,
    max(n - s)::float8 AS max_failures_per_login,
    ${EPOCH('min(f)', 'first_seen')}, ${EPOCH('max(l)', 'last_seen')}
  FROM (SELECT ${column} AS key, login, count(*) AS n, count(*) FILTER (WHERE success) AS s, min(t) AS f, max(t) AS l
        FROM ta_reports ${where} GROUP BY ${column}, login) per_login
  GROUP BY key ${tail}`

/** The queries already return times in seconds (EPOCH). */
const fromRow = rowMapping((seconds) => seconds)

/** The read half of the PostgreSQL store: one statement per question, every one asynchronous. */
export class PostgresReads {
  readonly #db: PgConnection

  constructor (db: PgConnection) {
    this.#db = db
  }

  async feature (login: string, kind: FeatureKind, value: string): Promise<FeatureStat | null> {
    const rows = await this.#db.query<FeatureRow>(`SELECT ${FEATURE_COLUMNS} FROM ta_features WHERE login = $1 AND kind = $2 AND value = $3`, [login, kind, value])
    return rows[0] === undefined ? null : fromRow.featureStat(rows[0])
  }

  async totals (login: string): Promise<LoginTotals | null> {
    const r = (await this.#db.query<LoginRow>(LOGIN_SQL, [login]))[0]
    return r === undefined ? null : fromRow.totals(r)
  }

  async lastSuccess (login: string): Promise<LastSuccess | null> {
    const r = (await this.#db.query<LoginRow>(LOGIN_SQL, [login]))[0]
    return r === undefined ? null : fromRow.lastSuccess(r)
  }

  async profile (login: string): Promise<LoginProfile> {
    const [totals, lastSuccess, rows] = await Promise.all([
      this.totals(login),
      this.lastSuccess(login),
      this.#db.query<FeatureRow & { kind: FeatureKind }>(`SELECT kind, ${FEATURE_COLUMNS} FROM ta_features WHERE login = $1 ORDER BY last_seen DESC, value`, [login])
    ])
    const list = (kind: FeatureKind): FeatureStat[] => rows.filter((r) => r.kind === kind).map(fromRow.featureStat)
    return { totals, countries: list('country'), devices: list('device'), prefixes: list('prefix'), lastSuccess }
  }

  async recentReports (login: string, limit: number): Promise<StoredReport[]> {
    return (await this.#db.query<ReportRow>(RECENT_SQL, [login, limit])).map(fromRow.report)
  }

  async loginWindow (login: string, since: number, until: number): Promise<LoginWindow> {
    const r = (await this.#db.query<{ successes: number, failures: number, distinct_remotes: number, distinct_failing: number }>(LOGIN_WINDOW_SQL, [login, since, until]))[0]
    return { successes: r?.successes ?? 0, failures: r?.failures ?? 0, distinctRemotes: r?.distinct_remotes ?? 0, distinctFailingRemotes: r?.distinct_failing ?? 0 }
  }

  async sourceWindow (scope: SourceScope, key: string, since: number, until: number): Promise<SourceWindow> {
    const column = SCOPE_COLUMN[scope]
    const rows = await this.#db.query<SourceRow>(sourceSql(column, `WHERE ${column} = $1 AND t >= ${T('$2')} AND t < ${T('$3')}`, ''), [key, since, until])
    return fromRow.sourceWindow(key, rows[0])
  }

  async loginAtSource (scope: SourceScope, key: string, login: string, since: number, until: number): Promise<LoginAtSource> {
    const column = SCOPE_COLUMN[scope]
    const rows = await this.#db.query<LoginAtSource>(`SELECT count(*) FILTER (WHERE success)::float8 AS successes, count(*) FILTER (WHERE NOT success)::float8 AS failures
      FROM ta_reports WHERE ${column} = $1 AND t >= ${T('$2')} AND t < ${T('$3')} AND login = $4`, [key, since, until, login])
    return rows[0] ?? { successes: 0, failures: 0 }
  }

  async topSources (scope: SourceScope, since: number, until: number, order: SourceOrder, limit: number): Promise<SourceWindow[]> {
    // COLLATE "C": ties break by byte order, as in SQLite, whatever the database's locale.
    const sql = sourceSql(SCOPE_COLUMN[scope], `WHERE t >= ${T('$1')} AND t < ${T('$2')}`, `ORDER BY ${ORDER_COLUMN[order]} DESC, key COLLATE "C" LIMIT $3`)
    return (await this.#db.query<SourceRow>(sql, [since, until, limit])).map((r) => fromRow.sourceWindow(r.key, r))
  }

  async activity (scope: ActivityScope, key: string, since: number, until: number, step: number): Promise<ActivityBucket[]> {
    const column = scope === 'all' ? null : scope === 'login' ? 'login' : SCOPE_COLUMN[scope]
    const where = column === null ? '' : `${column} = $4 AND `
    const rows = await this.#db.query<{ b: number, successes: number, n: number, distinct_logins: number }>(
      `SELECT floor((extract(epoch FROM t)::float8 - $1::float8) / $3::float8)::float8 AS b, count(*) FILTER (WHERE success)::float8 AS successes,
        count(*)::float8 AS n, count(DISTINCT login)::float8 AS distinct_logins
       FROM ta_reports WHERE ${where}t >= ${T('$1::float8')} AND t < ${T('$2::float8')} GROUP BY b ORDER BY b`,
      column === null ? [since, until, step] : [since, until, step, key])
    return rows.map((r) => ({ t: since + r.b * step, successes: r.successes, failures: r.n - r.successes, distinctLogins: r.distinct_logins }))
  }

  async globalFeature (kind: FeatureKind, value: string): Promise<GlobalFeature> {
    const rows = await this.#db.query<GlobalFeature>('SELECT logins::float8 AS logins, successes::float8 AS successes, failures::float8 AS failures FROM ta_global_features WHERE kind = $1 AND value = $2', [kind, value])
    return rows[0] ?? { logins: 0, successes: 0, failures: 0 }
  }

  /** From the logins' last_seen index: the newest report of any login, without scanning report partitions. */
  async newestEventTime (): Promise<number | null> {
    const rows = await this.#db.query<{ t: number | null }>(`SELECT ${EPOCH('max(last_seen)', 't')} FROM ta_logins`)
    return rows[0]?.t ?? null
  }

  async globalDistinct (kind: FeatureKind): Promise<number> {
    const rows = await this.#db.query<{ n: number }>('SELECT count(*)::float8 AS n FROM ta_global_features WHERE kind = $1', [kind])
    return rows[0]?.n ?? 0
  }

  async globalTotals (): Promise<GlobalTotals> {
    const rows = await this.#db.query<GlobalTotals>('SELECT logins::float8 AS logins, successes::float8 AS successes, failures::float8 AS failures FROM ta_global_totals WHERE id = 1')
    return rows[0] ?? { logins: 0, successes: 0, failures: 0 }
  }
}
