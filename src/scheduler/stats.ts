/** Outcome of one scheduled time: the function ran and resolved, ran and failed, or was not started. */
export type RunResult = 'ok' | 'error' | 'skipped'

/** Per-function figures; plain data so a worker can send it to the process that renders or sums it. */
export interface BackgroundFuncStats {
  name: string
  /** Human-readable schedules, e.g. `cron "0 0 1 * *"`, `every 00:30:00`. */
  schedules: string[]
  ok: number
  error: number
  skipped: number
  /** Wall-clock start of the most recent run (epoch ms), null if it never ran. */
  lastRunMs: number | null
  /** Result of the most recent completed run; skips are counted but do not replace it. */
  lastResult: 'ok' | 'error' | null
  lastDurationMs: number | null
  lastError: string | null
  state: 'idle' | 'queued' | 'running'
}

/** A fresh, never-run record. */
export function emptyStats (name: string): BackgroundFuncStats {
  return {
    name, schedules: [], ok: 0, error: 0, skipped: 0,
    lastRunMs: null, lastResult: null, lastDurationMs: null, lastError: null, state: 'idle'
  }
}

/** Books a finished run: `errorMessage` undefined means it succeeded. */
export function recordFinished (stats: BackgroundFuncStats, durationMs: number, errorMessage: string | undefined): void {
  stats.state = 'idle'
  stats.lastDurationMs = durationMs
  if (errorMessage === undefined) {
    stats.ok++
    stats.lastResult = 'ok'
    stats.lastError = null
  } else {
    stats.error++
    stats.lastResult = 'error'
    stats.lastError = errorMessage
  }
}

const HEADERS = ['Name', 'Schedule', 'OK', 'Errors', 'Skipped', 'Last run', 'Last result'] as const

/** The `showBackgroundFuncs()` console table: one row per function, columns padded to fit. */
export function formatBackgroundFuncs (stats: readonly BackgroundFuncStats[]): string {
  const rows: string[][] = [HEADERS.slice()]
  for (const s of stats) {
    rows.push([
      s.name,
      s.schedules.join('; '),
      String(s.ok),
      String(s.error),
      String(s.skipped),
      s.lastRunMs === null ? '-' : new Date(s.lastRunMs).toISOString(),
      s.state === 'idle' ? (s.lastResult ?? '-') : s.state
    ])
  }
  const widths = HEADERS.map((_, col) => Math.max(...rows.map(row => row[col]?.length ?? 0)))
  return rows
    .map(row => row.map((cell, col) => col === row.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)).join('  '))
    .join('\n') + '\n'
}
