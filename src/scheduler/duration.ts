import { TrackalertError } from '../errors.ts'

// h[h][:mm][:ss]: hours are unbounded in upstream (we cap at 6 digits to stay far from unsafe integers);
// minutes and seconds take one or two digits, as upstream's boost parser does, but must be 0-59.
const DURATION = /^(\d{1,6})(?::(\d{1,2})(?::(\d{1,2}))?)?$/

/** Seconds for a `h[h][:mm][:ss]` duration string, or undefined if it is not one. */
export function tryParseDuration (str: string): number | undefined {
  if (typeof str !== 'string') return undefined
  const match = DURATION.exec(str)
  if (match === null) return undefined
  const hours = Number(match[1])
  const minutes = match[2] === undefined ? 0 : Number(match[2])
  const seconds = match[3] === undefined ? 0 : Number(match[3])
  if (minutes > 59 || seconds > 59) return undefined
  return hours * 3600 + minutes * 60 + seconds
}

/**
 * Seconds for a `h[h][:mm][:ss]` duration string: "10" is 10 hours, "5:01" 5 hours 1 minute,
 * "00:00:01" one second. Anything else throws TA_ERR_SCHEDULE (upstream's durationToSeconds
 * logs and returns 0 instead, which silently turns a typo into "no time at all").
 */
export function parseDuration (str: string): number {
  const seconds = tryParseDuration(str)
  if (seconds === undefined) {
    throw new TrackalertError('TA_ERR_SCHEDULE',
      `invalid duration ${JSON.stringify(String(str))}: expected h[h][:mm][:ss], e.g. "24", "5:01" or "00:30:00"`)
  }
  return seconds
}

/** The canonical `hh:mm:ss` form, used when showing interval schedules. */
export function formatDuration (totalSeconds: number): string {
  const whole = Math.max(0, Math.floor(totalSeconds))
  const hours = Math.floor(whole / 3600)
  const minutes = Math.floor((whole % 3600) / 60)
  const seconds = whole % 60
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`
}
