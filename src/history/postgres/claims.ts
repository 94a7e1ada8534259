import type { PoolClient } from 'pg'

/** Claims older than this are deleted as new ones are made: the table stays a few rows per function. */
const KEEP_CLAIMS = '1 day'

/**
 * One instance wins each (name, tick). The transaction-scoped advisory lock on the pair lets the
 * losers return at once instead of queueing behind the winner's row lock; the claim row makes the
 * decision final, so an instance whose clock or loop runs late cannot take a tick already run
 * (a lock alone would be free again once the winner's transaction ended).
 */
export async function claimTick (client: PoolClient, name: string, tickMs: number, instance: string): Promise<boolean> {
  const locked = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock(hashtextextended($1 || '@' || $2::text, 0)) AS ok", [name, tickMs])
  if (locked.rows[0]?.ok !== true) return false
  const claimed = await client.query(`INSERT INTO ta_background_claims (name, tick, claimed_by) VALUES ($1, to_timestamp($2::float8 / 1000), $3)
    ON CONFLICT (name, tick) DO NOTHING`, [name, tickMs, instance])
  await client.query(`DELETE FROM ta_background_claims WHERE name = $1 AND tick < to_timestamp($2::float8 / 1000) - interval '${KEEP_CLAIMS}'`, [name, tickMs])
  return claimed.rowCount === 1
}
