/**
 * The backend-neutral login-history store. SQLite answers synchronously, PostgreSQL with promises:
 * every read returns `Awaitable<T>` and callers handle both (a Lua host call then either pushes
 * its result at once or yields until the promise settles).
 *
 * Times are event times in seconds since the epoch (`lt.t`, fractional allowed); a backend may
 * store them at millisecond precision. Windows are half-open: `since <= t < until`.
 */
export type Awaitable<T> = T | Promise<T>

/** One accepted report as history keeps it. Never the password hash. */
export interface HistoryRecord {
  readonly t: number
  readonly login: string
  readonly success: boolean
  /** wforce's fail_type, or null when none was sent. */
  readonly failType: string | null
  /** '' when the client sent none. */
  readonly protocol: string
  /** The remote address in canonical text form (IPv4-mapped IPv6 unmapped). */
  readonly remote: string
  /** The network: /24 for IPv4, /56 for IPv6, e.g. "192.0.2.0/24". */
  readonly prefix: string
  /** ISO 3166-1 alpha-2 code, or null when unknown. */
  readonly country: string | null
  readonly city: string | null
  readonly lat: number | null
  readonly lon: number | null
  /** Radius of the location's uncertainty in km, null when the database gives none. */
  readonly accuracyKm: number | null
  /** Family only, never versions: "Chrome/Windows", "imap:Thunderbird", "app:MyBank/iOS". */
  readonly device: string | null
  /** A per-login risk score when one was computed for the report (built-in policies), else null. */
  readonly risk: number | null
}

/** A stored report as read back (the login is the one asked for). */
export type StoredReport = Omit<HistoryRecord, 'login'>

/** The per-login facts a profile keeps one row per distinct value of. */
export type FeatureKind = 'device' | 'country' | 'prefix'
export const FEATURE_KINDS: readonly FeatureKind[] = ['device', 'country', 'prefix']

/** A report's value of one feature kind (null: unknown, e.g. no location). */
export function featureValue (r: Pick<HistoryRecord, 'device' | 'country' | 'prefix'>, kind: FeatureKind): string | null {
  return kind === 'device' ? r.device : kind === 'country' ? r.country : r.prefix
}

export interface FeatureStat {
  readonly value: string
  readonly firstSeen: number
  readonly lastSeen: number
  readonly successes: number
  readonly failures: number
}

/** Where and when the login last succeeded: those fields of the report that succeeded. */
export type LastSuccess = Pick<HistoryRecord, 't' | 'remote' | 'prefix' | 'country' | 'city' | 'lat' | 'lon' | 'accuracyKm' | 'device'>

/** Totals of one login over everything retained (learning periods, cold starts). */
export interface LoginTotals {
  readonly firstSeen: number
  readonly lastSeen: number
  readonly successes: number
  readonly failures: number
}

export interface LoginProfile {
  readonly totals: LoginTotals | null
  readonly countries: readonly FeatureStat[]
  readonly devices: readonly FeatureStat[]
  readonly prefixes: readonly FeatureStat[]
  readonly lastSuccess: LastSuccess | null
}

/** One login's activity in a window (failure bursts, distributed attacks on one account). */
export interface LoginWindow {
  readonly successes: number
  readonly failures: number
  /** Distinct remote addresses among all reports / among failed ones. */
  readonly distinctRemotes: number
  readonly distinctFailingRemotes: number
}

/** Aggregates are kept per source address and per source network. */
export type SourceScope = 'ip' | 'prefix'

/** One source's activity in a window (password spraying, credential stuffing). */
export interface SourceWindow {
  /** The address or prefix text. */
  readonly key: string
  readonly successes: number
  readonly failures: number
  /** successes + failures. */
  readonly attempts: number
  readonly distinctLogins: number
  /** The most attempts any one login made from this source in the window. */
  readonly maxPerLogin: number
  /** Distinct logins with at least one failure / at least one success from this source. */
  readonly failingLogins: number
  readonly succeedingLogins: number
  /** The most failures any one login had from this source in the window (spray vs brute force). */
  readonly maxFailuresPerLogin: number
  readonly firstSeen: number
  readonly lastSeen: number
}

/** One login's reports from one source in a window (whether the login is already counted there). */
export interface LoginAtSource {
  readonly successes: number
  readonly failures: number
}

