import type { PoolClient } from 'pg'

/**
 * Runs `work` in one transaction that first takes the advisory lock `lock`, so that instances
 * sharing the database never run the same DDL at once (CREATE ... IF NOT EXISTS and partition
 * changes race otherwise). The lock is released with the transaction; on error it rolls back
 * (a rollback that fails too, e.g. on a lost connection, is not what the caller needs to hear).
 */
export async function underDdlLock<T> (client: PoolClient, lock: number, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [lock])
    const result = await work()
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  }
}
