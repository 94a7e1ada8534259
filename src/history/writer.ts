import { logger } from '../log/index.ts'
import { QueuedIndex } from './queued-index.ts'
import { type HistoryRecord, type HistoryStore } from './types.ts'

/** What the writer reports; the metrics module turns it into Prometheus series. */
export interface WriterObserver {
  committed (records: number, lagSeconds: number): void
  dropped (records: number, reason: 'queue_full' | 'write_failed'): void
}

export interface WriterOptions {
  /** The interval when commits are quick: the usual crash-loss bound. */
  commitIntervalMs: number
  /** The longest interval load may stretch it to: the crash-loss bound under full load. */
  maxCommitIntervalMs: number
  queueLimit: number
  observer: WriterObserver
  /** Wall clock in ms, for commit lag. */
  now?: () => number
}

/**
 * An outage ends after this long without a failed write: a nearly full disk lets small writes
 * through now and then, and each of those must not start a new "failing" log line.
 */
const RECOVERY_QUIET_MS = 30_000

/** A queue longer than this is committed as several transactions, so one stays a bounded size in memory. */
const MAX_BATCH = 5000

/** The timer commits at most this many reports per event-loop turn (about 50 ms of work under load). */
const BACKGROUND_PIECE = 2000

/** How soon a background commit that found another process writing tries again. */
const BUSY_RETRY_MS = 2

/**
 * The interval is at least this many times the last commit's duration. A commit's cost is mostly
 * the index pages it dirties, and a large batch shares pages that small ones write again and
 * again (measured: ~3× less per report at 5000 reports than at 25). So under load the interval
 * stretches, batches grow, each report costs less, and commits take at most about a tenth of
 * the process's time; when load falls, the interval returns to commitIntervalMs.
 */
const LOAD_FACTOR = 10

/** SQLite result codes that mean "no room": the write is dropped, the daemon keeps serving. */
function isFullError (err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR'
}

/** SQLite's "another process holds the write lock past busy_timeout": worth another try, not a loss. */
const isBusy = (err: unknown): boolean => String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY')

/**
 * The process's history writer: reports queue here off the request path and are group-committed
 * every `commitIntervalMs`, or less often under load (LOAD_FACTOR). It lives as long as the
 * process (owned by the App, not by a configuration generation), so a reload never loses queued
 * reports. A crash loses at most what is queued: the last commit interval's reports.
 *
 * Read-your-writes within a process: SQLite reads merge `queued` into their answers; PostgreSQL
 * reads that concern queued reports wait for commitNow().
 */
export class HistoryWriter {
  readonly #store: HistoryStore
  readonly #now: () => number
  #options: WriterOptions
  #queue: HistoryRecord[] = []
  #enqueuedAt: number[] = []
  #timer: NodeJS.Timeout | null = null
  #inflight: Promise<void> | null = null
  #failing = false
  /** How the last write ended: a failed one makes the next try wait an interval. */
  #lastWriteFailed = false
  /** Reports of the batch being written (asynchronously). */
  #writing = 0
  #lastFailureAt = 0
  #droppedInOutage = 0
  #closed = false
  #intervalMs: number
  /** The queue as reads look it up: kept for a synchronous store (SQLite), whose reads merge it in. */
  readonly queued: QueuedIndex | null

  constructor (store: HistoryStore, options: WriterOptions) {
    this.#store = store
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#intervalMs = options.commitIntervalMs
    this.queued = store.backend === 'sqlite' ? new QueuedIndex() : null
  }

