import { TrackalertError } from '../errors.ts'

/** What `setHistory{…}` asks for, validated. */
export interface HistoryOptions {
  readonly backend: 'sqlite' | 'postgres'
  /** sqlite: the database file, relative to the config folder unless absolute. */
  readonly path: string | null
  /** postgres: the connection URL. */
  readonly url: string | null
  readonly retentionDays: number
  /** A database name opened with newGeoIP2DB; null: the bundled DB-IP City Lite; false: no locations. */
  readonly geoip: string | null | false
  /** How long a report may wait in the queue before its batch commits, when commits are quick. */
  readonly commitIntervalMs: number
  /** How far load may stretch that interval (larger batches cost less per report). */
  readonly maxCommitIntervalMs: number
  /** Queued reports beyond this are dropped (and counted) rather than growing memory without bound. */
  readonly queueLimit: number
  /** sqlite: the file may not grow past this (MiB); writes beyond are dropped and counted, as on a full disk. */
  readonly maxSizeMb: number | null
  /** SQLite commits in a thread of each process (write_thread): low latency below capacity, drops past it. */
  readonly writeThread: boolean
}

export const HISTORY_DEFAULTS = {
  retentionDays: 90,
  commitIntervalMs: 5,
  maxCommitIntervalMs: 1000,
  queueLimit: 100_000
} as const

const KNOWN = new Set(['backend', 'path', 'url', 'retention_days', 'geoip', 'commit_interval_ms', 'max_commit_interval_ms', 'queue_limit', 'max_size_mb', 'write_thread'])

/**
 * Validates the Lua table given to setHistory. Throws a TA_ERR_HISTORY whose message the Lua layer
 * raises at the caller's file:line, so a bad option stops the daemon at start.
 */
export function parseHistoryOptions (value: unknown): HistoryOptions {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw optionError('setHistory: expected a table of options, e.g. setHistory{ backend = "sqlite", path = "history.db" }')
  const o = value as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) throw optionError(`setHistory: unknown option '${key}' (known: ${[...KNOWN].join(', ')})`)
  }
  const backend = o.backend
  if (backend !== 'sqlite' && backend !== 'postgres') throw optionError(`setHistory: backend must be "sqlite" or "postgres", got ${describe(backend)}`)
  const path = optionalString(o, 'path')
  const url = optionalString(o, 'url')
  if (backend === 'sqlite' && (path === null || path === '')) throw optionError('setHistory: backend "sqlite" needs path = "file.db"')
  if (backend === 'sqlite' && url !== null) throw optionError('setHistory: url is for backend "postgres"; sqlite takes path')
  if (backend === 'postgres' && (url === null || !/^postgres(ql)?:\/\//.test(url))) throw optionError('setHistory: backend "postgres" needs url = "postgres://user:password@host/database"')
  if (backend === 'postgres' && path !== null) throw optionError('setHistory: path is for backend "sqlite"; postgres takes url')
  const geoip = o.geoip === undefined ? null : o.geoip === false ? false : o.geoip
  if (geoip !== null && geoip !== false && (typeof geoip !== 'string' || geoip === '')) {
    throw optionError(`setHistory: geoip must name a database opened with newGeoIP2DB (or be false), got ${describe(geoip)}`)
  }
  const commitIntervalMs = positiveNumber(o, 'commit_interval_ms', HISTORY_DEFAULTS.commitIntervalMs, 10_000)
  const maxCommitIntervalMs = o.max_commit_interval_ms === undefined
    ? Math.max(commitIntervalMs, HISTORY_DEFAULTS.maxCommitIntervalMs)
    : positiveNumber(o, 'max_commit_interval_ms', HISTORY_DEFAULTS.maxCommitIntervalMs, 60_000)
  if (maxCommitIntervalMs < commitIntervalMs) {
    throw optionError(`setHistory: max_commit_interval_ms (${maxCommitIntervalMs}) must be at least commit_interval_ms (${commitIntervalMs})`)
  }
  return {
    backend,
    path,
    url,
    retentionDays: positiveNumber(o, 'retention_days', HISTORY_DEFAULTS.retentionDays, 36_500),
    geoip,
    commitIntervalMs,
    maxCommitIntervalMs,
    queueLimit: Math.floor(positiveNumber(o, 'queue_limit', HISTORY_DEFAULTS.queueLimit, 10_000_000)),
    maxSizeMb: o.max_size_mb === undefined ? null : sqliteOnly(backend, 'max_size_mb', positiveNumber(o, 'max_size_mb', 1, 1_000_000_000)),
    writeThread: writeThread(o, backend)
  }
}

function writeThread (o: Record<string, unknown>, backend: string): boolean {
  const v = o.write_thread
  if (v === undefined) return false
  if (typeof v !== 'boolean') throw optionError(`write_thread must be true or false, got ${describe(v)}`)
  if (v && backend !== 'sqlite') throw optionError('setHistory: write_thread is for backend "sqlite"')
  return v
}

function sqliteOnly (backend: string, key: string, value: number): number {
  if (backend !== 'sqlite') throw optionError(`setHistory: ${key} is for backend "sqlite"`)
  return value
}

function optionalString (o: Record<string, unknown>, key: string): string | null {
  const v = o[key]
  if (v === undefined) return null
  if (typeof v !== 'string') throw optionError(`setHistory: ${key} must be a string, got ${describe(v)}`)
  return v
}

function positiveNumber (o: Record<string, unknown>, key: string, def: number, max: number): number {
  const v = o[key]
  if (v === undefined) return def
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) throw optionError(`setHistory: ${key} must be a number above 0 and at most ${max}, got ${describe(v)}`)
  return v
}

function describe (v: unknown): string {
  if (typeof v === 'string') return `"${v.slice(0, 40)}"`
  if (v === undefined) return 'nothing'
  return v === null ? 'nil' : typeof v === 'object' ? 'a table' : String(v)
}

function optionError (message: string): TrackalertError {
  return new TrackalertError('TA_ERR_HISTORY', message)
}
