import { TrackalertError } from '../errors.ts'
import { parseCron, type CronSchedule } from './cron.ts'
import { formatDuration } from './duration.ts'

/** One schedule of a background function; a function may have several. */
export type Entry =
  | { kind: 'cron', name: string, schedule: CronSchedule, due: number } // due: wall-clock ms
  // due: monotonic ms, or wall-clock ms on the epoch grid (multiples of the interval) for cluster-wide functions
  | { kind: 'interval', name: string, seconds: number, due: number, wall: boolean }

export function scheduleError (message: string): TrackalertError {
  return new TrackalertError('TA_ERR_SCHEDULE', message)
}

export function checkName (name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw scheduleError('background function name must be a non-empty string')
}

export function onWallClock (entry: Entry): boolean {
  return entry.kind === 'cron' || entry.wall
}

/** How long ago the entry fell due (negative: not yet). Cron follows the wall clock, intervals the monotonic one. */
export function overdueMs (entry: Entry, wall: number, mono: number): number {
  return (onWallClock(entry) ? wall : mono) - entry.due
}

export function describe (entry: Entry): string {
  return entry.kind === 'cron' ? `cron "${entry.schedule.expression}"` : `every ${formatDuration(entry.seconds)}`
}

export function nextCron (schedule: CronSchedule, afterMs: number): number {
  return schedule.next(new Date(afterMs))?.getTime() ?? Number.POSITIVE_INFINITY
}

/** Moves a due entry to its next due time after now; returns how many due times that passed (cron: one). */
export function advance (entry: Entry, wall: number, mono: number): number {
  if (entry.kind === 'cron') {
    entry.due = nextCron(entry.schedule, wall)
    return 1
  }
  const periodMs = entry.seconds * 1000
  const passed = Math.floor(((entry.wall ? wall : mono) - entry.due) / periodMs) + 1
  entry.due += passed * periodMs
  return passed
}

/** cronScheduleBackgroundFunc()'s schedule, validated now so a bad expression fails at config load; not yet due. */
export function newCronEntry (expression: string, name: string, timeZone: string | undefined, existing: readonly Entry[]): Entry {
  checkName(name)
  const schedule = parseCron(expression, timeZone)
  const fields = (expr: string): string => expr.trim().split(/\s+/).join(' ')
  if (existing.some(e => e.kind === 'cron' && e.name === name && fields(e.schedule.expression) === fields(expression))) {
    throw scheduleError(`background function "${name}" is already scheduled with cron "${expression}"`)
  }
  return { kind: 'cron', name, schedule, due: Number.NaN }
}

/** intervalScheduleBackgroundFunc()'s schedule, validated; not yet due (which clock it follows is decided at start). */
export function newIntervalEntry (seconds: number, name: string, existing: readonly Entry[]): Entry {
  checkName(name)
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw scheduleError(`interval for background function "${name}" must be a whole number of seconds >= 1, got ${String(seconds)}`)
  }
  if (existing.some(e => e.kind === 'interval' && e.name === name && e.seconds === seconds)) {
    throw scheduleError(`background function "${name}" is already scheduled every ${formatDuration(seconds)}`)
  }
  return { kind: 'interval', name, seconds, due: Number.NaN, wall: false }
}

/**
 * The names due now, most overdue first (a name due on several schedules at once runs once), each with
 * the scheduled wall time it stands for (a cluster-wide run's identity across instances; `wall` when the
 * name is only due on the monotonic clock). Moves every due entry to its next due time.
 */
export function takeDue (entries: readonly Entry[], wall: number, mono: number): Array<{ name: string, tickMs: number }> {
  const due = new Map<string, number>()
  const ticks = new Map<string, number>()
  for (const entry of entries) {
    const late = overdueMs(entry, wall, mono)
    if (late < 0) continue
    due.set(entry.name, Math.max(due.get(entry.name) ?? 0, late))
    if (onWallClock(entry)) ticks.set(entry.name, Math.max(ticks.get(entry.name) ?? 0, entry.due))
    // Intervals keep a fixed rate from start(); due times missed while the loop was blocked collapse into this one.
    advance(entry, wall, mono)
  }
  return [...due.entries()].sort((a, b) => b[1] - a[1]).map(([name]) => ({ name, tickMs: ticks.get(name) ?? wall }))
}

/** Sets an entry's first due time at start (or when added later); `intervalStart` decides the interval's clock. */
export function setFirstDue (entry: Entry, wall: number, intervalStart: (name: string, seconds: number) => { due: number, wall: boolean }): void {
  if (entry.kind === 'cron') { entry.due = nextCron(entry.schedule, wall); return }
  const start = intervalStart(entry.name, entry.seconds)
  entry.wall = start.wall
  entry.due = start.due
}
