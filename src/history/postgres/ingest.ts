import type { PoolClient } from 'pg'
import { FEATURE_KINDS, featureValue, type FeatureKind, type HistoryRecord } from '../types.ts'

interface FeatureDelta { login: string, kind: FeatureKind, value: string, first: number, last: number, successes: number, failures: number }
interface LoginDelta { login: string, first: number, last: number, successes: number, failures: number, lastSuccess: HistoryRecord | null }

/** Folds a batch into one row per profile key, so each key is written once per batch. */
function aggregate (records: readonly HistoryRecord[]): { features: FeatureDelta[], logins: LoginDelta[] } {
  const features = new Map<string, FeatureDelta>()
  const logins = new Map<string, LoginDelta>()
  for (const r of records) {
    const s = r.success ? 1 : 0
    for (const kind of FEATURE_KINDS) {
      const value = featureValue(r, kind)
      if (value === null) continue
      const key = `${r.login}\0${kind}\0${value}`
      const f = features.get(key)
      if (f === undefined) features.set(key, { login: r.login, kind, value, first: r.t, last: r.t, successes: s, failures: 1 - s })
      else { f.first = Math.min(f.first, r.t); f.last = Math.max(f.last, r.t); f.successes += s; f.failures += 1 - s }
    }
    const l = logins.get(r.login)
    const ls = r.success ? r : null
    if (l === undefined) logins.set(r.login, { login: r.login, first: r.t, last: r.t, successes: s, failures: 1 - s, lastSuccess: ls })
    else {
      l.first = Math.min(l.first, r.t); l.last = Math.max(l.last, r.t); l.successes += s; l.failures += 1 - s
      if (ls !== null && (l.lastSuccess === null || ls.t >= l.lastSuccess.t)) l.lastSuccess = ls
    }
  }
  // One key order for every instance: concurrent batches then lock rows in the same order and cannot deadlock.
  const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
  return {
    features: [...features.values()].sort((a, b) => byKey(a.login, b.login) || byKey(a.kind, b.kind) || byKey(a.value, b.value)),
    logins: [...logins.values()].sort((a, b) => byKey(a.login, b.login))
  }
}

const INSERT_REPORTS = `
INSERT INTO ta_reports (t, login, success, fail_type, protocol, remote, prefix, country, city, lat, lon, accuracy_km, device, risk)
SELECT to_timestamp(t), login, success, fail_type, protocol, remote, prefix, country, city, lat, lon, acc, device, risk
FROM unnest($1::float8[], $2::text[], $3::bool[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
            $10::float8[], $11::float8[], $12::float8[], $13::text[], $14::float8[])
  AS u(t, login, success, fail_type, protocol, remote, prefix, country, city, lat, lon, acc, device, risk)`

const UPSERT_FEATURES = `
INSERT INTO ta_features AS f (login, kind, value, first_seen, last_seen, successes, failures)
SELECT login, kind, value, to_timestamp(fs), to_timestamp(ls), s, fl
FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::int8[], $7::int8[]) AS u(login, kind, value, fs, ls, s, fl)
ON CONFLICT (login, kind, value) DO UPDATE SET
  first_seen = LEAST(f.first_seen, EXCLUDED.first_seen), last_seen = GREATEST(f.last_seen, EXCLUDED.last_seen),
  successes = f.successes + EXCLUDED.successes, failures = f.failures + EXCLUDED.failures
RETURNING kind, value, (xmax = 0) AS inserted`

const UPSERT_GLOBAL_FEATURES = `
INSERT INTO ta_global_features AS g (kind, value, logins, successes, failures)
SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], $5::int8[])
ON CONFLICT (kind, value) DO UPDATE SET
  logins = g.logins + EXCLUDED.logins, successes = g.successes + EXCLUDED.successes, failures = g.failures + EXCLUDED.failures`

/** The last success moves only forward in event time (batches may arrive out of order). */
const NEWER = 'EXCLUDED.ls_t IS NOT NULL AND (l.ls_t IS NULL OR EXCLUDED.ls_t >= l.ls_t)'
const LS_COLUMNS = ['ls_t', 'ls_remote', 'ls_prefix', 'ls_country', 'ls_city', 'ls_lat', 'ls_lon', 'ls_accuracy_km', 'ls_device']

