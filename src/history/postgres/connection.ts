import type { Pool, PoolClient, QueryResultRow } from 'pg'
import { TrackalertError } from '../../errors.ts'
import { lazyImport } from '../../lazy-import.ts'
import { logger } from '../../log/index.ts'
import { type PostgresUrl } from './url.ts'

const loadPg = lazyImport(async () => (await import('pg')).default)

/** Reconnect attempts start this soon after an outage begins and back off to at most MAX. */
export const RECONNECT_MIN_MS = 200
export const RECONNECT_MAX_MS = 5000

export interface ConnectionOptions {
  readonly url: PostgresUrl
  readonly poolSize: number
  /** Runs on a fresh connection before the database counts as up again (schema, partitions). */
  readonly prepare: (client: PoolClient) => Promise<void>
  /** Called once the database is up again after an outage (or at first connect). */
  readonly onUp: () => void
  /** Who logs the outage (default "history database"): the alert store's pool says so. */
  readonly label?: string
}

/** Raised for every call while the database is unreachable: callers tell it from SQL errors by type. */
export class HistoryUnavailableError extends TrackalertError {
  constructor (location: string, reason: string) {
    super('TA_ERR_HISTORY', `history database unavailable (${location}): ${reason}`)
    this.name = 'HistoryUnavailableError'
  }
}

/**
 * SQLSTATE classes that mean "the server is not there for us right now" rather than "this
 * statement is wrong": connection exceptions, shutdown, too many connections, auth or a missing
 * database (a restarted or re-provisioned server). Errors without an SQLSTATE are socket errors.
 */
export function isConnectionError (err: unknown): boolean {
  if (err instanceof HistoryUnavailableError) return true
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true
  return code.startsWith('08') || code.startsWith('57P') || code === '53300' || code.startsWith('28') || code === '3D000'
}

/**
 * One pg pool plus the outage state machine: up, or down with a reconnect loop that backs off
 * (RECONNECT_MIN_MS doubling to RECONNECT_MAX_MS). An outage is logged once when it starts and
 * once when it ends, never per failed call or attempt.
 */
export class PgConnection {
  readonly #options: ConnectionOptions
  #pool: Pool | null = null
  #state: 'new' | 'up' | 'down' | 'closed' = 'new'
  #lastError = 'not connected yet'
  #downSince = 0
  #delayMs = RECONNECT_MIN_MS
  #timer: NodeJS.Timeout | null = null
  #outages = 0

  constructor (options: ConnectionOptions) {
    this.#options = options
  }

  get up (): boolean { return this.#state === 'up' }
  /** Outages since start (the first failed connect counts as one). */
  get outages (): number { return this.#outages }
  get location (): string { return this.#options.url.location }

  /** Creates the pool and tries the first connection; a failure starts the reconnect loop instead of throwing. */
  async open (): Promise<void> {
    const pg = await loadPg()
    // Bigint counts come back as text by default; every count here fits a double exactly.
    pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v))
    this.#pool = new pg.Pool({
      connectionString: this.#options.url.url,
      max: this.#options.poolSize,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      application_name: 'trackalert'
    })
    // An idle connection that the server closes (restart, failover) is reported here; without a
    // listener Node would treat it as an unhandled error and exit.
    this.#pool.on('error', (err) => this.markDown(err))
    await this.#attempt()
  }

  /** Runs one statement; while down it fails at once without waiting for a connect timeout. */
  async query<R extends QueryResultRow> (sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const pool = this.#usablePool()
    try {
      return (await pool.query<R>(sql, params as unknown[])).rows
    } catch (err) {
      if (isConnectionError(err)) this.markDown(err)
      throw err
    }
  }

  /** Runs `work` in one transaction on one connection (BEGIN ... COMMIT, ROLLBACK on error). */
  transaction<T> (work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN')
      try {
        const result = await work(client)
        await client.query('COMMIT')
        return result
      } catch (err) {
        if (!isConnectionError(err)) await client.query('ROLLBACK')
        throw err
      }
    })
  }

  /** Runs `work` on one connection of its own (work that manages its own transactions, e.g. DDL). */
  async withClient<T> (work: (client: PoolClient) => Promise<T>): Promise<T> {
    const pool = this.#usablePool()
    let client: PoolClient
    try {
      client = await pool.connect()
    } catch (err) {
      this.markDown(err)
      throw err
    }
    let broken = false
    try {
      return await work(client)
    } catch (err) {
      // A connection that failed mid-statement is discarded rather than handed to the next caller.
      broken = isConnectionError(err)
      if (broken) this.markDown(err)
      throw err
    } finally {
      client.release(broken)
    }
  }

  /** Enters the outage state (idempotent while down) and schedules the next reconnect attempt. */
  markDown (err: unknown): void {
    this.#lastError = err instanceof Error ? err.message : String(err)
    if (this.#state === 'down' || this.#state === 'closed') return
    this.#state = 'down'
    this.#outages++
    this.#downSince = Date.now()
    this.#delayMs = RECONNECT_MIN_MS
    logger.warn(`${this.#options.label ?? 'history database'} unreachable, reconnecting with backoff; writes are queued`, { database: this.location, error: this.#lastError })
    this.#schedule()
  }

  async close (): Promise<void> {
    this.#state = 'closed'
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    const pool = this.#pool
    this.#pool = null
    if (pool !== null) await pool.end().catch(() => {})
  }

  #isClosed (): boolean { return this.#state === 'closed' }

  #usablePool (): Pool {
    if (this.#state !== 'up' || this.#pool === null) {
      throw new HistoryUnavailableError(this.location, this.#state === 'closed' ? 'closed' : this.#lastError)
    }
    return this.#pool
  }

  #schedule (): void {
    if (this.#state !== 'down' || this.#timer !== null) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      void this.#attempt()
    }, this.#delayMs)
    this.#timer.unref()
    this.#delayMs = Math.min(this.#delayMs * 2, RECONNECT_MAX_MS)
  }

  async #attempt (): Promise<void> {
    const pool = this.#pool
    if (pool === null || this.#state === 'closed' || this.#state === 'up') return
    let client: PoolClient | null = null
    try {
      client = await pool.connect()
      await this.#options.prepare(client)
      client.release()
      client = null
    } catch (err) {
      client?.release(true)
      if (this.#isClosed()) return
      // The first failure (at start, or of a call) logged the outage; a failed attempt only backs off.
      if (this.#state === 'down') {
        this.#lastError = err instanceof Error ? err.message : String(err)
        this.#schedule()
      } else {
        this.markDown(err)
      }
      return
    }
    // close() may have run while this attempt waited.
    if (this.#isClosed()) return
    if (this.#state === 'down') {
      logger.info(`${this.#options.label ?? 'history database'} reachable again`, { database: this.location, down_seconds: Math.round((Date.now() - this.#downSince) / 100) / 10 })
    }
    this.#state = 'up'
    this.#options.onUp()
  }
}
