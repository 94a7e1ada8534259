import type { PoolClient } from 'pg'
import { logger } from '../../log/index.ts'
import {
  type ActivityBucket, type ActivityScope, type FeatureKind, type FeatureStat, type GlobalFeature, type GlobalTotals, type HistoryRecord,
  type HistoryStore, type LastSuccess, type LoginAtSource,
  type LoginProfile, type LoginTotals, type LoginWindow, type SourceOrder, type SourceScope, type SourceWindow, type StoredReport, type PruneStep
} from '../types.ts'
import { isConnectionError, PgConnection } from './connection.ts'
import { eraseLogin, pruneProfiles } from './forget.ts'
import { insertBatch } from './ingest.ts'
import { PostgresReads } from './reads.ts'
import { DAYS_AHEAD, dayOf, ensurePartitions, ensureSchema, existingPartitionDays, pruneReports } from './schema.ts'
import { parsePostgresUrl } from './url.ts'
import { claimTick } from './claims.ts'

export interface PostgresStoreOptions {
  readonly url: string
  /** Partitions are created on demand only for days this recent (older events go to the default partition). */
  readonly retentionDays: number
  /** Reports held while the database is unreachable; beyond this they are dropped and counted. */
  readonly outageLimit: number
  readonly poolSize?: number
  /** Told of every report dropped because the outage outlasted `outageLimit` (metrics). */
  readonly onDrop?: (records: number) => void
}

/** Connection-level state for metrics and tests. */
export interface PostgresOutageStats {
  readonly up: boolean
  readonly outages: number
  /** Reports waiting for the database to come back. */
  readonly held: number
  /** Reports dropped because the outage outlasted `outageLimit`. */
  readonly dropped: number
}

const SERIALIZATION_RETRIES = 3
/** Partitions for the coming days are created this often, so midnight never waits for DDL. */
const MAINTENANCE_MS = 3_600_000

/**
 * The shared backend: PostgreSQL, for several trackalert instances. Reads are promises; writes
 * arrive in batches from the process's writer. While the database is unreachable, batches are
 * held in order up to `outageLimit` reports (then dropped and counted) and written once it is back.
 */
export class PostgresStore implements HistoryStore {
  readonly backend = 'postgres' as const
  readonly location: string
  readonly #options: PostgresStoreOptions
  readonly #db: PgConnection
  readonly #reads: PostgresReads
  readonly #partitions = new Set<number>()
  readonly #held: HistoryRecord[][] = []
  #heldCount = 0
  #dropped = 0
  #flushing: Promise<void> | null = null
  #maintenance: NodeJS.Timeout | null = null

  private constructor (options: PostgresStoreOptions) {
    const url = parsePostgresUrl(options.url)
    this.location = url.location
    this.#options = options
    this.#db = new PgConnection({ url, poolSize: options.poolSize ?? 10, prepare: (c) => this.#prepare(c), onUp: () => { void this.#flush() } })
    this.#reads = new PostgresReads(this.#db)
  }

