import { Counter, Gauge, type Registry } from 'prom-client'

/** The wforce blacklist's figures (src/blacklist WforceBlacklist.figures()). */
export interface BlacklistMetricFigures {
  /** Decisions by result: queued, duplicate, skipped_never, skipped_shared, skipped_cap, dry_run, refused. */
  readonly decisions: Readonly<Record<string, number>>
  /** Per wforce instance: entries it accepted, entries it never got. */
  readonly added: number
  readonly failed: number
  readonly outages: number
  readonly queued: number
}

/** Registers the blacklist's metrics; values are read from `read()` at scrape time. */
export function registerBlacklistMetrics (registry: Registry, read: () => BlacklistMetricFigures): void {
  new Counter({
    name: 'trackalert_wforce_blacklist_total',
    help: 'wforce blacklist requests by result (added and failed count per wforce instance)',
    labelNames: ['result'],
    registers: [registry],
    collect () {
      // The blacklist keeps the monotonic counts; the counter copies them.
      this.reset()
      const f = read()
      for (const [result, n] of Object.entries(f.decisions)) this.inc({ result }, n)
      this.inc({ result: 'added' }, f.added)
      this.inc({ result: 'failed' }, f.failed)
    }
  })
  new Counter({
    name: 'trackalert_wforce_outages_total',
    help: 'Times a wforce instance became unreachable for blacklist requests',
    registers: [registry],
    collect () { this.reset(); this.inc(read().outages) }
  })
  new Gauge({
    name: 'trackalert_wforce_blacklist_queue_size',
    help: 'wforce blacklist entries waiting for delivery (queued, backing off or on the wire)',
    registers: [registry],
    collect () { this.set(read().queued) }
  })
}