  /** Reports not yet written: queued, and the batch being written. */
  get depth (): number { return this.#queue.length + this.#writing }

  /** The interval the next commit waits: commitIntervalMs, stretched under load (metrics, tests). */
  get intervalMs (): number { return this.#intervalMs }

  /** A reload may change the intervals and the bound; queued reports stay. */
  configure (commitIntervalMs: number, maxCommitIntervalMs: number, queueLimit: number): void {
    this.#options = { ...this.#options, commitIntervalMs, maxCommitIntervalMs, queueLimit }
    this.#intervalMs = Math.min(Math.max(this.#intervalMs, commitIntervalMs), maxCommitIntervalMs)
  }

  /** Queues one report; false when the queue is full (the report is dropped and counted). */
  enqueue (record: HistoryRecord): boolean {
    if (this.#closed || this.#queue.length >= this.#options.queueLimit) {
      this.#options.observer.dropped(1, 'queue_full')
      return false
    }
    this.#queue.push(record)
    this.#enqueuedAt.push(this.#now())
    this.queued?.add([record], false)
    this.#schedule()
    return true
  }

  /** The next piece at once, replacing the interval timer an enqueue may have set meanwhile. */
  #scheduleNow (): void {
    if (this.#timer !== null) { clearTimeout(this.#timer); this.#timer = null }
    this.#schedule(0)
  }

  /** The timer does not keep the process alive: a graceful stop commits through close(). */
  #schedule (delayMs = this.#intervalMs): void {
    if (this.#timer !== null) return
    this.#timer = setTimeout(() => { this.#timer = null; this.#background() }, delayMs)
    this.#timer.unref()
  }

  /**
   * The timer's commit: one piece of at most BACKGROUND_PIECE reports, then the next piece after
   * the event loop served what waits (a large queue never holds requests for its whole commit).
   * It never waits for another process's write lock: busy, it tries again in BUSY_RETRY_MS.
   */
  #background (): void {
    if (this.#inflight !== null || this.#queue.length === 0) return
    const outcome = this.#writePiece(BACKGROUND_PIECE, false)
    // After a write that worked, the rest of a long queue follows at once (its reports already
    // waited an interval); after a failure, the next try waits an interval.
    if (outcome instanceof Promise) void outcome.then(() => { if (this.#queue.length > 0 && !this.#lastWriteFailed) this.#scheduleNow() })
    else if (outcome === 'written' && this.#queue.length > 0) this.#schedule(0)
  }

  /**
   * Takes up to `size` reports from the head of the queue and writes them in one transaction.
   * A synchronous store says how it went: written, put back at the head (busy: another process
   * holds the write lock; without `wait` that is reported at once and retried in BUSY_RETRY_MS),
   * or dropped and counted. An asynchronous store's write is in flight: its promise.
   */
  #writePiece (size: number, wait: boolean): 'written' | 'requeued' | 'dropped' | Promise<void> {
    const [batch, times] = this.#take(size)
    const started = this.#now()
    let result: Promise<void> | void
    try {
      result = this.#store.writeBatch(batch, wait)
    } catch (err) {
      if (!wait && isBusy(err) && this.#requeue(batch, times)) {
        this.#settle(batch, true)
        this.#schedule(BUSY_RETRY_MS)
        return 'requeued'
      }
      return this.#failed(batch, times, err) ? 'requeued' : 'dropped'
    }
    if (result instanceof Promise) {
      this.#writing = batch.length
      this.#inflight = result.then(() => this.#done(batch, times, started), (err: unknown) => { this.#failed(batch, times, err) })
        .finally(() => { this.#inflight = null })
      return this.#inflight
    }
    this.#done(batch, times, started)
    return 'written'
  }

  /** Puts a batch back at the head of the queue; false when the queue has no room left for it. */
  #requeue (batch: HistoryRecord[], times: number[]): boolean {
    if (this.#closed || this.#queue.length + batch.length > this.#options.queueLimit) return false
    this.#queue.unshift(...batch)
    this.#enqueuedAt.unshift(...times)
    return true
  }

  /**
   * Takes up to `n` reports from the head of the queue. They stay in the queue index (reads merge
   * them) until their write settles: #settle.
   */
  #take (n: number): [HistoryRecord[], number[]] {
    const batch = this.#queue.splice(0, n)
    return [batch, this.#enqueuedAt.splice(0, batch.length)]
  }

  /**
   * A batch's write is over: committed or dropped reports leave the queue index, reports queued
   * again stay; the store learns it in the same turn (afterBatch), so no read in between counts
   * a report twice or misses it.
   */
  #settle (batch: readonly HistoryRecord[], requeued: boolean): void {
    if (!requeued) this.queued?.remove(batch)
    this.#writing = 0
    this.#store.afterBatch?.()
  }

  /** True when a queued or committing report matches: the read must wait for commitNow(). */
  hasPending (match: (r: HistoryRecord) => boolean): boolean {
    if (this.#inflight !== null) return true
    for (const r of this.#queue) if (match(r)) return true
    return false
  }

  /**
   * Commits everything queued now, waiting for another process's write lock if need be (reads
   * that must see the queue, retention, a graceful stop). Synchronous for a synchronous store
   * (SQLite): the returned value is then undefined and the queue is empty on return. Failures never throw here: the reports are
   * dropped and counted, and the first failure of an outage is logged.
   */
  commitNow (): Promise<void> | undefined {
    if (this.#inflight !== null) return this.#inflight.then(() => this.commitNow())
    if (this.#timer !== null) { clearTimeout(this.#timer); this.#timer = null }
    while (this.#queue.length > 0) {
      const outcome = this.#writePiece(MAX_BATCH, true)
      if (outcome instanceof Promise) return outcome.then(() => this.commitNow())
      if (outcome === 'requeued') break
    }
    return undefined
  }

  #done (batch: readonly HistoryRecord[], times: readonly number[], started: number): void {
    this.#settle(batch, false)
    this.#lastWriteFailed = false
    const { commitIntervalMs, maxCommitIntervalMs } = this.#options
    this.#intervalMs = Math.min(maxCommitIntervalMs, Math.max(commitIntervalMs, (this.#now() - started) * LOAD_FACTOR))
    this.#options.observer.committed(batch.length, (this.#now() - (times[0] ?? this.#now())) / 1000)
    if (this.#failing && this.#now() - this.#lastFailureAt >= RECOVERY_QUIET_MS) {
      this.#failing = false
      logger.notice('history writes work again', { store: this.#store.location, dropped: this.#droppedInOutage })
    }
  }

  /** Returns true when the reports were queued again for a later try. */
  #failed (batch: HistoryRecord[], times: number[], err: unknown): boolean {
    this.#lastWriteFailed = true
    // Another process kept the lock past busy_timeout: keep the reports for the next commit.
    if (isBusy(err) && this.#requeue(batch, times)) {
      this.#settle(batch, true)
      this.#schedule()
      return true
    }
    this.#settle(batch, false)
    this.#options.observer.dropped(batch.length, 'write_failed')
    this.#lastFailureAt = this.#now()
    if (this.#failing) { this.#droppedInOutage += batch.length; return false }
    this.#failing = true
    this.#droppedInOutage = batch.length
    const reason = isFullError(err) ? 'the database or its disk is full' : (err as Error).message
    logger.error('history writes failing: reports are answered but not recorded until it recovers', { store: this.#store.location, reason, dropped: batch.length })
    return false
  }

  /** Graceful stop: commits what is queued; later enqueues are dropped. */
  async close (): Promise<void> {
    this.#closed = true
    await this.commitNow()
  }
}
