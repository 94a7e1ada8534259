import { logger } from '../log/index.ts'
import { systemClock, type SchedulerClock } from './clock.ts'
import { ClusterWide, type TickClaimer } from './cluster-wide.ts'
import { parseCron, validateTimeZone } from './cron.ts'
import { advance, checkName, describe, newCronEntry, newIntervalEntry, nextCron, onWallClock, overdueMs, scheduleError, setFirstDue, takeDue, type Entry } from './entry.ts'
import { emptyStats, formatBackgroundFuncs, recordFinished, type BackgroundFuncStats, type RunResult } from './stats.ts'

/** Runs the background function registered under `name`; a rejection counts as a failed run. */
export type BackgroundRunner = (name: string) => Promise<void>
export type RunObserver = (name: string, result: RunResult, durationMs: number) => void

export interface SchedulerOptions {
  /** setNumSchedulerThreads(): how many background functions may run at once. Default 4. */
  maxConcurrent?: number
  /** IANA zone for cron schedules; undefined means the process's local time zone. */
  timeZone?: string
  clock?: SchedulerClock
  /** Called after every run (with its duration) and every skip (duration 0). */
  onRun?: RunObserver
}

export const DEFAULT_SCHEDULER_THREADS = 4
/** Re-check at least this often, so a suspended host or a wall-clock step delays a cron run by at most a minute. */
const MAX_SLEEP_MS = 60_000
const DEFAULT_STOP_GRACE_MS = 10_000

/**
 * Runs named background functions on cron and interval schedules with a concurrency bound.
 * A function is never started while a previous run of it is still running or waiting for a slot;
 * that scheduled time is skipped, logged and counted. One timer covers all schedules.
 */
export class Scheduler {
  readonly #clock: SchedulerClock
  readonly #onRun: RunObserver | undefined
  readonly #entries: Entry[] = []
  readonly #funcs = new Map<string, BackgroundFuncStats>()
  readonly #queue: BackgroundFuncStats[] = []
  readonly #idleWaiters: Array<() => void> = []
  readonly #clusterWide = new ClusterWide()
  #maxConcurrent = DEFAULT_SCHEDULER_THREADS
  #timeZone: string | undefined
  #active = 0
  #run: BackgroundRunner | undefined
  #timer: unknown = undefined
  #state: 'new' | 'started' | 'stopped' = 'new'
  #stopped: Promise<boolean> | undefined

  constructor (options: SchedulerOptions = {}) {
    this.#clock = options.clock ?? systemClock
    this.#onRun = options.onRun
    if (options.maxConcurrent !== undefined) this.setMaxConcurrent(options.maxConcurrent)
    if (options.timeZone !== undefined) this.#timeZone = validateTimeZone(options.timeZone)
  }

