import { type Statement } from 'better-sqlite3'
import { DEFAULT_ALERT_BOUNDS, type AlertBounds, type AlertQuery, type AlertStore } from '../alerts/store.ts'
import { type RoutedAlert } from '../alerts/input.ts'
import { type Alert } from '../alerts/types.ts'
import { type Db, openSqlite, type OpenOptions } from './sqlite-schema.ts'

/**
 * Alerts beside the login history, in the same file. `body` is the alert as JSON (what GET
 * /command/alerts answers); `t`, `type` and `login` are copied out for the filters and pruning.
 * `attrs` holds the report attributes only while the alert is unrouted (the outbox), then goes.
 */
const DDL = `
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY,
  t REAL NOT NULL,
  type TEXT NOT NULL,
  login TEXT,
  body TEXT NOT NULL,
  attrs TEXT,
  routed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS alerts_t ON alerts (t);
CREATE INDEX IF NOT EXISTS alerts_type ON alerts (type, id);
CREATE INDEX IF NOT EXISTS alerts_login ON alerts (login, id);
CREATE INDEX IF NOT EXISTS alerts_unrouted ON alerts (id) WHERE routed = 0;
`

/** The type of an erased alert's tombstone (never a real type: those are non-empty). */
export const ERASED = ''

interface BodyRow { body: string, attrs: string | null }

/** Statement keys: which filters a query uses (type, login) and whether it is a poll (since). */
const queryKey = (q: AlertQuery): string => `${q.since !== undefined ? 's' : 'n'}${q.type !== undefined ? 't' : ''}${q.login !== undefined ? 'l' : ''}`

/**
 * The alert store of a SQLite history (setHistory{ backend = "sqlite" }): its own connection to
 * the history file, so it works beside the report writer without touching it. Calls are
 * synchronous underneath; the promises only keep the AlertStore contract.
 *
 * Bounds are applied by id: the hub gives consecutive ids, so the newest `keep` alerts are exactly
 * those with id > newest - keep. Pruning is then two indexed deletes per append.
 */
export class SqliteAlertStore implements AlertStore {
  readonly #db: Db
  #bounds: AlertBounds = DEFAULT_ALERT_BOUNDS
  readonly #insert: Statement
  readonly #pruneOld: Statement
  readonly #pruneMax: Statement
  readonly #mark: Statement
  readonly #unrouted: Statement
  readonly #lastId: Statement
  readonly #erase: Statement
  readonly #scrub: Statement
  readonly #queries = new Map<string, Statement>()

  constructor (file: string, options: OpenOptions = {}) {
    const db = openSqlite(file, options)
    this.#db = db
    db.exec(DDL)
    this.#insert = db.prepare('INSERT INTO alerts (id, t, type, login, body, attrs) VALUES (?, ?, ?, ?, ?, ?)')
    this.#pruneOld = db.prepare('DELETE FROM alerts WHERE t < ? AND id <= ?')
    this.#pruneMax = db.prepare('DELETE FROM alerts WHERE id <= ?')
    this.#mark = db.prepare('UPDATE alerts SET routed = 1, attrs = NULL WHERE id = ?')
    this.#unrouted = db.prepare('SELECT body, attrs FROM alerts WHERE routed = 0 ORDER BY id')
    this.#lastId = db.prepare('SELECT max(id) FROM alerts').pluck()
    this.#erase = db.prepare('DELETE FROM alerts WHERE login = ? AND id < (SELECT max(id) FROM alerts)')
    // The newest row holds the last id (read at start): erased, it stays as an empty tombstone.
    this.#scrub = db.prepare(`UPDATE alerts SET type = '${ERASED}', login = NULL, body = '{}', attrs = NULL, routed = 1 WHERE login = ?`)
  }

  async lastId (): Promise<number> { return (this.#lastId.get() as number | null) ?? 0 }

  setBounds (bounds: AlertBounds): void { this.#bounds = bounds }

  async append (alert: Alert, attrs: Readonly<Record<string, unknown>> = {}): Promise<void> {
    const { keep, keepForS, keepMax } = this.#bounds
    this.#db.transaction(() => {
      this.#insert.run(alert.id, alert.t, alert.type, alert.login, JSON.stringify(alert), JSON.stringify(attrs))
      this.#pruneMax.run(alert.id - keepMax)
      this.#pruneOld.run(alert.t - keepForS, alert.id - keep)
    })()
  }

  async query (q: AlertQuery): Promise<Alert[]> {
    const params: unknown[] = []
    if (q.since !== undefined) params.push(q.since)
    if (q.type !== undefined) params.push(q.type)
    if (q.login !== undefined) params.push(q.login)
    params.push(q.limit)
    const rows = this.#statement(q).all(...params) as BodyRow[]
    const alerts = rows.map((r) => JSON.parse(r.body) as Alert)
    // Without since the statement reads the newest first; answers are oldest first.
    return q.since === undefined ? alerts.reverse() : alerts
  }

  async markRouted (id: number): Promise<void> { this.#mark.run(id) }

  async unrouted (): Promise<RoutedAlert[]> {
    return (this.#unrouted.all() as BodyRow[]).map((r) => ({ alert: JSON.parse(r.body) as Alert, attrs: JSON.parse(r.attrs ?? '{}') as Record<string, unknown> }))
  }

  async eraseLogin (login: string): Promise<number> {
    return this.#db.transaction(() => this.#erase.run(login).changes + this.#scrub.run(login).changes)()
  }

  async close (): Promise<void> { this.#db.close() }

  #statement (q: AlertQuery): Statement {
    const key = queryKey(q)
    let statement = this.#queries.get(key)
    if (statement === undefined) {
      const where: string[] = [`type <> '${ERASED}'`]
      if (q.since !== undefined) where.push('id > ?')
      if (q.type !== undefined) where.push('type = ?')
      if (q.login !== undefined) where.push('login = ?')
      const order = q.since !== undefined ? 'ASC' : 'DESC'
      statement = this.#db.prepare(`SELECT body FROM alerts WHERE ${where.join(' AND ')} ORDER BY id ${order} LIMIT ?`)
      this.#queries.set(key, statement)
    }
    return statement
  }
}
