import { PERF_STAT_NAMES } from './perf.ts'
import { type StatsSnapshot } from './snapshot.ts'

// Text for the console commands. They take a snapshot, not the live object, so the same code
// renders a single process or the sum over cluster workers. Lines are joined without a trailing
// newline; the console adds its own.

/** `stats()`: `N reports`. */
export function statsText (snap: StatsSnapshot): string {
  return `${snap.reports} reports`
}

/** `showPerfStats()`: `WTW_0_1=N` … `WTR_Slow=N`, one per line, in bucket order. */
export function showPerfStatsText (snap: StatsSnapshot): string {
  return PERF_STAT_NAMES.map(name => `${name}=${snap.perfstats[name]}`).join('\n')
}

/** `showCommandStats()`: `name=N` per line, sorted by name. */
export function showCommandStatsText (snap: StatsSnapshot): string {
  return namedLines(snap.commandstats)
}

/** `showCustomStats()`: `name=N` per line, sorted by name. */
export function showCustomStatsText (snap: StatsSnapshot): string {
  return namedLines(snap.customstats)
}

/** `a=1 b=2`, sorted by name; the building block of the periodic log lines. */
export function namedPairs (values: Readonly<Record<string, number>>, separator = ' '): string {
  return Object.keys(values).sort().map(name => `${name}=${values[name]}`).join(separator)
}

function namedLines (values: Readonly<Record<string, number>>): string {
  return namedPairs(values, '\n')
}
