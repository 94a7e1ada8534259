import { type FeatureKind, FEATURE_KINDS, type HistoryRecord } from './types.ts'

/** A batch folded per login and per feature value, so a commit upserts each row once. */
export interface FoldedCounts {
  firstSeen: number
  lastSeen: number
  successes: number
  failures: number
}

export interface FoldedLogin extends FoldedCounts {
  /** The newest successful report of the batch, if any. */
  lastSuccess: HistoryRecord | null
}

export interface FoldedBatch {
  readonly logins: Map<string, FoldedLogin>
  /** Keyed by featureKey(login, kind, value). */
  readonly features: Map<string, FoldedCounts & { login: string, kind: FeatureKind, value: string }>
}

export function featureValue (r: Pick<HistoryRecord, 'device' | 'country' | 'prefix'>, kind: FeatureKind): string | null {
  return kind === 'device' ? r.device : kind === 'country' ? r.country : r.prefix
}

export const featureKey = (login: string, kind: FeatureKind, value: string): string => `${login}\u0000${kind}\u0000${value}`

function add (c: FoldedCounts, r: HistoryRecord): void {
  if (r.t < c.firstSeen) c.firstSeen = r.t
  if (r.t > c.lastSeen) c.lastSeen = r.t
  if (r.success) c.successes++
  else c.failures++
}

const fresh = (r: HistoryRecord): FoldedCounts => ({ firstSeen: r.t, lastSeen: r.t, successes: 0, failures: 0 })

/** Folds records (in any event-time order) into per-row deltas. */
export function foldBatch (records: readonly HistoryRecord[]): FoldedBatch {
  const logins = new Map<string, FoldedLogin>()
  const features: FoldedBatch['features'] = new Map()
  for (const r of records) {
    let l = logins.get(r.login)
    if (l === undefined) { l = { ...fresh(r), lastSuccess: null }; logins.set(r.login, l) }
    add(l, r)
    if (r.success && (l.lastSuccess === null || r.t >= l.lastSuccess.t)) l.lastSuccess = r
    for (const kind of FEATURE_KINDS) {
      const value = featureValue(r, kind)
      if (value === null) continue
      const key = featureKey(r.login, kind, value)
      let f = features.get(key)
      if (f === undefined) { f = { ...fresh(r), login: r.login, kind, value }; features.set(key, f) }
      add(f, r)
    }
  }
  return { logins, features }
}
