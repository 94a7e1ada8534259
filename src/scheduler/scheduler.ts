import { TrackalertError } from '../errors.ts'
import { logger } from '../log/index.ts'
import { systemClock, type SchedulerClock } from './clock.ts'
import { parseCron, validateTimeZone, type CronSchedule } from './cron.ts'
import { formatDuration } from './duration.ts'
import { emptyStats, formatBackgroundFuncs, recordFinished, type BackgroundFuncStats, type RunResult } from './stats.ts'

/** Runs the background function registered under `name`; a rejection counts as a failed run. */
export type BackgroundRunner = (name: string) => Promise<void>
/**
 * Cluster-wide functions: resolves true when this instance won the scheduled time `tickMs`
 * (epoch ms, the same on every instance); false means another instance runs it.
 */
export type TickClaimer = (name: string, tickMs: number) => Promise<boolean>
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

type Entry =
  | { kind: 'cron', name: string, schedule: CronSchedule, due: number } // due: wall-clock ms
  // due: monotonic ms, or wall-clock ms on the epoch grid (multiples of the interval) for cluster-wide functions
  | { kind: 'interval', name: string, seconds: number, due: number, wall: boolean }

type FuncState = BackgroundFuncStats

/** How long ago the entry fell due (negative: not yet). Cron follows the wall clock, intervals the monotonic one. */
function overdueMs (entry: Entry, wall: number, mono: number): number {
  return (onWallClock(entry) ? wall : mono) - entry.due
}

function onWallClock (entry: Entry): boolean {
  return entry.kind === 'cron' || entry.wall
}

/** The first multiple of the period after `wallMs`: every instance computes the same grid. */
function nextOnGrid (wallMs: number, seconds: number): number {
  const period = seconds * 1000
  return (Math.floor(wallMs / period) + 1) * period
}

function scheduleError (message: string): TrackalertError {
  return new TrackalertError('TA_ERR_SCHEDULE', message)
}

function checkName (name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw scheduleError('background function name must be a non-empty string')
}

function describe (entry: Entry): string {
  return entry.kind === 'cron' ? `cron "${entry.schedule.expression}"` : `every ${formatDuration(entry.seconds)}`
}

/**
 * Runs named background functions on cron and interval schedules with a concurrency bound.
 * A function is never started while a previous run of it is still running or waiting for a slot;
 * that scheduled time is skipped, logged and counted. One timer covers all schedules.
 */
