import { type WrkResult } from './wrk.ts'

/** One measured wrk run against one server, with that server's CPU use during the run. */
export interface MeasuredRun extends WrkResult {
  /** User + system CPU seconds the server process used during the run. */
  readonly cpuSeconds: number
  /** wrk's CPU seconds during the run. */
  readonly wrkCpuSeconds: number
  /** Cores used by this scenario's other processes (the idle server, the webhook receiver). */
  readonly helperCores: number
  /** Busy cores on the machine not accounted for by the bench's own processes: other people's work. */
  readonly otherCores: number
}

export interface TargetSummary {
  readonly runs: MeasuredRun[]
  readonly median: { rps: number, p50: number, p99: number, cpuCores: number, cpuUsPerRequest: number, wrkCores: number, otherCores: number }
  readonly peakRssMiB: number
}

export interface ScenarioResult {
  readonly name: string
  readonly description: string
  readonly status: 'ok' | 'skipped' | 'failed'
  readonly skipReason?: string
  readonly notes: string[]
  readonly trackalert?: TargetSummary
  readonly bare?: TargetSummary
  /** trackalert / bare: throughput (higher is better) and p99 latency (lower is better). */
  readonly ratio?: { rps: number, p99: number }
  readonly facts?: Record<string, number>
}

export function median (values: readonly number[]): number {
  if (values.length === 0) return 0
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] ?? 0 : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

export function summarise (runs: MeasuredRun[], peakRssMiB: number): TargetSummary {
  return {
    runs,
    median: {
      rps: median(runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      cpuCores: median(runs.map((r) => r.cpuSeconds / r.seconds)),
      cpuUsPerRequest: median(runs.map((r) => r.requests > 0 ? r.cpuSeconds * 1e6 / r.requests : 0)),
      wrkCores: median(runs.map((r) => r.wrkCpuSeconds / r.seconds)),
      otherCores: median(runs.map((r) => r.otherCores))
    },
    peakRssMiB
  }
}

const COLUMNS = ['scenario', 'TA req/s', 'bare req/s', 'ratio', 'TA p50', 'TA p99', 'bare p50', 'bare p99', 'p99 ratio', 'TA CPU', 'TA µs/req', 'bare µs/req', 'TA RSS']

function row (r: ScenarioResult): string[] {
  const t = r.trackalert
  const b = r.bare
  if (r.status !== 'ok' || t === undefined || b === undefined || r.ratio === undefined) return [r.name, `${r.status}: ${r.skipReason ?? ''}`]
  const ms = (v: number): string => `${v.toFixed(2)} ms`
  return [
    r.name,
    t.median.rps.toFixed(0),
    b.median.rps.toFixed(0),
    r.ratio.rps.toFixed(2),
    ms(t.median.p50),
    ms(t.median.p99),
    ms(b.median.p50),
    ms(b.median.p99),
    r.ratio.p99.toFixed(2),
    `${t.median.cpuCores.toFixed(2)} cores`,
    t.median.cpuUsPerRequest.toFixed(0),
    b.median.cpuUsPerRequest.toFixed(0),
    `${t.peakRssMiB.toFixed(0)} MiB`
  ]
}

/** A fixed-width text table; skipped scenarios get one wide cell with the reason. */
export function formatTable (results: readonly ScenarioResult[]): string {
  const rows = results.map(row)
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.filter((r) => r.length > 2).map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')
  const out = [line(COLUMNS), widths.map((w) => '-'.repeat(w)).join('  ')]
  for (const r of rows) out.push(r.length > 2 ? line(r) : `${(r[0] ?? '').padEnd(widths[0] ?? 0)}  ${r[1] ?? ''}`)
  return out.join('\n')
}
