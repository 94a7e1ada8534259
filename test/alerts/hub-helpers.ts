import { Registry } from 'prom-client'
import { AlertHub, MemoryAlertStore, registerAlertMetrics, type AlertBounds, type AlertInput } from '../../src/alerts/index.ts'

export const T0 = 1_700_000_000

/** A hub over a real in-memory store and real metrics in a registry of its own. */
export function hubUnderTest (bounds?: AlertBounds): { hub: AlertHub, store: MemoryAlertStore, registry: Registry } {
  const registry = new Registry()
  const store = new MemoryAlertStore(bounds)
  const hub = new AlertHub({ store, metrics: registerAlertMetrics(registry) })
  return { hub, store, registry }
}

export function input (fields: Partial<AlertInput> = {}): AlertInput {
  return { type: 'new_device', severity: 'medium', login: 'alice', remote: '192.0.2.7', t: T0, evidence: {}, ...fields }
}

/** A metric's value for `labels` (0 when the series does not exist). */
export async function metricValue (registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  const match = metric?.values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
  return match?.value ?? 0
}
