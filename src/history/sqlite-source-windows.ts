import { type Statement } from 'better-sqlite3'
import { type Db, toMs } from './sqlite-schema.ts'
import { type SourceRow } from './rows.ts'
import { type SourceScope } from './types.ts'

/**
 * A source's window counts at most this many of its network's most recent reports in it. Counting
 * a window reads its reports, and a busy shared network (a carrier gateway, an office NAT) has
 * thousands an hour: every report from it would read them all, again and again. Past the cap the
 * window is its latest reports, which is where a spray or stuffing run that is still going shows.
 */
export const SOURCE_WINDOW_CAP = 1000

const PER_WINDOW = ['attempts', 'successes', 'distinct_logins', 'max_per_login', 'failing_logins', 'succeeding_logins', 'max_failures_per_login', 'first_seen', 'last_seen'] as const

/**
 * Several windows of one source ending at the same time, in one read of the network index: the
 * newest SOURCE_WINDOW_CAP reports of the longest window, each shorter window counted from the
 * same rows (they are its newest ones, so every window is capped the same way as alone). The
 * policies ask for a 15-minute and a 1-hour window of the address and of its network: one scan
 * per scope instead of one per window.
 */
function windowsSql (scope: SourceScope, count: number): string {
  const windows = Array.from({ length: count }, (_, i) => i)
  const inner = windows.map((i) => `sum(t >= @since${i}) AS n${i}, sum(success * (t >= @since${i})) AS s${i},
      min(CASE WHEN t >= @since${i} THEN t END) AS f${i}, max(CASE WHEN t >= @since${i} THEN t END) AS l${i}`).join(',\n      ')
  const outer = windows.map((i) => `sum(n${i}) AS attempts${i}, sum(s${i}) AS successes${i}, sum(n${i} > 0) AS distinct_logins${i},
    max(n${i}) AS max_per_login${i}, sum(n${i} > s${i}) AS failing_logins${i}, sum(s${i} > 0) AS succeeding_logins${i},
    max(n${i} - s${i}) AS max_failures_per_login${i}, min(f${i}) AS first_seen${i}, max(l${i}) AS last_seen${i}`).join(',\n    ')
  return `SELECT ${outer}
  FROM (SELECT login, ${inner}
        FROM (SELECT remote, login, success, t FROM reports WHERE prefix = @network AND t >= @oldest AND t < @until ORDER BY t DESC LIMIT ${SOURCE_WINDOW_CAP})
        ${scope === 'ip' ? 'WHERE remote = @address' : ''} GROUP BY login)`
}

export class SqliteSourceWindows {
  readonly #db: Db
  readonly #statements = new Map<string, Statement>()

  constructor (db: Db) { this.#db = db }

  /** One row per window (undefined when it holds no report); `sinces` in seconds, any order. */
  read (scope: SourceScope, network: string, address: string, sinces: readonly number[], until: number): Array<SourceRow | undefined> {
    if (sinces.length === 0) return []
    const name = `${scope}:${sinces.length}`
    let statement = this.#statements.get(name)
    if (statement === undefined) {
      statement = this.#db.prepare(windowsSql(scope, sinces.length))
      this.#statements.set(name, statement)
    }
    const params: Record<string, string | number> = { network, oldest: toMs(Math.min(...sinces)), until: toMs(until) }
    if (scope === 'ip') params.address = address
    sinces.forEach((since, i) => { params[`since${i}`] = toMs(since) })
    const row = statement.get(params) as Record<string, number | null>
    return sinces.map((_, i) => {
      if ((row[`attempts${i}`] ?? 0) === 0) return undefined
      return Object.fromEntries(PER_WINDOW.map((field) => [field, row[`${field}${i}`]])) as unknown as SourceRow
    })
  }
}
