/**
 * Time source for the scheduler. Cron schedules follow the wall clock; intervals and run durations use
 * a monotonic clock so that an NTP step or a manual clock change neither bunches nor stalls them.
 * Tests pass their own implementation to drive time by hand.
 */
export interface SchedulerClock {
  /** Epoch milliseconds (wall clock). */
  wallNow (): number
  /** Milliseconds from an arbitrary origin that never goes backwards. */
  monoNow (): number
  /** One-shot timer; the scheduler keeps at most one armed plus one for a stop() bound. */
  setTimer (fn: () => void, ms: number): unknown
  clearTimer (handle: unknown): void
}

/** The real clock. Timers are unref'd: a schedule alone never keeps the daemon alive. */
export const systemClock: SchedulerClock = {
  wallNow: () => Date.now(),
  monoNow: () => performance.now(),
  setTimer: (fn, ms) => {
    const timer = setTimeout(fn, ms)
    timer.unref()
    return timer
  },
  clearTimer: (handle) => { clearTimeout(handle as NodeJS.Timeout) }
}
