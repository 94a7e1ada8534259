import { Counter, type Registry } from 'prom-client'

/** What the hub counts. */
export interface AlertMetrics {
  accepted (type: string, severity: string): void
  suppressed (type: string): void
  /** One delivery of an alert (a webhook, a mail, a digest) given up: never queued, or its retries ended. */
  undelivered (type: string): void
}

/** trackalert_alerts_total{type,severity} and trackalert_alerts_suppressed_total{type}, in the hub's process. */
export function registerAlertMetrics (registry: Registry): AlertMetrics {
  const accepted = new Counter({
    name: 'trackalert_alerts_total', help: 'Alerts accepted (stored and routed), by type and severity', labelNames: ['type', 'severity'], registers: [registry]
  })
  const suppressed = new Counter({
    name: 'trackalert_alerts_suppressed_total', help: 'Alerts suppressed by de-duplication (one per login or source and type per window)', labelNames: ['type'], registers: [registry]
  })
  const undelivered = new Counter({
    name: 'trackalert_alert_deliveries_dropped_total',
    help: 'Deliveries of an alert (webhook, mail, digest) given up: not queued, rejected, or retries exhausted (not those left for the next start)',
    labelNames: ['type'],
    registers: [registry]
  })
  return {
    accepted: (type, severity) => accepted.inc({ type, severity }),
    suppressed: (type) => suppressed.inc({ type }),
    undelivered: (type) => undelivered.inc({ type })
  }
}
