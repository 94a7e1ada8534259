import type { PoolClient } from 'pg'
import { underDdlLock } from './ddl-lock.ts'

/** Reports are partitioned by event day (UTC); this many days ahead always exist. */
export const DAYS_AHEAD = 2
const DAY_S = 86_400

/** Serializes DDL between instances sharing the database (any constant unique to trackalert). */
const DDL_LOCK = 0x7472_6b61 // "trka"

/**
 * Times are timestamptz (readable in psql, partition bounds in dates); counts are bigint. The
 * report table is partitioned by range of `t`, one partition per UTC day, plus a default partition
 * for events outside the days kept (far future or older than retention), so an insert never fails
 * for want of a partition. `seq` orders reports of the same instant by arrival (newest first).
 */
const DDL = `
CREATE TABLE IF NOT EXISTS ta_reports (
  seq bigserial NOT NULL,
  t timestamptz NOT NULL,
  login text NOT NULL,
  success boolean NOT NULL,
  fail_type text,
  protocol text NOT NULL,
  remote text NOT NULL,
  prefix text NOT NULL,
  country text,
  city text,
  lat double precision,
  lon double precision,
  accuracy_km double precision,
  device text,
  risk double precision
) PARTITION BY RANGE (t);
CREATE TABLE IF NOT EXISTS ta_reports_default PARTITION OF ta_reports DEFAULT;
CREATE INDEX IF NOT EXISTS ta_reports_login_t ON ta_reports (login, t);
CREATE INDEX IF NOT EXISTS ta_reports_remote_t ON ta_reports (remote, t);
CREATE INDEX IF NOT EXISTS ta_reports_prefix_t ON ta_reports (prefix, t);
CREATE TABLE IF NOT EXISTS ta_features (
  login text NOT NULL,
  kind text NOT NULL,
  value text NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  successes bigint NOT NULL,
  failures bigint NOT NULL,
  PRIMARY KEY (login, kind, value)
);
CREATE INDEX IF NOT EXISTS ta_features_last_seen ON ta_features (last_seen);
CREATE TABLE IF NOT EXISTS ta_logins (
  login text PRIMARY KEY,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  successes bigint NOT NULL,
  failures bigint NOT NULL,
  ls_t timestamptz,
  ls_remote text,
  ls_prefix text,
  ls_country text,
  ls_city text,
  ls_lat double precision,
  ls_lon double precision,
  ls_accuracy_km double precision,
  ls_device text
);
CREATE INDEX IF NOT EXISTS ta_logins_last_seen ON ta_logins (last_seen);
CREATE TABLE IF NOT EXISTS ta_global_features (
  kind text NOT NULL,
  value text NOT NULL,
  logins bigint NOT NULL,
  successes bigint NOT NULL,
  failures bigint NOT NULL,
  PRIMARY KEY (kind, value)
);
CREATE TABLE IF NOT EXISTS ta_global_totals (
  id int PRIMARY KEY CHECK (id = 1),
  logins bigint NOT NULL,
  successes bigint NOT NULL,
  failures bigint NOT NULL
);
INSERT INTO ta_global_totals VALUES (1, 0, 0, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS ta_background_claims (
  name text NOT NULL,
  tick timestamptz NOT NULL,
  claimed_by text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, tick)
);
`

/** The UTC day number (days since the epoch) of an event time in seconds. */
export function dayOf (t: number): number {
  return Math.floor(t / DAY_S)
}

export function partitionName (day: number): string {
  return `ta_reports_${new Date(day * DAY_S * 1000).toISOString().slice(0, 10).replace(/-/g, '')}`
}

function isoDay (day: number): string {
  return new Date(day * DAY_S * 1000).toISOString().slice(0, 10)
}

/** Creates every table and index if missing. Safe to run from several instances at once. */
export async function ensureSchema (client: PoolClient): Promise<void> {
  await underDdlLock(client, DDL_LOCK, async () => { await client.query(DDL) })
}

/**
 * Creates the daily partitions for `days` that do not exist yet. Rows of those days that already
 * sit in the default partition (written while no partition existed) are moved into the new one,
 * because PostgreSQL refuses to attach a range the default partition holds rows of.
 */
export async function ensurePartitions (client: PoolClient, days: Iterable<number>): Promise<void> {
  await underDdlLock(client, DDL_LOCK, async () => {
    for (const day of days) {
      const name = partitionName(day)
      const exists = await client.query('SELECT 1 FROM pg_class WHERE relname = $1', [name])
      if (exists.rowCount !== 0) continue
      const from = isoDay(day)
      const to = isoDay(day + 1)
      await client.query(`CREATE TABLE ${name} (LIKE ta_reports INCLUDING DEFAULTS)`)
      await client.query(`WITH moved AS (DELETE FROM ta_reports_default WHERE t >= '${from}T00:00:00Z' AND t < '${to}T00:00:00Z' RETURNING *)
        INSERT INTO ${name} SELECT * FROM moved`)
      await client.query(`ALTER TABLE ta_reports ATTACH PARTITION ${name} FOR VALUES FROM ('${from}T00:00:00Z') TO ('${to}T00:00:00Z')`)
    }
  })
}

/** The daily partitions that exist, as day numbers. */
export async function existingPartitionDays (client: PoolClient): Promise<Set<number>> {
  const rows = await client.query<{ relname: string }>(
    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'ta_reports'")
  const days = new Set<number>()
  for (const { relname } of rows.rows) {
    const m = /^ta_reports_(\d{4})(\d{2})(\d{2})$/.exec(relname)
    if (m !== null) days.add(dayOf(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000))
  }
  return days
}

/**
 * Retention, one step: drops the whole daily partitions that end at or before `before` (one
 * catalog change however many rows they hold), or when none is left, deletes at most `limit`
 * older rows from the partition that spans `before` and from the default one. Returns the rows removed.
 */
export async function pruneReports (client: PoolClient, before: number, limit: number): Promise<number> {
  return await underDdlLock(client, DDL_LOCK, async () => {
    let removed = 0
    // Read under the lock: another instance may have dropped some already.
    for (const day of await existingPartitionDays(client)) {
      if ((day + 1) * DAY_S > before) continue
      const name = partitionName(day)
      const count = await client.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${name}`)
      removed += count.rows[0]?.n ?? 0
      await client.query(`DROP TABLE ${name}`)
    }
    if (removed === 0) {
      const rest = await client.query(`DELETE FROM ta_reports WHERE (tableoid, ctid) IN
        (SELECT tableoid, ctid FROM ta_reports WHERE t < to_timestamp($1) LIMIT $2)`, [before, limit])
      removed += rest.rowCount ?? 0
    }
    return removed
  })
}
