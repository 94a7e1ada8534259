import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { type WriterObserver } from './writer.ts'

const LAG_BUCKETS_SECONDS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5]

/**
 * The history writer's Prometheus series, registered once per process (the writer outlives
 * reloads). The queue depth and the commit interval are read at scrape time.
 */
export function historyMetrics (registry: Registry, depth: () => number, intervalMs: () => number): WriterObserver {
  const registers = [registry]
  new Gauge({
    name: 'trackalert_history_queue_depth', help: 'Reports waiting to be written to the history store', registers,
    collect () { this.set(depth()) }
  })
  // The longest over the worker processes: it bounds what a crash of any of them may lose.
  new Gauge({
    name: 'trackalert_history_commit_interval_seconds', help: 'How long reports now wait before their batch commits (commit_interval_ms, stretched under load)',
    registers, aggregator: 'max',
    collect () { this.set(intervalMs() / 1000) }
  })
  const commits = new Counter({ name: 'trackalert_history_commits_total', help: 'History batches committed', registers })
  const written = new Counter({ name: 'trackalert_history_reports_written_total', help: 'Reports written to the history store', registers })
  const dropped = new Counter({
    name: 'trackalert_history_dropped_total', help: 'Reports not recorded: queue full, or the store refused the write (disk full, database down)', labelNames: ['reason'], registers
  })
  const lag = new Histogram({
    name: 'trackalert_history_commit_lag_seconds', help: 'Time from a batch\'s oldest report being queued to its commit', buckets: LAG_BUCKETS_SECONDS, registers
  })
  dropped.inc({ reason: 'queue_full' }, 0)
  dropped.inc({ reason: 'write_failed' }, 0)
  return {
    committed (records, lagSeconds) {
      commits.inc()
      written.inc(records)
      lag.observe(lagSeconds)
    },
    dropped (records, reason) { dropped.inc({ reason }, records) }
  }
}
