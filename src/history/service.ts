import { isAbsolute, join, dirname } from 'node:path'
import { type Registry } from 'prom-client'
import { TrackalertError } from '../errors.ts'
import { type GeoIPLookup } from '../geoip/index.ts'
import { logger } from '../log/index.ts'
import { deriveFacts, type DerivedFacts, type ReportFacts, toRecord } from './facts.ts'
import { BundledPlaces, NamedDbPlaces, noPlaces, type PlaceFinder } from './geo.ts'
import { historyMetrics } from './metrics.ts'
import { type HistoryOptions } from './options.ts'
import { HistoryReader } from './reader.ts'
import { PostgresStore } from './postgres/index.ts'
import { type HistoryStore } from './types.ts'
import { HistoryWriter, type WriterObserver } from './writer.ts'

const DAY = 86_400
/**
 * Retention runs this often (wall clock) and removes this many rows per event-loop turn. Each run
 * sweeps the profile tables once in key order (they carry no last_seen index, which would cost every
 * report two more index writes): every ten minutes keeps that sweep a small share of one process.
 */
const PRUNE_EVERY_MS = 600_000
const PRUNE_STEP = 2000

export interface HistoryContext {
  /** Absolute path of trackalert.conf: a relative sqlite path is resolved next to it. */
  readonly configFile: string
  readonly registry: Registry
  /** Wall clock, seconds (injectable for retention tests). */
  readonly clock: () => number
  /** Only one process of a daemon prunes (the primary, or the single process). */
  readonly prunes: boolean
}

/**
 * The bundled geo database loads on first use, or when a process that records reports preloads
 * it (preloadPlaces): a primary process records none, so it spends the ~130 MB only if a
 * background function asks for locations.
 */
const lazyBundled: PlaceFinder = { find: (ip, text) => BundledPlaces.get().find(ip, text) }

/** Where the store lives: the same options on a reload keep the open store. */
export function storeIdentity (options: HistoryOptions, configFile: string): string {
  if (options.backend === 'sqlite') {
    const path = options.path as string
    return `sqlite:${isAbsolute(path) ? path : join(dirname(configFile), path)}`
  }
  return `postgres:${options.url ?? ''}`
}

/** `outageDrop` counts reports a PostgreSQL store dropped because an outage outlasted its hold bound. */
async function openStore (options: HistoryOptions, configFile: string, outageDrop: (records: number) => void): Promise<HistoryStore> {
  if (options.backend === 'postgres') {
    try {
      return await PostgresStore.open({ url: options.url ?? '', retentionDays: options.retentionDays, outageLimit: options.queueLimit, onDrop: outageDrop })
    } catch (err) {
      throw new TrackalertError('TA_ERR_HISTORY', `setHistory: ${(err as Error).message}`, { cause: err })
    }
  }
  // Loaded on first use: a daemon without setHistory never carries the native SQLite module.
  const { SqliteStore } = await import('./sqlite-store.ts')
  return new SqliteStore(storeIdentity(options, configFile).slice('sqlite:'.length), { maxSizeMb: options.maxSizeMb, writeThread: options.writeThread })
}

/**
 * Login history for the whole process: the store, the writer queue in front of it, the reader
 * that Lua and the REST API use, and retention. Owned by the App, so a reload keeps the store
 * open and the queue intact; each configuration generation only sets the options that may
 * change on reload (retention, geo database, commit interval).
 */
export class HistoryService {
  readonly identity: string
  readonly store: HistoryStore
  readonly writer: HistoryWriter
  readonly reader: HistoryReader
  readonly #ctx: HistoryContext
  #options: HistoryOptions
  #places: PlaceFinder = noPlaces
  #timer: NodeJS.Timeout | null = null
  #pruning: Promise<number> | null = null
  #observer: WriterObserver

