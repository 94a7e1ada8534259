import { tryParseDuration } from '../scheduler/index.ts'
import { TrackalertError } from '../errors.ts'

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 }

/**
 * Seconds for an alert option's duration: a number of seconds, "90s", "15m", "1h", "30d", or the
 * daemon's h[h][:mm][:ss] form ("00:30:00"). A bare "24" is hours there, so it is not accepted here.
 */
export function alertDuration (value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value
  if (typeof value === 'string') {
    const unit = /^(\d+(?:\.\d+)?)([smhd])$/.exec(value)
    if (unit !== null && Number(unit[1]) > 0) return Number(unit[1]) * UNITS[unit[2]]
    const clock = value.includes(':') ? tryParseDuration(value) : undefined
    if (clock !== undefined && clock > 0) return clock
  }
  throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${what}: expected a duration such as 3600, "90s", "15m", "1h", "30d" or "01:00:00", got ${JSON.stringify(value)}`)
}