  get maxConcurrent (): number { return this.#maxConcurrent }
  get timeZone (): string | undefined { return this.#timeZone }
  get running (): boolean { return this.#state === 'started' }

  setMaxConcurrent (n: number): void {
    if (!Number.isInteger(n) || n < 1) throw scheduleError(`number of scheduler threads must be a positive integer, got ${String(n)}`)
    this.#maxConcurrent = n
    if (this.#state === 'started') this.#drain()
  }

  /** Changes the zone of every cron schedule, including ones already added (config order must not matter). */
  setTimeZone (timeZone: string | undefined): void {
    if (timeZone !== undefined) validateTimeZone(timeZone)
    this.#timeZone = timeZone
    for (const entry of this.#entries) {
      if (entry.kind !== 'cron') continue
      entry.schedule = parseCron(entry.schedule.expression, timeZone)
      if (this.#state === 'started') entry.due = nextCron(entry.schedule, this.#clock.wallNow())
    }
    this.#arm()
  }

  /** cronScheduleBackgroundFunc(): validates now, so a bad expression fails at config load. */
  addCron (expression: string, name: string): void {
    const entry = newCronEntry(expression, name, this.#timeZone, this.#entries)
    if (this.#state === 'started') this.#firstDue(entry, this.#clock.wallNow(), this.#clock.monoNow())
    this.#add(entry)
  }

  /** intervalScheduleBackgroundFunc(): the first run is one interval after start() (or after this call, if later). */
  addInterval (seconds: number, name: string): void {
    const entry = newIntervalEntry(seconds, name, this.#entries)
    if (this.#state === 'started') this.#firstDue(entry, this.#clock.wallNow(), this.#clock.monoNow())
    this.#add(entry)
  }

  /** setBackgroundClusterWide(): each scheduled time of `name` runs on one instance only (see cluster-wide.ts). */
  setClusterWide (name: string): void {
    checkName(name)
    this.#clusterWide.add(name)
  }

  get clusterWideNames (): string[] { return this.#clusterWide.names }

  /** Every scheduled name, so the caller can check each has a function registered. */
  scheduledNames (): string[] {
    return [...this.#funcs.keys()]
  }

  /** `claim` decides the cluster-wide functions' runs; without it they run here like any other. */
  start (run: BackgroundRunner, claim?: TickClaimer): void {
    if (this.#state !== 'new') throw scheduleError(`scheduler cannot be started: it is already ${this.#state}`)
    this.#run = run
    this.#clusterWide.setClaimer(claim)
    this.#state = 'started'
    const wall = this.#clock.wallNow()
    const mono = this.#clock.monoNow()
    for (const entry of this.#entries) this.#firstDue(entry, wall, mono)
    this.#arm()
  }

  #firstDue (entry: Entry, wall: number, mono: number): void {
    setFirstDue(entry, wall, (name, seconds) => this.#clusterWide.intervalStart(name, seconds, wall, mono))
  }

  /**
   * Stops scheduling (idempotent) and drops runs still waiting for a slot. Resolves true once running
   * functions have finished, or false if `graceMs` passes first (they are not interrupted).
   */
  stop (graceMs = DEFAULT_STOP_GRACE_MS): Promise<boolean> {
    if (this.#stopped !== undefined) return this.#stopped
    this.#state = 'stopped'
    this.#disarm()
    if (this.#queue.length > 0) {
      logger.info('scheduler stopping, dropping queued background runs', { count: this.#queue.length })
      for (const func of this.#queue) func.state = 'idle'
      this.#queue.length = 0
    }
    this.#stopped = new Promise<boolean>(resolve => {
      if (this.#active === 0) { resolve(true); return }
      const bound = this.#clock.setTimer(() => { resolve(false) }, graceMs)
      this.#idleWaiters.push(() => {
        this.#clock.clearTimer(bound)
        resolve(true)
      })
    })
    return this.#stopped
  }

  stats (): BackgroundFuncStats[] {
    return [...this.#funcs.values()]
      .map(f => ({ ...f, schedules: f.schedules.slice() }))
      .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  }

  /** Console text for showBackgroundFuncs(). */
  showBackgroundFuncs (): string {
    return formatBackgroundFuncs(this.stats())
  }

  #add (entry: Entry): void {
    this.#entries.push(entry)
    let func = this.#funcs.get(entry.name)
    if (func === undefined) {
      func = emptyStats(entry.name)
      this.#funcs.set(entry.name, func)
    }
    func.schedules.push(describe(entry))
    this.#arm()
  }

  #disarm (): void {
    if (this.#timer === undefined) return
    this.#clock.clearTimer(this.#timer)
    this.#timer = undefined
  }

  #arm (): void {
    this.#disarm()
    if (this.#state !== 'started' || this.#entries.length === 0) return
    const wall = this.#clock.wallNow()
    const mono = this.#clock.monoNow()
    let delay = MAX_SLEEP_MS
    for (const entry of this.#entries) delay = Math.min(delay, entry.due - (onWallClock(entry) ? wall : mono))
    this.#timer = this.#clock.setTimer(() => { this.#tick() }, Math.max(0, Math.ceil(delay)))
  }

  #tick (): void {
    this.#timer = undefined
    if (this.#state !== 'started') return
    const wall = this.#clock.wallNow()
    const mono = this.#clock.monoNow()
    for (const { name, tickMs } of takeDue(this.#entries, wall, mono)) this.#trigger(name, tickMs)
    this.#arm()
  }

  #trigger (name: string, tickMs: number): void {
    const func = this.#funcs.get(name)
    if (func === undefined) return
    if (func.state !== 'idle') {
      func.skipped++
      logger.warn('background function still running, skipping scheduled run', { name, state: func.state })
      this.#notify(name, 'skipped', 0)
      return
    }
    this.#clusterWide.triggered(name, tickMs)
    if (this.#active < this.#maxConcurrent) {
      this.#launch(func)
    } else {
      func.state = 'queued'
      this.#queue.push(func)
    }
  }

  #launch (func: BackgroundFuncStats): void {
    const run = this.#run
    if (run === undefined) return
    func.state = 'running'
    this.#active++
    const claiming = this.#clusterWide.claim(func.name, this.#clock.wallNow())
    if (claiming === undefined) { this.#runNow(func, run); return }
    const started = this.#clock.monoNow()
    claiming.then(
      (won) => { if (won) this.#runNow(func, run); else this.#release(func) },
      (err: unknown) => { this.#finish(func, started, { err }) }
    )
  }

  /** Frees the slot of a run that did not happen here (another instance took its tick): nothing is counted. */
  #release (func: BackgroundFuncStats): void {
    func.state = 'idle'
    this.#active--
    this.#slotFreed()
  }

  #runNow (func: BackgroundFuncStats, run: BackgroundRunner): void {
    func.lastRunMs = this.#clock.wallNow()
    const started = this.#clock.monoNow()
    let pending: Promise<void>
    try {
      pending = Promise.resolve(run(func.name))
    } catch (err) {
      pending = Promise.reject(err)
    }
    pending.then(
      () => { this.#finish(func, started, undefined) },
      (err: unknown) => { this.#finish(func, started, { err }) }
    )
  }

  #finish (func: BackgroundFuncStats, started: number, failure: { err: unknown } | undefined): void {
    const durationMs = Math.max(0, this.#clock.monoNow() - started)
    const message = failure === undefined ? undefined : failure.err instanceof Error ? failure.err.message : String(failure.err)
    recordFinished(func, durationMs, message)
    this.#active--
    this.#skipPassedDueTimes(func)
    if (message !== undefined) logger.error('background function failed', { name: func.name, error: message })
    this.#notify(func.name, failure === undefined ? 'ok' : 'error', durationMs)
    this.#slotFreed()
  }

  /** A run ended (or never started here): the next queued one may start, and stop() may be waiting for the last. */
  #slotFreed (): void {
    if (this.#state === 'started') this.#drain()
    if (this.#active === 0) for (const wake of this.#idleWaiters.splice(0)) wake()
  }

  /**
   * A synchronous run holds the event loop, so the timer due during it only fires afterwards and would
   * start the function again at once. Due times that passed while it ran are skipped here instead.
   */
  #skipPassedDueTimes (func: BackgroundFuncStats): void {
    if (this.#state !== 'started') return
    const wall = this.#clock.wallNow()
    const mono = this.#clock.monoNow()
    let skipped = 0
    for (const entry of this.#entries) {
      if (entry.name !== func.name || overdueMs(entry, wall, mono) < 0) continue
      skipped += advance(entry, wall, mono)
    }
    if (skipped === 0) return
    func.skipped += skipped
    logger.warn('background function ran past its next scheduled time, skipping it', { name: func.name, skipped })
    for (let i = 0; i < skipped; i++) this.#notify(func.name, 'skipped', 0)
    this.#arm()
  }

  #drain (): void {
    while (this.#active < this.#maxConcurrent) {
      const next = this.#queue.shift()
      if (next === undefined) break
      this.#launch(next)
    }
  }

  #notify (name: string, result: RunResult, durationMs: number): void {
    if (this.#onRun === undefined) return
    try {
      this.#onRun(name, result, durationMs)
    } catch (err) {
      logger.warn('background run observer failed', { name, error: err })
    }
  }
}
