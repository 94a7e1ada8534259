import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Statement } from 'better-sqlite3'
import { openSqlite, toMs } from '../src/history/sqlite-schema.ts'
import { SqliteWrites } from '../src/history/sqlite-writes.ts'
import { type HistoryRecord } from '../src/history/types.ts'
import { makeRecord, rng } from './history-reads.ts'

/**
 * What a report's history write costs in SQLite, one layer at a time, in process (no HTTP, no
 * other worker): the figures behind the throughput limit written in docs/history.md.
 *
 *  - `log`: the report appended to a table without indexes, what a design that indexes later
 *    (an LSM-like store) would pay up front; the indexing is still owed afterwards;
 *  - `reports`: the reports table with the indexes the per-login and per-network questions read;
 *  - `history`: everything the daemon writes (reports, the login's profile rows and totals, the
 *    population rows), as SqliteWrites does it;
 *  - `history-sorted`: the same batch sorted by login first (does key order help the B-trees?);
 *  - `history-best`: sorted, through a connection with a 256 MiB page cache (the daemon's is
 *    SQLite's default 2 MiB): the most favourable case found for the full write.
 *
 * Every layer writes into the same file, pre-filled with BENCH_HISTORY_LAYERS_STORED reports of
 * 100K logins (the data of `history-reads`), at two batch sizes: 2,000 (a background commit piece)
 * and 20,000 (the largest batch a stretched interval gathers). Layers alternate, twice each.
 */
const STORED = Number(process.env.BENCH_HISTORY_LAYERS_STORED ?? 500_000)
const LOGINS = 100_000
const BATCHES_PER_RUN = Number(process.env.BENCH_HISTORY_LAYERS_BATCHES ?? 10)
const BATCH_SIZES = [2_000, 20_000]
const LAYERS = ['log', 'reports', 'history', 'history-sorted', 'history-best'] as const
type Layer = typeof LAYERS[number]

export interface LayerResult { layer: Layer, batch: number, microsPerReport: number }

const REPORT_COLUMNS = 't, login, success, fail_type, protocol, remote, prefix, country, city, lat, lon, accuracy_km, device, risk'
const PLACEHOLDERS = REPORT_COLUMNS.split(',').map(() => '?').join(', ')

function rowValues (r: HistoryRecord): unknown[] {
  return [toMs(r.t), r.login, r.success ? 1 : 0, r.failType, r.protocol, r.remote, r.prefix, r.country, r.city, r.lat, r.lon, r.accuracyKm, r.device, r.risk]
}

const byLogin = (a: HistoryRecord, b: HistoryRecord): number => a.login < b.login ? -1 : a.login > b.login ? 1 : 0

export async function runHistoryLayers (log: (line: string) => void): Promise<LayerResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-history-layers-'))
  const file = join(dir, 'history.db')
  const db = openSqlite(file)
  const bigCache = openSqlite(file)
  try {
    bigCache.pragma('cache_size = -262144')
    const writes = new SqliteWrites(db)
    const bigCacheWrites = new SqliteWrites(bigCache)
    db.exec(`CREATE TABLE report_log (${REPORT_COLUMNS})`)
    const append: Statement = db.prepare(`INSERT INTO report_log VALUES (${PLACEHOLDERS})`)
    const insertReport: Statement = db.prepare(`INSERT INTO reports (${REPORT_COLUMNS}) VALUES (${PLACEHOLDERS})`)
    const rows = (statement: Statement) => db.transaction((batch: readonly HistoryRecord[]) => { for (const r of batch) statement.run(...rowValues(r)) })
    const write: Record<Layer, (batch: HistoryRecord[]) => void> = {
      log: rows(append),
      reports: rows(insertReport),
      history: (batch) => { writes.writeBatch(batch, true) },
      'history-sorted': (batch) => { writes.writeBatch(batch.sort(byLogin), true) },
      'history-best': (batch) => { bigCacheWrites.writeBatch(batch.sort(byLogin), true) }
    }

    const rand = rng(7)
    const total = STORED + 2 * LAYERS.length * BATCHES_PER_RUN * BATCH_SIZES.reduce((a, b) => a + b, 0)
    let next = 0
    const batchOf = (n: number): HistoryRecord[] => Array.from({ length: n }, () => makeRecord(next++, rand, total, LOGINS))
    for (let done = 0; done < STORED; done += 50_000) writes.writeBatch(batchOf(Math.min(50_000, STORED - done)), true)
    log(`  stored ${STORED} reports of ${LOGINS} logins; µs of one core per report written, by layer and batch size`)

    const results: LayerResult[] = []
    for (const size of BATCH_SIZES) {
      const spent = new Map<Layer, number>()
      for (let round = 0; round < 2; round++) {
        for (const layer of LAYERS) {
          for (let b = 0; b < BATCHES_PER_RUN; b++) {
            const batch = batchOf(size)
            const started = performance.now()
            write[layer](batch)
            spent.set(layer, (spent.get(layer) ?? 0) + performance.now() - started)
          }
        }
      }
      for (const layer of LAYERS) {
        const microsPerReport = Math.round((spent.get(layer) ?? 0) * 1000 / (2 * BATCHES_PER_RUN * size) * 10) / 10
        results.push({ layer, batch: size, microsPerReport })
        log(`  ${layer.padEnd(15)} batch ${String(size).padStart(6)}: ${microsPerReport} µs/report`)
      }
    }
    return results
  } finally {
    bigCache.close()
    db.close()
    await rm(dir, { recursive: true, force: true })
  }
}
