import type { PoolClient } from 'pg'

/**
 * Takes removed profile rows' counts back out of the global frequencies and totals, so risk scores
 * never count a login that is gone. Rows whose login count reaches 0 are deleted.
 */
async function subtractGlobals (client: PoolClient, features: ReadonlyArray<{ kind: string, value: string, successes: number, failures: number }>,
  logins: ReadonlyArray<{ successes: number, failures: number }>): Promise<void> {
  if (features.length > 0) {
    const g = new Map<string, { kind: string, value: string, logins: number, successes: number, failures: number }>()
    for (const f of features) {
      const key = `${f.kind}\0${f.value}`
      const row = g.get(key) ?? { kind: f.kind, value: f.value, logins: 0, successes: 0, failures: 0 }
      row.logins++; row.successes += f.successes; row.failures += f.failures
      g.set(key, row)
    }
    const rows = [...g.values()].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    await client.query(`UPDATE ta_global_features AS g SET logins = g.logins - u.l, successes = g.successes - u.s, failures = g.failures - u.f
      FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], $5::int8[]) AS u(kind, value, l, s, f)
      WHERE g.kind = u.kind AND g.value = u.value`,
    [rows.map((r) => r.kind), rows.map((r) => r.value), rows.map((r) => r.logins), rows.map((r) => r.successes), rows.map((r) => r.failures)])
    await client.query('DELETE FROM ta_global_features WHERE logins <= 0 AND (kind, value) IN (SELECT * FROM unnest($1::text[], $2::text[]))',
      [rows.map((r) => r.kind), rows.map((r) => r.value)])
  }
  if (logins.length > 0) {
    let successes = 0
    let failures = 0
    for (const l of logins) { successes += l.successes; failures += l.failures }
    await client.query('UPDATE ta_global_totals SET logins = logins - $1, successes = successes - $2, failures = failures - $3 WHERE id = 1',
      [logins.length, successes, failures])
  }
}

/** Everything about one login, inside the caller's transaction; returns the reports removed. */
export async function eraseLogin (client: PoolClient, login: string): Promise<number> {
  const reports = await client.query('DELETE FROM ta_reports WHERE login = $1', [login])
  const features = await client.query<{ kind: string, value: string, successes: number, failures: number }>(
    'DELETE FROM ta_features WHERE login = $1 RETURNING kind, value, successes, failures', [login])
  const logins = await client.query<{ successes: number, failures: number }>('DELETE FROM ta_logins WHERE login = $1 RETURNING successes, failures', [login])
  await subtractGlobals(client, features.rows, logins.rows)
  return reports.rowCount ?? 0
}

/** Retention for profiles, one bounded step: rows last seen before `before`, at most `limit` of each table. */
export async function pruneProfiles (client: PoolClient, before: number, limit: number): Promise<number> {
  const features = await client.query<{ kind: string, value: string, successes: number, failures: number }>(
    `DELETE FROM ta_features WHERE (login, kind, value) IN
      (SELECT login, kind, value FROM ta_features WHERE last_seen < to_timestamp($1) LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING kind, value, successes, failures`, [before, limit])
  const logins = await client.query<{ successes: number, failures: number }>(
    `DELETE FROM ta_logins WHERE login IN
      (SELECT login FROM ta_logins WHERE last_seen < to_timestamp($1) LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING successes, failures`, [before, limit])
  await subtractGlobals(client, features.rows, logins.rows)
  return features.rows.length + logins.rows.length
}
