import { logger, StreamSink, type LogSink, type LogLevelValue } from '../../src/log/index.ts'
import { Scheduler, type RunResult, type SchedulerClock } from '../../src/scheduler/index.ts'

/** Lets pending promise chains (run callbacks, finish handlers) settle between timer firings. */
export async function settle (): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>(resolve => { setImmediate(resolve) })
}

/**
 * A clock the test moves by hand. Wall and monotonic time advance together unless jumpWall() steps the
 * wall clock alone, as an NTP step or an operator would.
 */
export class ManualClock implements SchedulerClock {
  #wall: number
  #mono = 0
  #nextId = 1
  readonly #timers = new Map<number, { at: number, fn: () => void }>()
  /** Every delay the scheduler asked for, to check the sleep cap. */
  readonly delays: number[] = []

  constructor (startWall: Date | number) {
    this.#wall = typeof startWall === 'number' ? startWall : startWall.getTime()
  }

  wallNow (): number { return this.#wall }
  monoNow (): number { return this.#mono }
  get pendingTimers (): number { return this.#timers.size }

  setTimer (fn: () => void, ms: number): unknown {
    const id = this.#nextId++
    this.delays.push(ms)
    this.#timers.set(id, { at: this.#mono + ms, fn })
    return id
  }

  clearTimer (handle: unknown): void { this.#timers.delete(handle as number) }

  /** A promise that resolves after `ms` of this clock's time: a run that "takes" that long. */
  sleep (ms: number): Promise<void> {
    return new Promise(resolve => { this.setTimer(resolve, ms) })
  }

  jumpWall (ms: number): void { this.#wall += ms }

  /**
   * Moves time forward by `ms` without firing timers: what a synchronous run (a Lua busy loop)
   * does to the event loop. Timers that fell due meanwhile fire at the next advance().
   */
  block (ms: number): void { this.#step(ms) }

  /** Moves time forward by `ms`, firing due timers in order and letting their effects settle. */
  async advance (ms: number): Promise<void> {
    const target = this.#mono + ms
    await settle()
    while (true) {
      let nextId: number | undefined
      let nextAt = Number.POSITIVE_INFINITY
      for (const [id, timer] of this.#timers) {
        // Map order is creation order, so equal times fire first-armed first.
        if (timer.at < nextAt) { nextAt = timer.at; nextId = id }
      }
      if (nextId === undefined || nextAt > target) break
      const timer = this.#timers.get(nextId)
      this.#timers.delete(nextId)
      this.#step(Math.max(0, nextAt - this.#mono))
      timer?.fn()
      await settle()
    }
    // A block() inside a run may have moved time past the target already.
    this.#step(Math.max(0, target - this.#mono))
    await settle()
  }

  #step (ms: number): void {
    this.#mono += ms
    this.#wall += ms
  }
}

export interface CapturedLine { level: LogLevelValue, message: string, fields: Record<string, unknown> }

/** Routes the process logger into an array for the duration of a test file. */
export function captureLogs (): { lines: CapturedLine[], restore: () => void } {
  const lines: CapturedLine[] = []
  const sink: LogSink = {
    write (level, message, fields) { lines.push({ level, message, fields: { ...fields } }) }
  }
  logger.setSinks([sink])
  return { lines, restore: () => { logger.setSinks([new StreamSink()]) } }
}

export const START = new Date('2026-01-01T12:00:30Z')

export interface RunEvent { name: string, result: RunResult, durationMs: number }

/** A scheduler on a manual clock starting at START (UTC), recording every onRun event. */
export function setup (options: { maxConcurrent?: number, timeZone?: string } = {}): {
  clock: ManualClock
  scheduler: Scheduler
  events: RunEvent[]
} {
  const clock = new ManualClock(START)
  const events: RunEvent[] = []
  const scheduler = new Scheduler({
    clock,
    timeZone: options.timeZone ?? 'UTC',
    maxConcurrent: options.maxConcurrent,
    onRun: (name, result, durationMs) => { events.push({ name, result, durationMs }) }
  })
  return { clock, scheduler, events }
}

/** stop(), then let simulated time pass so runs still sleeping on the manual clock can finish. */
export async function shutdown (clock: ManualClock, scheduler: Scheduler): Promise<void> {
  const stopping = scheduler.stop(120_000)
  await clock.advance(120_000)
  if (!await stopping) throw new Error('runs were still in progress 120 s (simulated) after stop()')
}
