import { PERF_BOUNDS_MS } from './constants.ts'

/** Wait-to-work buckets: time a request queued before a handler (a free Lua state) picked it up. */
export const WTW_NAMES = ['WTW_0_1', 'WTW_1_10', 'WTW_10_100', 'WTW_100_1000', 'WTW_Slow'] as const
/** Wait-to-run buckets: time the handler itself took. */
export const WTR_NAMES = ['WTR_0_1', 'WTR_1_10', 'WTR_10_100', 'WTR_100_1000', 'WTR_Slow'] as const

/** Every perf stat in the order `stats`, `showPerfStats()` and the periodic log print them. */
export const PERF_STAT_NAMES = [...WTW_NAMES, ...WTR_NAMES] as const

export type PerfStatName = (typeof PERF_STAT_NAMES)[number]
export type PerfStats = Record<PerfStatName, number>

/** Index into WTW_NAMES / WTR_NAMES: ≤1 ms → 0, ≤10 → 1, ≤100 → 2, ≤1000 → 3, above → 4. */
export function perfBucket (ms: number): number {
  for (let i = 0; i < PERF_BOUNDS_MS.length; i++) {
    if (ms <= PERF_BOUNDS_MS[i]) return i
  }
  return PERF_BOUNDS_MS.length
}

/**
 * Durations come from clock differences, which can be negative after a clock step or NaN from a
 * caller bug; both would otherwise make prom-client throw on the request path. Clamp to [0, 1 day].
 */
export function sanitizeMs (ms: number): number {
  if (!(ms > 0)) return 0
  return ms < 86_400_000 ? ms : 86_400_000
}

export function emptyPerfStats (): PerfStats {
  const stats = {} as PerfStats
  for (const name of PERF_STAT_NAMES) stats[name] = 0
  return stats
}
