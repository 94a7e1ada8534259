/**
 * Builds the policies' `LoginFacts` for one report from the login history. The report is not stored
 * yet: `profile` and `risk` are history before it (as the contract wants), and the report is added to
 * each window here, so the report that crosses a threshold raises the finding. Only the windows the
 * enabled policies ask for (`PolicyEngine.requirements()`) are read.
 */
import type { HistoryReader } from '../history/reader.ts'
import type { FeatureKind, FeatureStat, LoginProfile as StoredProfile, SourceScope } from '../history/types.ts'
import type {
  AttackerFinding, FactsRequirements, LoginFacts, LoginWindow, Place, ReportFacts, RiskFacts, RiskFeatureFacts, SeenValue, SourceWindow
} from '../policies/index.ts'

/** Windows are (t − w, t]: the store's are half-open [since, until), at millisecond precision. */
const MS = 0.001

const seen = (f: FeatureStat): SeenValue => ({ value: f.value, first_seen: f.firstSeen, last_seen: f.lastSeen, successes: f.successes, failures: f.failures })

function place (lat: number | null, lon: number | null, accuracyKm: number | null): Place | null {
  return lat === null || lon === null ? null : { lat, lon, accuracy_km: accuracyKm }
}

/** The source's windows, read together (one scan of the network's reports for all of them). */
async function sourceWindows (reader: HistoryReader, report: ReportFacts, scope: SourceScope, key: string, windowsS: readonly number[]): Promise<SourceWindow[]> {
  const until = report.t + MS
  const sinces = windowsS.map((w) => report.t - w + MS)
  const [windows, own] = await Promise.all([
    reader.sourceWindows(scope, key, sinces, until),
    Promise.all(sinces.map((since) => reader.loginAtSource(scope, key, report.login, since, until)))
  ])
  const fail = report.success ? 0 : 1
  return windows.map((w, i) => ({
    window_s: windowsS[i],
    failures: w.failures + fail,
    successes: w.successes + 1 - fail,
    failing_logins: w.failingLogins + (fail === 1 && own[i].failures === 0 ? 1 : 0),
    succeeding_logins: w.succeedingLogins + (fail === 0 && own[i].successes === 0 ? 1 : 0),
    max_failures_per_login: Math.max(w.maxFailuresPerLogin, own[i].failures + fail)
  }))
}

async function loginWindow (reader: HistoryReader, report: ReportFacts, windowS: number): Promise<LoginWindow> {
  const since = report.t - windowS + MS
  const until = report.t + MS
  const [w, own] = await Promise.all([reader.loginWindow(report.login, since, until), reader.loginAtSource('ip', report.remote, report.login, since, until)])
  const fail = report.success ? 0 : 1
  return {
    window_s: windowS,
    failures: w.failures + fail,
    successes: w.successes + 1 - fail,
    failing_ips: w.distinctFailingRemotes + (fail === 1 && own.failures === 0 ? 1 : 0)
  }
}

const RISK_KINDS: ReadonlyArray<[RiskFeatureFacts['feature'], FeatureKind]> = [['prefix', 'prefix'], ['country', 'country'], ['device', 'device']]

/**
 * The risk model's inputs. The login side comes from the profile already read; the global side is two
 * point reads per feature. IP and ASN are left out (value null): history keeps no per-login IP or ASN rows.
 */
async function riskFacts (reader: HistoryReader, report: ReportFacts, profile: StoredProfile, distinct: DistinctValues): Promise<RiskFacts> {
  const lists: Record<FeatureKind, readonly FeatureStat[]> = { prefix: profile.prefixes, country: profile.countries, device: profile.devices }
  const values: Record<FeatureKind, string | null> = { prefix: report.prefix, country: report.country, device: report.device }
  const totals = await reader.globalTotals()
  const features = await Promise.all(RISK_KINDS.map(async ([feature, kind]): Promise<RiskFeatureFacts> => {
    const value = values[kind]
    const list = lists[kind]
    const global = value === null ? null : await reader.globalFeature(kind, value)
    return {
      feature,
      value,
      login_count: list.find((f) => f.value === value)?.successes ?? 0,
      login_total: list.reduce((sum, f) => sum + f.successes, 0),
      login_distinct: list.filter((f) => f.successes > 0).length,
      global_count: global?.successes ?? 0,
      global_total: totals.successes,
      global_distinct: await distinct(kind, totals.successes + totals.failures),
      global_failures: global?.failures ?? 0,
      global_failures_total: totals.failures
    }
  }))
  return { features: [{ feature: 'ip', value: null, login_count: 0, login_total: 0, login_distinct: 0, global_count: 0, global_total: 0, global_distinct: 0, global_failures: 0, global_failures_total: 0 }, ...features] }
}

/**
 * Distinct values of a kind globally; a cached count (it costs a scan). `reports` is the store's report
 * count now, so the cache can tell a store that grew since the count was taken.
 */
export type DistinctValues = (kind: FeatureKind, reports: number) => number | Promise<number>

export async function readFacts (
  reader: HistoryReader, report: ReportFacts, needs: FactsRequirements, attackers: AttackerFinding[], distinct: DistinctValues
): Promise<LoginFacts> {
  const stored = await reader.profile(report.login)
  const ls = stored.lastSuccess
  const [ip, prefix, login, risk] = await Promise.all([
    sourceWindows(reader, report, 'ip', report.remote, needs.ip_windows_s),
    report.prefix === null ? [] : sourceWindows(reader, report, 'prefix', report.prefix, needs.prefix_windows_s),
    Promise.all(needs.login_windows_s.map((w) => loginWindow(reader, report, w))),
    needs.risk && report.success ? riskFacts(reader, report, stored, distinct) : null
  ])
  return {
    report,
    profile: {
      first_seen: stored.totals?.firstSeen ?? null,
      successes: stored.totals?.successes ?? 0,
      devices: stored.devices.map(seen),
      countries: stored.countries.map(seen),
      last_success: ls === null ? null : { t: ls.t, remote: ls.remote, country: ls.country, location: place(ls.lat, ls.lon, ls.accuracyKm) }
    },
    windows: { ip, prefix, login },
    attacker_findings: attackers,
    risk
  }
}
