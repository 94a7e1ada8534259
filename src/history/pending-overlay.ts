/**
 * Read-your-writes without a commit per read: the answer of a synchronous store (committed rows)
 * merged with the reports this process has queued but not written yet. Committing the queue before
 * each read that concerned it gave exact answers too, but with policies on nearly every report's
 * reads concerned the queue (its login, its network), so every report paid a whole commit.
 * Each function is exact: where a count depends on whether a login or address is already present
 * in the committed window, the caller passes a point read that tells.
 */
import {
  featureValue, type FeatureKind, type FeatureStat, type GlobalFeature, type HistoryRecord, type LastSuccess, type LoginAtSource, type LoginProfile, type LoginTotals,
  type LoginWindow, type SourceWindow, type StoredReport
} from './types.ts'

interface Counts { firstSeen: number, lastSeen: number, successes: number, failures: number }

function addTo (c: Counts, r: HistoryRecord): void {
  if (r.t < c.firstSeen) c.firstSeen = r.t
  if (r.t > c.lastSeen) c.lastSeen = r.t
  if (r.success) c.successes++
  else c.failures++
}

export function overlayTotals (stored: LoginTotals | null, pending: readonly HistoryRecord[]): LoginTotals | null {
  if (pending.length === 0) return stored
  const c: Counts = stored === null ? { firstSeen: Infinity, lastSeen: -Infinity, successes: 0, failures: 0 } : { ...stored }
  for (const r of pending) addTo(c, r)
  return c
}

export function overlayFeature (stored: FeatureStat | null, value: string, pending: readonly HistoryRecord[]): FeatureStat | null {
  const t = overlayTotals(stored, pending)
  return t === null ? null : { value, firstSeen: t.firstSeen, lastSeen: t.lastSeen, successes: t.successes, failures: t.failures }
}

/** The newest successful report wins, pending or stored (a stored one of the same time stays). */
export function overlayLastSuccess (stored: LastSuccess | null, pending: readonly HistoryRecord[]): LastSuccess | null {
  let best = stored
  for (const r of pending) {
    if (!r.success || (best !== null && r.t <= best.t)) continue
    best = { t: r.t, remote: r.remote, prefix: r.prefix, country: r.country, city: r.city, lat: r.lat, lon: r.lon, accuracyKm: r.accuracyKm, device: r.device }
  }
  return best
}

/** A profile list keeps its order: most recently seen first. */
function overlayList (stored: readonly FeatureStat[], kind: FeatureKind, pending: readonly HistoryRecord[]): readonly FeatureStat[] {
  const merged = new Map<string, FeatureStat>(stored.map((f) => [f.value, f]))
  let changed = false
  for (const r of pending) {
    const value = featureValue(r, kind)
    if (value === null) continue
    merged.set(value, overlayFeature(merged.get(value) ?? null, value, [r]) as FeatureStat)
    changed = true
  }
  return changed ? [...merged.values()].sort((a, b) => b.lastSeen - a.lastSeen || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)) : stored
}

export function overlayProfile (stored: LoginProfile, pending: readonly HistoryRecord[]): LoginProfile {
  if (pending.length === 0) return stored
  return {
    totals: overlayTotals(stored.totals, pending),
    countries: overlayList(stored.countries, 'country', pending),
    devices: overlayList(stored.devices, 'device', pending),
    prefixes: overlayList(stored.prefixes, 'prefix', pending),
    lastSuccess: overlayLastSuccess(stored.lastSuccess, pending)
  }
}

/** Newest first, as the store answers; queued reports are newer than or as new as most stored ones. */
export function overlayRecent (stored: readonly StoredReport[], pending: readonly HistoryRecord[], limit: number): StoredReport[] {
  if (pending.length === 0) return [...stored]
  const queued: StoredReport[] = pending.map(({ login: _login, ...rest }) => rest).reverse()
  return [...queued, ...stored].sort((a, b) => b.t - a.t).slice(0, limit)
}

export function overlayLoginAtSource (stored: LoginAtSource, pending: readonly HistoryRecord[]): LoginAtSource {
  if (pending.length === 0) return stored
  let { successes, failures } = stored
  for (const r of pending) { if (r.success) successes++; else failures++ }
  return { successes, failures }
}

/** Groups records by a key, counting successes and failures per group. */
function countBy (pending: readonly HistoryRecord[], key: (r: HistoryRecord) => string): Map<string, LoginAtSource> {
  const groups = new Map<string, { successes: number, failures: number }>()
  for (const r of pending) {
    const k = key(r)
    const g = groups.get(k) ?? { successes: 0, failures: 0 }
    if (r.success) g.successes++
    else g.failures++
    groups.set(k, g)
  }
  return groups
}

/**
 * One login's window plus its queued reports. `committedAt(remote)` is the login's committed count
 * at that address in the same window: it tells whether the address is new to the distinct counts.
 */
export function overlayLoginWindow (stored: LoginWindow, pending: readonly HistoryRecord[], committedAt: (remote: string) => LoginAtSource): LoginWindow {
  if (pending.length === 0) return stored
  let { successes, failures, distinctRemotes, distinctFailingRemotes } = stored
  for (const [remote, p] of countBy(pending, (r) => r.remote)) {
    const c = committedAt(remote)
    successes += p.successes
    failures += p.failures
    if (c.successes + c.failures === 0) distinctRemotes++
    if (p.failures > 0 && c.failures === 0) distinctFailingRemotes++
  }
  return { successes, failures, distinctRemotes, distinctFailingRemotes }
}

/**
 * One source's window plus its queued reports. `committedFor(login)` is that login's committed
 * count at the source in the same window: a login's new total decides the per-login maxima and
 * whether it joins the distinct, failing or succeeding logins.
 */
export function overlaySourceWindow (stored: SourceWindow, pending: readonly HistoryRecord[], committedFor: (login: string) => LoginAtSource): SourceWindow {
  if (pending.length === 0) return stored
  const empty = stored.attempts === 0
  let { successes, failures, distinctLogins, maxPerLogin, failingLogins, succeedingLogins, maxFailuresPerLogin } = stored
  let firstSeen = empty ? Infinity : stored.firstSeen
  let lastSeen = empty ? -Infinity : stored.lastSeen
  for (const r of pending) {
    if (r.t < firstSeen) firstSeen = r.t
    if (r.t > lastSeen) lastSeen = r.t
  }
  for (const [login, p] of countBy(pending, (r) => r.login)) {
    const c = committedFor(login)
    successes += p.successes
    failures += p.failures
    if (c.successes + c.failures === 0) distinctLogins++
    if (p.failures > 0 && c.failures === 0) failingLogins++
    if (p.successes > 0 && c.successes === 0) succeedingLogins++
    maxPerLogin = Math.max(maxPerLogin, c.successes + c.failures + p.successes + p.failures)
    maxFailuresPerLogin = Math.max(maxFailuresPerLogin, c.failures + p.failures)
  }
  return {
    key: stored.key, successes, failures, attempts: successes + failures, distinctLogins, maxPerLogin, failingLogins, succeedingLogins,
    maxFailuresPerLogin, firstSeen, lastSeen
  }
}

/** Population counts: the queue's successes and failures added; its distinct logins are not known and not added. */
export function overlayGlobal<T extends GlobalFeature> (stored: T, queued: GlobalFeature): T {
  if (queued.successes === 0 && queued.failures === 0) return stored
  return { ...stored, successes: stored.successes + queued.successes, failures: stored.failures + queued.failures }
}
