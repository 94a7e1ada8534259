/**
 * The alert contract shared by the alert hub, its routes and other listeners (the wforce blacklist).
 * An alert is a detection (a policy `Finding` or a Lua-raised alert) after the hub accepted it: it has
 * a daemon-wide id, passed de-duplication, and was stored.
 */

export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical'

export interface Alert {
  /** Daemon-wide, increasing: one hub per daemon assigns them. */
  readonly id: number
  /** A policy name, 'risky_login', or a Lua-defined type. */
  readonly type: string
  readonly severity: AlertSeverity
  /** Null for IP-level findings. */
  readonly login: string | null
  /** An IP ("192.0.2.7") or a prefix in CIDR ("192.0.2.0/24"). */
  readonly remote: string | null
  /** Event time, seconds. */
  readonly t: number
  readonly risk?: number
  /** `evidence.shared === true`: the source looks like a shared address (NAT). */
  readonly evidence: Readonly<Record<string, unknown>>
  /** Alerts of the same key suppressed by rate limiting since the previous one. */
  readonly suppressed: number
}

/** Something that acts on alerts after they are accepted (de-duplicated, stored): routes, the wforce blacklist. */
export interface AlertListener { onAlert (alert: Alert): void }