export type SourceOrder = 'failures' | 'attempts' | 'distinct_logins'

/** What an activity series counts: every report, one source (address or network), or one login. */
export type ActivityScope = 'all' | SourceScope | 'login'

/** One time bucket of an activity series: `[t, t + step)`. */
export interface ActivityBucket {
  readonly t: number
  readonly successes: number
  readonly failures: number
  readonly distinctLogins: number
}

/** How often a feature value occurs across every login (risk scoring). */
export interface GlobalFeature {
  readonly logins: number
  readonly successes: number
  readonly failures: number
}

export interface GlobalTotals {
  readonly logins: number
  readonly successes: number
  readonly failures: number
}

/**
 * The storage contract each backend implements. Writes come in batches from the process's
 * HistoryWriter (one transaction per batch); a backend never sees single-report writes.
 */
/** One retention step: rows removed, and whether retention has nothing more to do for this cut-off. */
export interface PruneStep {
  readonly removed: number
  readonly done: boolean
}

export interface HistoryStore {
  readonly backend: 'sqlite' | 'postgres'
  /** For messages: the file path or the URL without its password. */
  readonly location: string
  /** Appends the reports and updates profiles, totals and global frequencies, atomically. */
  /**
   * Writes one batch in one transaction. `wait` false (a background commit): a store that would
   * block the process waiting for another writer fails with a busy error instead, and the writer
   * tries again shortly.
   */
  writeBatch (records: readonly HistoryRecord[], wait?: boolean): Awaitable<void>
  /**
   * Called by the writer in the same turn as it settles a batch (committed, dropped or queued
   * again) in its queue index: a store whose reads merge that index and hold their snapshot while
   * a batch is in flight lets them see the commit now.
   */
  afterBatch? (): void
  /** One profile row, or null when the login never had this value. */
  feature (login: string, kind: FeatureKind, value: string): Awaitable<FeatureStat | null>
  totals (login: string): Awaitable<LoginTotals | null>
  profile (login: string): Awaitable<LoginProfile>
  lastSuccess (login: string): Awaitable<LastSuccess | null>
  /** Newest first, at most `limit`. */
  recentReports (login: string, limit: number): Awaitable<StoredReport[]>
  loginWindow (login: string, since: number, until: number): Awaitable<LoginWindow>
  sourceWindow (scope: SourceScope, key: string, since: number, until: number): Awaitable<SourceWindow>
  /** Several windows of one source ending at `until` (one read where the backend can). */
  sourceWindows (scope: SourceScope, key: string, sinces: readonly number[], until: number): Awaitable<SourceWindow[]>
  /** One login's successes and failures from one source (an IP or a prefix) in the window. */
  loginAtSource (scope: SourceScope, key: string, login: string, since: number, until: number): Awaitable<LoginAtSource>
  /** The busiest sources in the window, best first by `order`. */
  topSources (scope: SourceScope, since: number, until: number, order: SourceOrder, limit: number): Awaitable<SourceWindow[]>
  globalFeature (kind: FeatureKind, value: string): Awaitable<GlobalFeature>
  globalTotals (): Awaitable<GlobalTotals>
  /**
   * Distinct values of a kind among every login's profiles (the risk model's smoothing). A count over
   * the kind's rows, not a point read: callers cache it (the detector refreshes it once a minute).
   */
  globalDistinct (kind: FeatureKind): Awaitable<number>

  /**
   * Reports per `step` seconds in the window, oldest first; buckets start at `since + k * step` and
   * only buckets with reports are returned. `key` is ignored for scope 'all'.
   */
  activity (scope: ActivityScope, key: string, since: number, until: number, step: number): Awaitable<ActivityBucket[]>
  /** The newest event time stored (seconds), null when empty: retention counts back from it. */
  newestEventTime (): Awaitable<number | null>
  /** Forgets everything about one login; resolves with the number of reports removed. */
  erase (login: string): Awaitable<number>
  /**
   * Retention, one bounded step: removes at most `limit` reports with t < before and a bounded
   * number of profile rows (logins, features) last seen before it, so a large backlog never blocks
   * the process for long. The caller repeats the step until it says it is done.
   */
  prune (before: number, limit: number): Awaitable<PruneStep>
  close (): Awaitable<void>
}
