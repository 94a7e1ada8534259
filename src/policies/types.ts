/**
 * The input of the detection policies: what the login history knows about one report's login, IP and
 * prefix at the report's event time. Policies are pure functions of these facts, so a replay of a day
 * of reports gives the same findings as real time, and any store that can answer these questions
 * (SQLite, PostgreSQL, an in-memory test fixture) can feed them.
 *
 * Time is always event time in seconds (`lt.t`, else the arrival time), never the wall clock.
 * Contract on the current report:
 * - `profile` and `risk` describe the history BEFORE the current report (the report itself is not yet
 *   counted): "is this device new" must not be answered by the report being judged.
 * - `windows` INCLUDE the current report: an aggregate over (t - window_s, t], so the report that
 *   crosses a threshold is the one that raises the finding.
 * Each field names the history query that answers it (see docs/policies.md, "Facts").
 */

/** Names of the built-in policies (part of the configuration contract). */
export const policyNames = [
  'new_device',
  'new_country',
  'impossible_travel',
  'compromise_after_failures',
  'compromised_by_attacker',
  'password_spray',
  'credential_stuffing',
  'distributed_account_attack',
  'risky_login'
] as const
export type PolicyName = (typeof policyNames)[number]

export const severities = ['low', 'medium', 'high', 'critical'] as const
export type Severity = (typeof severities)[number]

/** A place from the geo database; `accuracy_km` is the radius it may be off by (null: not given). */
export interface Place {
  lat: number
  lon: number
  accuracy_km: number | null
}

/** The report being judged. Answered by the report itself plus the geo and device lookups. */
export interface ReportFacts {
  t: number
  login: string
  remote: string
  /** The remote's network: /24 for IPv4, /56 for IPv6 (history's `prefix`); null if unknown. */
  prefix: string | null
  success: boolean
  /** Device family (browser+os family, IMAP client, app), never a version; null when unknown. */
  device: string | null
  /** ISO 3166-1 alpha-2 country code; null when the geo database does not know the address. */
  country: string | null
  location: Place | null
}

/** One known value of a login's profile (history profile entry: devices, countries, prefixes). */
export interface SeenValue {
  value: string
  first_seen: number
  last_seen: number
  successes: number
  failures: number
}

/** The login's last successful login (history profile `last_success`). */
export interface LastSuccess {
  t: number
  remote: string
  country: string | null
  location: Place | null
}

/** The login's profile before this report (history profile read for `report.login`). */
export interface LoginProfile {
  /** Event time of the login's first recorded report (any outcome); null for a login never seen. */
  first_seen: number | null
  /** Successful logins recorded for the login. */
  successes: number
  devices: SeenValue[]
  countries: SeenValue[]
  last_success: LastSuccess | null
}

/**
 * Aggregates over one source (an IP or a prefix) in (t - window_s, t], current report included.
 * Answered by the history window aggregate for the IP / the prefix (reports grouped by login).
 */
export interface SourceWindow {
  window_s: number
  failures: number
  successes: number
  /** Distinct logins with at least one failure from the source. */
  failing_logins: number
  /** Distinct logins with at least one success from the source. */
  succeeding_logins: number
  /** The largest number of failures of one login from the source. */
  max_failures_per_login: number
}

/**
 * Aggregates over one login in (t - window_s, t], current report included, from every source.
 * Answered by the history window aggregate for the login (its recent reports).
 */
export interface LoginWindow {
  window_s: number
  failures: number
  successes: number
  /** Distinct remote IPs with at least one failure for the login. */
  failing_ips: number
}

/** The source-level finding types that make a later success from the same source suspect. */
export type AttackerFindingType = 'password_spray' | 'credential_stuffing'

/**
 * An IP- or prefix-level finding already raised against the report's IP or prefix (from the alert
 * store: findings of these types whose key is `report.remote` or `report.prefix`, newest first, with
 * t ≥ report.t - `FactsRequirements.attacker_findings_s`).
 */
export interface AttackerFinding {
  type: AttackerFindingType
  scope: 'ip' | 'prefix'
  key: string
  t: number
}

export const riskFeatures = ['ip', 'prefix', 'asn', 'country', 'device'] as const
export type RiskFeature = (typeof riskFeatures)[number]

/**
 * One feature of the risk model for the current report's value. Counts are of successful logins
 * before this report: `login_*` of this login, `global_*` of every login (the attacker model).
 * Answered by the login's profile entries for the feature (login_count: the value's entry, login_total
 * and login_distinct: over all its entries) and by global per-value counters of successful logins
 * (global_count, global_total, global_distinct).
 */
export interface RiskFeatureFacts {
  feature: RiskFeature
  /** The current report's value; null when unknown (the feature is then left out). */
  value: string | null
  /** Successful logins of this login with this value. */
  login_count: number
  /** Successful logins of this login with any known value of the feature. */
  login_total: number
  /** Distinct values of the feature among this login's successful logins. */
  login_distinct: number
  global_count: number
  global_total: number
  /** Distinct values of the feature seen globally. */
  global_distinct: number
  /** Failed logins (of any login) with this value, and failed logins in all: the value's reputation. */
  global_failures: number
  global_failures_total: number
}

export interface RiskFacts {
  features: RiskFeatureFacts[]
}

/** Everything the policies need about one report. */
export interface LoginFacts {
  report: ReportFacts
  profile: LoginProfile
  windows: {
    ip: SourceWindow[]
    prefix: SourceWindow[]
    login: LoginWindow[]
  }
  attacker_findings: AttackerFinding[]
  /** Null when the history cannot compute risk inputs (no global counters); risk is then not scored. */
  risk: RiskFacts | null
}

/** The queries the enabled policies need answered, so a store fetches exactly these windows. */
export interface FactsRequirements {
  ip_windows_s: number[]
  prefix_windows_s: number[]
  login_windows_s: number[]
  /** How far back attacker findings are needed (0: not needed). */
  attacker_findings_s: number
  risk: boolean
}

/** A detection. Alert ids, de-duplication and routing are added by the alert layer. */
export interface Finding {
  type: PolicyName
  severity: Severity
  /** Null for IP-level findings (spray, stuffing). */
  login: string | null
  remote: string
  t: number
  risk?: number
  evidence: Record<string, unknown>
}