  private constructor (store: HistoryStore, options: HistoryOptions, ctx: HistoryContext) {
    this.identity = storeIdentity(options, ctx.configFile)
    this.store = store
    this.#ctx = ctx
    this.#options = options
    let writer: HistoryWriter | null = null
    const observer = historyMetrics(ctx.registry, () => writer?.depth ?? 0, () => writer?.intervalMs ?? options.commitIntervalMs)
    this.#observer = observer
    writer = new HistoryWriter(store, { commitIntervalMs: options.commitIntervalMs, maxCommitIntervalMs: options.maxCommitIntervalMs, queueLimit: options.queueLimit, observer })
    this.writer = writer
    this.reader = new HistoryReader(store, writer)
  }

  /** Opens the store named by setHistory; an unusable one is a TA_ERR_HISTORY naming it. */
  static async open (options: HistoryOptions, ctx: HistoryContext): Promise<HistoryService> {
    let created: HistoryService | null = null
    const store = await openStore(options, ctx.configFile, (records) => { if (created !== null) created.#observer.dropped(records, 'write_failed') })
    const service = new HistoryService(store, options, ctx)
    created = service
    logger.info('login history enabled', { store: store.location, backend: store.backend, retention_days: options.retentionDays })
    if (ctx.prunes) {
      service.#timer = setInterval(() => { void service.pruneNow() }, PRUNE_EVERY_MS)
      service.#timer.unref()
    }
    return service
  }

  get options (): HistoryOptions { return this.#options }

  /** A (re)loaded configuration's options; `geo` resolves a newGeoIP2DB name in that configuration. */
  configure (options: HistoryOptions, geo: (name: string) => GeoIPLookup | undefined): void {
    this.#options = options
    this.writer.configure(options.commitIntervalMs, options.maxCommitIntervalMs, options.queueLimit)
    const name = options.geoip
    this.#places = name === false ? noPlaces : name === null ? lazyBundled : new NamedDbPlaces(() => geo(name))
  }

  /** Loads the bundled geo database now when the options use it, so that no report waits for it. */
  preloadPlaces (): void {
    if (this.#options.geoip === null) BundledPlaces.get()
  }

  facts (report: Pick<ReportFacts, 'remote' | 'remoteText' | 'deviceAttrs'>): DerivedFacts {
    return deriveFacts(report, this.#places)
  }

  /** Queues one accepted report (never blocks: a full queue drops it and counts the drop). */
  record (report: ReportFacts): void {
    this.writer.enqueue(toRecord(report, this.facts(report)))
  }

  /** Queues a report whose facts were derived already (the policies used them), with its risk score. */
  recordDerived (report: ReportFacts, facts: DerivedFacts, risk: number | null): void {
    this.writer.enqueue(toRecord(report, facts, risk))
  }

  /**
   * Retention: removes what is older than retention_days before the reference time, which is the
   * newest stored event time, but never later than the wall clock (so one report with a bogus
   * future `t` cannot wipe the history, and a replay of old reports keeps its own timeline).
   */
  pruneNow (): Promise<number> {
    this.#pruning ??= this.#prune().finally(() => { this.#pruning = null })
    return this.#pruning
  }

  async #prune (): Promise<number> {
    await this.writer.commitNow()
    const newest = await this.store.newestEventTime()
    if (newest === null) return 0
    const before = Math.min(newest, this.#ctx.clock()) - this.#options.retentionDays * DAY
    let total = 0
    try {
      for (;;) {
        const step = await this.store.prune(before, PRUNE_STEP)
        total += step.removed
        if (step.done) break
        await new Promise((resolve) => setImmediate(resolve))
      }
    } catch (err) {
      logger.warn('history retention failed; it runs again later', { store: this.store.location, reason: (err as Error).message })
    }
    if (total > 0) logger.info('history retention removed old rows', { rows: total, before: new Date(before * 1000).toISOString() })
    return total
  }

  /** Graceful stop: queued reports are committed, then the store closes. */
  async close (): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer)
    await this.#pruning
    await this.writer.close()
    await this.store.close()
  }
}