  /** Connects and creates the schema; an unreachable database is not an error (the store starts in an outage). */
  static async open (options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options)
    await store.#db.open()
    store.#maintenance = setInterval(() => { void store.#ensureAhead() }, MAINTENANCE_MS)
    store.#maintenance.unref()
    return store
  }

  get up (): boolean { return this.#db.up }

  outageStats (): PostgresOutageStats {
    return { up: this.#db.up, outages: this.#db.outages, held: this.#heldCount, dropped: this.#dropped }
  }

  async writeBatch (records: readonly HistoryRecord[]): Promise<void> {
    if (records.length === 0) return
    // Held batches go first: a batch never overtakes one written earlier. Once the database is
    // back, the backlog is being written: wait for it rather than holding this batch behind it,
    // where a full hold bound (the outage's) would drop it although the database is up. The
    // writer's queue fills meanwhile, under its own bound (queue_limit).
    if (this.#db.up && this.#held.length > 0) await this.#flush()
    if (!this.#db.up || this.#held.length > 0) { this.#hold(records); return }
    try {
      await this.#write(records)
    } catch (err) {
      if (!isConnectionError(err)) throw err
      this.#hold(records)
    }
  }

  feature (login: string, kind: FeatureKind, value: string): Promise<FeatureStat | null> { return this.#reads.feature(login, kind, value) }
  totals (login: string): Promise<LoginTotals | null> { return this.#reads.totals(login) }
  profile (login: string): Promise<LoginProfile> { return this.#reads.profile(login) }
  lastSuccess (login: string): Promise<LastSuccess | null> { return this.#reads.lastSuccess(login) }
  recentReports (login: string, limit: number): Promise<StoredReport[]> { return this.#reads.recentReports(login, limit) }
  loginWindow (login: string, since: number, until: number): Promise<LoginWindow> { return this.#reads.loginWindow(login, since, until) }
  sourceWindow (scope: SourceScope, key: string, since: number, until: number): Promise<SourceWindow> { return this.#reads.sourceWindow(scope, key, since, until) }
  async sourceWindows (scope: SourceScope, key: string, sinces: readonly number[], until: number): Promise<SourceWindow[]> {
    return await Promise.all(sinces.map((since) => this.#reads.sourceWindow(scope, key, since, until)))
  }
  loginAtSource (scope: SourceScope, key: string, login: string, since: number, until: number): Promise<LoginAtSource> {
    return this.#reads.loginAtSource(scope, key, login, since, until)
  }
  topSources (scope: SourceScope, since: number, until: number, order: SourceOrder, limit: number): Promise<SourceWindow[]> {
    return this.#reads.topSources(scope, since, until, order, limit)
  }

  globalFeature (kind: FeatureKind, value: string): Promise<GlobalFeature> { return this.#reads.globalFeature(kind, value) }
  globalDistinct (kind: FeatureKind): Promise<number> { return this.#reads.globalDistinct(kind) }
  globalTotals (): Promise<GlobalTotals> { return this.#reads.globalTotals() }
  newestEventTime (): Promise<number | null> { return this.#reads.newestEventTime() }
  activity (scope: ActivityScope, key: string, since: number, until: number, step: number): Promise<ActivityBucket[]> {
    return this.#reads.activity(scope, key, since, until, step)
  }

  erase (login: string): Promise<number> {
    return this.#retrying(() => this.#db.transaction((c) => eraseLogin(c, login)))
  }

  async prune (before: number, limit: number): Promise<PruneStep> {
    const reports = await this.#retrying(() => this.#db.withClient((c) => pruneReports(c, before, limit)))
    if (reports > 0) {
      // Dropped partitions must be created again if a late event for their day arrives.
      const partitions = await this.#db.withClient((c) => existingPartitionDays(c))
      for (const day of [...this.#partitions]) if (!partitions.has(day)) this.#partitions.delete(day)
    }
    const removed = reports + await this.#retrying(() => this.#db.transaction((c) => pruneProfiles(c, before, limit)))
    return { removed, done: removed === 0 }
  }

  /**
   * Cluster-wide background functions: true for exactly one caller per (name, tick) across every
   * instance sharing the database. Rejects while the database is unreachable.
   */
  claimTick (name: string, tickMs: number, instance: string): Promise<boolean> {
    return this.#db.transaction((c) => claimTick(c, name, tickMs, instance))
  }

  /** Writes what is held if the database is up; what is still held after that is lost and logged. */
  async close (): Promise<void> {
    if (this.#maintenance !== null) clearInterval(this.#maintenance)
    if (this.#db.up) await this.#flush()
    if (this.#heldCount > 0) logger.warn('history database unreachable at shutdown, held reports are lost', { database: this.location, reports: this.#heldCount })
    await this.#db.close()
  }

  #hold (records: readonly HistoryRecord[]): void {
    if (this.#heldCount + records.length > this.#options.outageLimit) {
      this.#countDropped(records.length)
      return
    }
    this.#held.push(records.slice())
    this.#heldCount += records.length
    if (this.#db.up) void this.#flush()
  }

  #countDropped (records: number): void {
    this.#dropped += records
    this.#options.onDrop?.(records)
  }

  /** Writes held batches in order; one flush at a time. */
  #flush (): Promise<void> {
    if (this.#flushing !== null) return this.#flushing
    const flushing = this.#writeHeld().finally(() => { this.#flushing = null })
    this.#flushing = flushing
    return flushing
  }

  /** Stops at the first connection failure: the batch stays held for the next reconnect. */
  async #writeHeld (): Promise<void> {
    // Yield first, so #flushing is set before the loop can end.
    await Promise.resolve()
    while (this.#held.length > 0 && this.#db.up) {
      const batch = this.#held[0]!
      try {
        await this.#write(batch)
      } catch (err) {
        if (isConnectionError(err)) return
        logger.error('history batch held during an outage could not be written, dropping it', { database: this.location, reports: batch.length, error: (err as Error).message })
        this.#countDropped(batch.length)
      }
      this.#held.shift()
      this.#heldCount -= batch.length
    }
  }

  async #write (records: readonly HistoryRecord[]): Promise<void> {
    const missing = this.#missingPartitions(records)
    if (missing.length > 0) {
      await this.#db.withClient((c) => ensurePartitions(c, missing))
      for (const day of missing) this.#partitions.add(day)
    }
    await this.#retrying(() => this.#db.transaction((c) => insertBatch(c, records)))
  }

  /** Days of the batch within retention (or just ahead) that have no partition yet. */
  #missingPartitions (records: readonly HistoryRecord[]): number[] {
    const today = dayOf(Date.now() / 1000)
    const oldest = today - Math.ceil(this.#options.retentionDays)
    const out = new Set<number>()
    for (const r of records) {
      const day = dayOf(r.t)
      if (day >= oldest && day <= today + DAYS_AHEAD && !this.#partitions.has(day)) out.add(day)
    }
    return [...out]
  }

  async #prepare (client: PoolClient): Promise<void> {
    await ensureSchema(client)
    await this.#ensureAheadOn(client)
  }

  async #ensureAheadOn (client: PoolClient): Promise<void> {
    const today = dayOf(Date.now() / 1000)
    const days = []
    for (let d = today - 1; d <= today + DAYS_AHEAD; d++) days.push(d)
    await ensurePartitions(client, days)
    for (const day of await existingPartitionDays(client)) this.#partitions.add(day)
  }

  async #ensureAhead (): Promise<void> {
    if (!this.#db.up) return
    try {
      await this.#db.withClient((c) => this.#ensureAheadOn(c))
    } catch (err) {
      if (!isConnectionError(err)) logger.error('history partition maintenance failed', { database: this.location, error: (err as Error).message })
    }
  }

  /** Concurrent instances can deadlock or conflict on shared profile rows; such a transaction is simply run again. */
  async #retrying<T> (work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work()
      } catch (err) {
        const code = (err as { code?: unknown }).code
        if (attempt > SERIALIZATION_RETRIES || (code !== '40P01' && code !== '40001')) throw err
      }
    }
  }
}
