/**
 * Rows as both history backends read them back (the same column names in SQLite and PostgreSQL) and
 * their mapping to the store's records. The backends differ only in how a time is stored — SQLite
 * keeps epoch milliseconds, PostgreSQL's queries return epoch seconds — so the mapping takes that
 * conversion, and SQLite's 0/1 success column is read as a boolean like PostgreSQL's.
 */
import { type FeatureStat, type LastSuccess, type LoginTotals, type SourceWindow, type StoredReport } from './types.ts'

export interface FeatureRow { value: string, first_seen: number, last_seen: number, successes: number, failures: number }
export interface LoginRow {
  first_seen: number, last_seen: number, successes: number, failures: number, ls_t: number | null, ls_remote: string | null,
  ls_prefix: string | null, ls_country: string | null, ls_city: string | null, ls_lat: number | null, ls_lon: number | null,
  ls_accuracy_km: number | null, ls_device: string | null
}
export interface ReportRow {
  t: number, success: boolean | number, fail_type: string | null, protocol: string, remote: string, prefix: string, country: string | null,
  city: string | null, lat: number | null, lon: number | null, accuracy_km: number | null, device: string | null, risk: number | null
}
export interface SourceRow {
  key: string, attempts: number, successes: number, distinct_logins: number, max_per_login: number, failing_logins: number | null,
  succeeding_logins: number | null, max_failures_per_login: number | null, first_seen: number | null, last_seen: number | null
}

/** A stored time as the backend returns it → seconds since the epoch. */
export type StoredTime = (stored: number) => number

export interface RowMapping {
  featureStat (r: FeatureRow): FeatureStat
  totals (r: LoginRow): LoginTotals
  /** Null when the login never succeeded. */
  lastSuccess (r: LoginRow): LastSuccess | null
  report (r: ReportRow): StoredReport
  /** A source with no reports in the window (no row) counts zero everywhere. */
  sourceWindow (key: string, r: SourceRow | undefined): SourceWindow
}

export function rowMapping (time: StoredTime): RowMapping {
  const timeOrZero = (stored: number | null | undefined): number => stored === null || stored === undefined ? 0 : time(stored)
  return {
    featureStat: (r) => ({ value: r.value, firstSeen: time(r.first_seen), lastSeen: time(r.last_seen), successes: r.successes, failures: r.failures }),
    totals: (r) => ({ firstSeen: time(r.first_seen), lastSeen: time(r.last_seen), successes: r.successes, failures: r.failures }),
    lastSuccess: (r) => r.ls_t === null
      ? null
      : {
          t: time(r.ls_t), remote: r.ls_remote ?? '', prefix: r.ls_prefix ?? '', country: r.ls_country, city: r.ls_city,
          lat: r.ls_lat, lon: r.ls_lon, accuracyKm: r.ls_accuracy_km, device: r.ls_device
        },
    report: (r) => ({
      t: time(r.t), success: r.success === true || r.success === 1, failType: r.fail_type, protocol: r.protocol, remote: r.remote, prefix: r.prefix,
      country: r.country, city: r.city, lat: r.lat, lon: r.lon, accuracyKm: r.accuracy_km, device: r.device, risk: r.risk
    }),
    sourceWindow: (key, r) => ({
      key,
      attempts: r?.attempts ?? 0,
      successes: r?.successes ?? 0,
      failures: (r?.attempts ?? 0) - (r?.successes ?? 0),
      distinctLogins: r?.distinct_logins ?? 0,
      maxPerLogin: r?.max_per_login ?? 0,
      failingLogins: r?.failing_logins ?? 0,
      succeedingLogins: r?.succeeding_logins ?? 0,
      maxFailuresPerLogin: r?.max_failures_per_login ?? 0,
      firstSeen: timeOrZero(r?.first_seen),
      lastSeen: timeOrZero(r?.last_seen)
    })
  }
}