const UPSERT_LOGINS = `
INSERT INTO ta_logins AS l (login, first_seen, last_seen, successes, failures, ${LS_COLUMNS.join(', ')})
SELECT login, to_timestamp(fs), to_timestamp(ls), s, fl, to_timestamp(lt), lr, lp, lc, lci, lla, llo, lac, ld
FROM unnest($1::text[], $2::float8[], $3::float8[], $4::int8[], $5::int8[], $6::float8[], $7::text[], $8::text[], $9::text[],
            $10::text[], $11::float8[], $12::float8[], $13::float8[], $14::text[])
  AS u(login, fs, ls, s, fl, lt, lr, lp, lc, lci, lla, llo, lac, ld)
ON CONFLICT (login) DO UPDATE SET
  first_seen = LEAST(l.first_seen, EXCLUDED.first_seen), last_seen = GREATEST(l.last_seen, EXCLUDED.last_seen),
  successes = l.successes + EXCLUDED.successes, failures = l.failures + EXCLUDED.failures,
  ${LS_COLUMNS.map((c) => `${c} = CASE WHEN ${NEWER} THEN EXCLUDED.${c} ELSE l.${c} END`).join(',\n  ')}
RETURNING (xmax = 0) AS inserted`

/**
 * Writes one batch inside the caller's transaction: one multi-row INSERT of the reports (arrays
 * unnested server-side: one round trip, no parameter limit), then UPSERTs of the per-login
 * profile rows, the global frequencies and the totals, each key once.
 */
export async function insertBatch (client: PoolClient, records: readonly HistoryRecord[]): Promise<void> {
  if (records.length === 0) return
  const col = <T>(pick: (r: HistoryRecord) => T): T[] => records.map(pick)
  await client.query(INSERT_REPORTS, [col((r) => r.t), col((r) => r.login), col((r) => r.success), col((r) => r.failType),
    col((r) => r.protocol), col((r) => r.remote), col((r) => r.prefix), col((r) => r.country), col((r) => r.city),
    col((r) => r.lat), col((r) => r.lon), col((r) => r.accuracyKm), col((r) => r.device), col((r) => r.risk)])
  const { features, logins } = aggregate(records)
  const upserted = await client.query<{ kind: string, value: string, inserted: boolean }>(UPSERT_FEATURES, [
    features.map((f) => f.login), features.map((f) => f.kind), features.map((f) => f.value), features.map((f) => f.first),
    features.map((f) => f.last), features.map((f) => f.successes), features.map((f) => f.failures)])
  const global = new Map<string, { kind: string, value: string, logins: number, successes: number, failures: number }>()
  for (const f of features) {
    const key = `${f.kind}\0${f.value}`
    const g = global.get(key) ?? { kind: f.kind, value: f.value, logins: 0, successes: 0, failures: 0 }
    g.successes += f.successes
    g.failures += f.failures
    global.set(key, g)
  }
  // A login that is new for a value counts once: each (login, kind, value) row is inserted at most once.
  for (const r of upserted.rows) if (r.inserted) global.get(`${r.kind}\0${r.value}`)!.logins++
  const g = [...global.values()].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
  await client.query(UPSERT_GLOBAL_FEATURES, [g.map((x) => x.kind), g.map((x) => x.value), g.map((x) => x.logins), g.map((x) => x.successes), g.map((x) => x.failures)])
  const ls = (pick: (r: HistoryRecord) => unknown): unknown[] => logins.map((l) => (l.lastSuccess === null ? null : pick(l.lastSuccess)))
  const loginRows = await client.query<{ inserted: boolean }>(UPSERT_LOGINS, [logins.map((l) => l.login), logins.map((l) => l.first),
    logins.map((l) => l.last), logins.map((l) => l.successes), logins.map((l) => l.failures), ls((r) => r.t), ls((r) => r.remote),
    ls((r) => r.prefix), ls((r) => r.country), ls((r) => r.city), ls((r) => r.lat), ls((r) => r.lon), ls((r) => r.accuracyKm), ls((r) => r.device)])
  const newLogins = loginRows.rows.filter((r) => r.inserted).length
  const successes = records.filter((r) => r.success).length
  await client.query('UPDATE ta_global_totals SET logins = logins + $1, successes = successes + $2, failures = failures + $3 WHERE id = 1',
    [newLogins, successes, records.length - successes])
}
