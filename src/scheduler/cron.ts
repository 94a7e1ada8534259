import { Cron } from 'croner'
import { TrackalertError } from '../errors.ts'

/** A parsed five-field cron expression bound to a time zone (undefined: the process's local zone). */
export interface CronSchedule {
  readonly expression: string
  readonly timeZone: string | undefined
  /** The first matching minute strictly after `after`, or null if there is none. */
  next (after: Date): Date | null
}

/** Throws TA_ERR_SCHEDULE unless `tz` is an IANA time zone name this Node build knows. */
export function validateTimeZone (tz: string): string {
  if (typeof tz !== 'string' || tz.length === 0) {
    throw new TrackalertError('TA_ERR_SCHEDULE', `invalid time zone ${JSON.stringify(String(tz))}: expected an IANA name such as "Europe/Berlin"`)
  }
  try {
    // Intl is the zone database croner itself uses, so this accepts exactly what will work later.
    new Intl.DateTimeFormat('en-US', { timeZone: tz }).format(0)
  } catch {
    throw new TrackalertError('TA_ERR_SCHEDULE', `invalid time zone "${tz}": expected an IANA name such as "Europe/Berlin"`)
  }
  return tz
}

/**
 * Parses a standard cron expression: minute hour day-of-month month day-of-week, with lists, ranges and
 * steps. Day-of-month and day-of-week combine with OR when both are restricted (Vixie cron rule).
 * Throws TA_ERR_SCHEDULE naming the expression when it is malformed or can never fire.
 */
export function parseCron (expression: string, timeZone?: string): CronSchedule {
  if (typeof expression !== 'string') {
    throw new TrackalertError('TA_ERR_SCHEDULE', `invalid cron expression ${JSON.stringify(String(expression))}: not a string`)
  }
  if (timeZone !== undefined) validateTimeZone(timeZone)
  const fields = expression.trim().split(/\s+/)
  // croner would also take @nicknames and 6/7-field patterns; we only promise the classic five fields.
  if (fields.length !== 5 || fields[0] === '') {
    throw new TrackalertError('TA_ERR_SCHEDULE',
      `invalid cron expression "${expression}": expected five fields (minute hour day-of-month month day-of-week)`)
  }
  let cron: Cron
  try {
    cron = new Cron(fields.join(' '), { mode: '5-part', domAndDow: false, timezone: timeZone })
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, '') : String(err)
    throw new TrackalertError('TA_ERR_SCHEDULE', `invalid cron expression "${expression}": ${reason}`, { cause: err })
  }
  if (cron.nextRun(new Date()) === null) {
    throw new TrackalertError('TA_ERR_SCHEDULE', `invalid cron expression "${expression}": it never matches a date`)
  }
  return {
    expression,
    timeZone,
    next: (after: Date) => cron.nextRun(after)
  }
}

/** Pure helper: the next run of `expression` strictly after `after` in `timeZone` (default: local). */
export function nextRun (expression: string, after: Date, timeZone?: string): Date | null {
  return parseCron(expression, timeZone).next(after)
}
