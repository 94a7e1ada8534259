import type { PoolClient } from 'pg'
import { DEFAULT_ALERT_BOUNDS, type AlertBounds, type AlertQuery, type AlertStore } from '../../alerts/store.ts'
import { type RoutedAlert } from '../../alerts/input.ts'
import { type Alert } from '../../alerts/types.ts'
import { HistoryUnavailableError, PgConnection } from './connection.ts'
import { underDdlLock } from './ddl-lock.ts'
import { parsePostgresUrl } from './url.ts'

/**
 * Alerts in the shared history database. Several daemons may share it: each keeps its own
 * alerts, ids and outbox under `instance` (see PostgresAlertStore), so ids never collide and one
 * daemon never re-sends another's. `body` is the alert as JSON; `attrs` the report attributes,
 * kept only until the alert is routed.
 */
const DDL = `
CREATE TABLE IF NOT EXISTS ta_alerts (
  instance text NOT NULL,
  id bigint NOT NULL,
  t double precision NOT NULL,
  type text NOT NULL,
  login text,
  body jsonb NOT NULL,
  attrs jsonb,
  routed boolean NOT NULL DEFAULT false,
  PRIMARY KEY (instance, id)
);
CREATE INDEX IF NOT EXISTS ta_alerts_t ON ta_alerts (instance, t);
CREATE INDEX IF NOT EXISTS ta_alerts_type ON ta_alerts (instance, type, id);
CREATE INDEX IF NOT EXISTS ta_alerts_login ON ta_alerts (instance, login, id);
CREATE INDEX IF NOT EXISTS ta_alerts_unrouted ON ta_alerts (instance, id) WHERE NOT routed;
`
/** Serializes the DDL between daemons starting together (CREATE ... IF NOT EXISTS races otherwise). */
const DDL_LOCK = 0x7472_6b62

/** While the database is unreachable at start, the first read of the last id is retried this often. */
const LAST_ID_RETRY_MS = 500

export interface PostgresAlertStoreOptions {
  readonly url: string
  /** Whose alerts these are: the same across restarts of one daemon, different between daemons. */
  readonly instance: string
}

/**
 * The alert store of a PostgreSQL history (setHistory{ backend = "postgres" }), on a small pool
 * of its own. Bounds apply by id as in the SQLite store (the hub's ids are consecutive). While
 * the database is unreachable an append or a mark fails: the hub logs it and routes the alert
 * anyway; an alert not marked routed is sent again at the next start (at least once).
 */
export class PostgresAlertStore implements AlertStore {
  readonly #db: PgConnection
  readonly #instance: string
  #bounds: AlertBounds = DEFAULT_ALERT_BOUNDS
  readonly #writes = new Set<Promise<unknown>>()
  #closed = false

  private constructor (options: PostgresAlertStoreOptions) {
    this.#instance = options.instance
    this.#db = new PgConnection({ url: parsePostgresUrl(options.url), poolSize: 2, prepare: prepareSchema, onUp: () => {}, label: 'alert store database' })
  }

  /** Connects and creates the table; an unreachable database is not an error (lastId waits for it). */
  static async open (options: PostgresAlertStoreOptions): Promise<PostgresAlertStore> {
    const store = new PostgresAlertStore(options)
    await store.#db.open()
    return store
  }

  /** Waits for the database: ids must continue from the stored ones, never restart at 1. */
  async lastId (): Promise<number> {
    for (;;) {
      try {
        const rows = await this.#db.query<{ id: number | null }>('SELECT max(id) AS id FROM ta_alerts WHERE instance = $1', [this.#instance])
        return rows[0]?.id ?? 0
      } catch (err) {
        if (!(err instanceof HistoryUnavailableError) || this.#closed) throw err
        await new Promise((resolve) => setTimeout(resolve, LAST_ID_RETRY_MS))
      }
    }
  }

  setBounds (bounds: AlertBounds): void { this.#bounds = bounds }

  append (alert: Alert, attrs: Readonly<Record<string, unknown>> = {}): Promise<void> {
    const { keep, keepForS, keepMax } = this.#bounds
    return this.#write(this.#db.transaction(async (client) => {
      await client.query('INSERT INTO ta_alerts (instance, id, t, type, login, body, attrs) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [this.#instance, alert.id, alert.t, alert.type, alert.login, JSON.stringify(alert), JSON.stringify(attrs)])
      await client.query('DELETE FROM ta_alerts WHERE instance = $1 AND (id <= $2 OR (t < $3 AND id <= $4))',
        [this.#instance, alert.id - keepMax, alert.t - keepForS, alert.id - keep])
    }))
  }

  async query (q: AlertQuery): Promise<Alert[]> {
    const params: unknown[] = [this.#instance]
    // An erased alert's tombstone (type '') keeps the last id; it is no alert.
    const where = ["instance = $1 AND type <> ''"]
    const add = (sql: string, value: unknown): void => { params.push(value); where.push(`${sql} $${params.length}`) }
    if (q.since !== undefined) add('id >', q.since)
    if (q.type !== undefined) add('type =', q.type)
    if (q.login !== undefined) add('login =', q.login)
    params.push(q.limit)
    const order = q.since !== undefined ? 'ASC' : 'DESC'
    const rows = await this.#db.query<{ body: Alert }>(`SELECT body FROM ta_alerts WHERE ${where.join(' AND ')} ORDER BY id ${order} LIMIT $${params.length}`, params)
    const alerts = rows.map((r) => r.body)
    return q.since === undefined ? alerts.reverse() : alerts
  }

  markRouted (id: number): Promise<void> {
    return this.#write(this.#db.query('UPDATE ta_alerts SET routed = true, attrs = NULL WHERE instance = $1 AND id = $2', [this.#instance, id]))
  }

  async unrouted (): Promise<RoutedAlert[]> {
    const rows = await this.#db.query<{ body: Alert, attrs: Record<string, unknown> | null }>(
      'SELECT body, attrs FROM ta_alerts WHERE instance = $1 AND NOT routed ORDER BY id', [this.#instance])
    return rows.map((r) => ({ alert: r.body, attrs: r.attrs ?? {} }))
  }

  /** As the SQLite store: the newest row, if the login's, stays as a tombstone holding the last id. */
  eraseLogin (login: string): Promise<number> {
    return this.#db.transaction(async (client) => {
      const deleted = await client.query('DELETE FROM ta_alerts WHERE instance = $1 AND login = $2 AND id < (SELECT max(id) FROM ta_alerts WHERE instance = $1)', [this.#instance, login])
      const scrubbed = await client.query("UPDATE ta_alerts SET type = '', login = NULL, body = '{}', attrs = NULL, routed = true WHERE instance = $1 AND login = $2", [this.#instance, login])
      return (deleted.rowCount ?? 0) + (scrubbed.rowCount ?? 0)
    })
  }

  async close (): Promise<void> {
    this.#closed = true
    await Promise.allSettled([...this.#writes])
    await this.#db.close()
  }

  /** Keeps track of writes under way, so that close() lets the last outbox marks land. */
  async #write (work: Promise<unknown>): Promise<void> {
    this.#writes.add(work)
    try { await work } finally { this.#writes.delete(work) }
  }
}

async function prepareSchema (client: PoolClient): Promise<void> {
  await underDdlLock(client, DDL_LOCK, async () => { await client.query(DDL) })
}