export class Scheduler {
  readonly #clock: SchedulerClock
  readonly #onRun: RunObserver | undefined
  readonly #entries: Entry[] = []
  readonly #funcs = new Map<string, FuncState>()
  readonly #queue: FuncState[] = []
  readonly #idleWaiters: Array<() => void> = []
  readonly #clusterWide = new Set<string>()
  /** The scheduled time each triggered function stands for, until it launches. */
  readonly #tickOf = new WeakMap<FuncState, number>()
  #claim: TickClaimer | undefined
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
      if (this.#state === 'started') entry.due = this.#nextCron(entry.schedule, this.#clock.wallNow())
    }
    this.#arm()
  }

  /** cronScheduleBackgroundFunc(): validates now, so a bad expression fails at config load. */
  addCron (expression: string, name: string): void {
    checkName(name)
    const schedule = parseCron(expression, this.#timeZone)
    const fields = (expr: string): string => expr.trim().split(/\s+/).join(' ')
    if (this.#entries.some(e => e.kind === 'cron' && e.name === name && fields(e.schedule.expression) === fields(expression))) {
      throw scheduleError(`background function "${name}" is already scheduled with cron "${expression}"`)
    }
    const due = this.#state === 'started' ? this.#nextCron(schedule, this.#clock.wallNow()) : Number.NaN
    this.#add({ kind: 'cron', name, schedule, due })
  }

  /** intervalScheduleBackgroundFunc(): the first run is one interval after start() (or after this call, if later). */
  addInterval (seconds: number, name: string): void {
    checkName(name)
    if (!Number.isInteger(seconds) || seconds < 1) {
      throw scheduleError(`interval for background function "${name}" must be a whole number of seconds >= 1, got ${String(seconds)}`)
    }
    if (this.#entries.some(e => e.kind === 'interval' && e.name === name && e.seconds === seconds)) {
      throw scheduleError(`background function "${name}" is already scheduled every ${formatDuration(seconds)}`)
    }
    const entry: Entry = { kind: 'interval', name, seconds, due: Number.NaN, wall: false }
    if (this.#state === 'started') this.#firstDue(entry, this.#clock.wallNow(), this.#clock.monoNow())
    this.#add(entry)
  }

  /**
   * setBackgroundClusterWide(): each scheduled time of `name` runs on one instance only, the one
   * whose claim wins. Its interval schedules then follow the wall-clock grid (multiples of the
   * interval since the epoch) so that every instance means the same time by "this tick".
   */
  setClusterWide (name: string): void {
    checkName(name)
    this.#clusterWide.add(name)
  }

  get clusterWideNames (): string[] { return [...this.#clusterWide] }

  /** Every scheduled name, so the caller can check each has a function registered. */
  scheduledNames (): string[] {
    return [...this.#funcs.keys()]
  }

  /** `claim` decides the cluster-wide functions' runs; without it they run here like any other. */
  start (run: BackgroundRunner, claim?: TickClaimer): void {
    if (this.#state !== 'new') throw scheduleError(`scheduler cannot be started: it is already ${this.#state}`)
    this.#run = run
    this.#claim = claim
    this.#state = 'started'
    const wall = this.#clock.wallNow()
    const mono = this.#clock.monoNow()
    for (const entry of this.#entries) this.#firstDue(entry, wall, mono)
    this.#arm()
  }

  #firstDue (entry: Entry, wall: number, mono: number): void {
    if (entry.kind === 'cron') { entry.due = this.#nextCron(entry.schedule, wall); return }
    entry.wall = this.#clusterWide.has(entry.name)
    entry.due = entry.wall ? nextOnGrid(wall, entry.seconds) : mono + entry.seconds * 1000
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

  #nextCron (schedule: CronSchedule, afterMs: number): number {
    return schedule.next(new Date(afterMs))?.getTime() ?? Number.POSITIVE_INFINITY
  }

  /** Moves a due entry to its next due time after now; returns how many due times that passed (cron: one). */
  #advance (entry: Entry, wall: number, mono: number): number {
    if (entry.kind === 'cron') {
      entry.due = this.#nextCron(entry.schedule, wall)
      return 1
    }
    const periodMs = entry.seconds * 1000
    const passed = Math.floor(((entry.wall ? wall : mono) - entry.due) / periodMs) + 1
    entry.due += passed * periodMs
    return passed
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
    // Most overdue first; a name due on several schedules at once runs once.
    const due = new Map<string, number>()
    // The scheduled wall time each due name stands for: a cluster-wide run's identity across instances.
    const ticks = new Map<string, number>()
    for (const entry of this.#entries) {
      const late = overdueMs(entry, wall, mono)
      if (late < 0) continue
      due.set(entry.name, Math.max(due.get(entry.name) ?? 0, late))
      if (onWallClock(entry)) ticks.set(entry.name, Math.max(ticks.get(entry.name) ?? 0, entry.due))
      // Intervals keep a fixed rate from start(); due times missed while the loop was blocked collapse into this one.
      this.#advance(entry, wall, mono)
    }
    const names = [...due.entries()].sort((a, b) => b[1] - a[1]).map(([name]) => name)
    for (const name of names) this.#trigger(name, ticks.get(name) ?? wall)
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
    this.#tickOf.set(func, tickMs)
    if (this.#active < this.#maxConcurrent) {
      this.#launch(func)
    } else {
      func.state = 'queued'
      this.#queue.push(func)
    }
  }

  #launch (func: FuncState): void {
    const run = this.#run
    if (run === undefined) return
    func.state = 'running'
    this.#active++
    const claim = this.#clusterWide.has(func.name) ? this.#claim : undefined
    if (claim === undefined) { this.#runNow(func, run); return }
    const tickMs = this.#tickOf.get(func) ?? this.#clock.wallNow()
    let claiming: Promise<boolean>
    try {
      claiming = claim(func.name, tickMs)
    } catch (err) {
      claiming = Promise.reject(err)
    }
    const started = this.#clock.monoNow()
    claiming.then(
      (won) => {
        if (won) { this.#runNow(func, run); return }
        // Another instance runs this tick: nothing ran here, so nothing is counted.
        logger.debug('cluster-wide background function runs on another instance this time', { name: func.name, tick: new Date(tickMs).toISOString() })
        func.state = 'idle'
        this.#active--
        if (this.#state === 'started') this.#drain()
        if (this.#active === 0) for (const wake of this.#idleWaiters.splice(0)) wake()
      },
      (err: unknown) => { this.#finish(func, started, { err: new TrackalertError('TA_ERR_HISTORY', `cluster-wide claim failed: ${err instanceof Error ? err.message : String(err)}`) }) }
    )
  }

  #runNow (func: FuncState, run: BackgroundRunner): void {
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

  #finish (func: FuncState, started: number, failure: { err: unknown } | undefined): void {
    const durationMs = Math.max(0, this.#clock.monoNow() - started)
    const message = failure === undefined ? undefined : failure.err instanceof Error ? failure.err.message : String(failure.err)
    recordFinished(func, durationMs, message)
    this.#active--
    this.#skipPassedDueTimes(func)
    if (message !== undefined) logger.error('background function failed', { name: func.name, error: message })
    this.#notify(func.name, failure === undefined ? 'ok' : 'error', durationMs)
    if (this.#state === 'started') this.#drain()
    if (this.#active === 0) for (const wake of this.#idleWaiters.splice(0)) wake()
  }

  /**
   * A synchronous run holds the event loop, so the timer due during it only fires afterwards and would
   * start the function again at once. Due times that passed while it ran are skipped here instead.
   */
  #skipPassedDueTimes (func: FuncState): void {
    if (this.#state !== 'started') return
    const wall = this.#clock.wallNow()
    const mono = this.#clock.monoNow()
    let skipped = 0
    for (const entry of this.#entries) {
      if (entry.name !== func.name || overdueMs(entry, wall, mono) < 0) continue
      skipped += this.#advance(entry, wall, mono)
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
