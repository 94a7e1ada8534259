import { fork } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SqliteStore } from '../src/history/sqlite-store.ts'
import { type HistoryRecord } from '../src/history/types.ts'

/**
 * The multi-process design question: should each worker process commit its own batches to the
 * shared SQLite file (WAL, busy_timeout), or should one process write for all? This drives the
 * same total write rate through one process and through two, each committing every 5 ms as the
 * daemon's writer does, and compares commit times and lock waits. One writer process would add
 * an IPC hop per report on top of the single-process figures.
 */
const SECONDS = Number(process.env.BENCH_HISTORY_WRITE_SECONDS ?? 5)
const RATE = Number(process.env.BENCH_HISTORY_WRITE_RATE ?? 4000)
const INTERVAL_MS = 5

interface ChildResult { records: number, commits: number, commitMs: number[] }

function record (i: number, who: number): HistoryRecord {
  const user = (i * 7919 + who) % 50_000
  const remote = `10.${user >> 8 & 255}.${user & 255}.${1 + (i % 200)}`
  return {
    t: 1_750_000_000 + i / 1000, login: `user${user}@example.com`, success: i % 10 !== 0, failType: null, protocol: 'http', remote,
    prefix: remote.replace(/\.\d+$/, '.0/24'), country: 'DE', city: null, lat: 50, lon: 8, accuracyKm: null, device: 'Chrome/Windows', risk: null
  }
}

/** A writer process: reports offered at `perSecond`, committed in a batch every INTERVAL_MS for SECONDS. */
async function child (file: string, perSecond: number, who: number): Promise<ChildResult> {
  const store = new SqliteStore(file)
  const commitMs: number[] = []
  let records = 0
  const start = Date.now()
  const end = start + SECONDS * 1000
  while (Date.now() < end) {
    // What has arrived since the last commit at the offered rate: a slow commit makes the next batch bigger, as in the daemon.
    const due = Math.max(1, Math.floor((Date.now() - start) / 1000 * perSecond) - records)
    const batch = Array.from({ length: due }, (_, k) => record(records + k, who))
    const t0 = performance.now()
    store.writeBatch(batch)
    commitMs.push(performance.now() - t0)
    records += batch.length
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS))
  }
  store.close()
  return { records, commits: commitMs.length, commitMs }
}

function runChildren (file: string, processes: number): Promise<ChildResult[]> {
  const script = fileURLToPath(import.meta.url)
  return Promise.all(Array.from({ length: processes }, (_, who) => new Promise<ChildResult>((resolve, reject) => {
    const c = fork(script, ['--history-writer', file, String(RATE / processes), String(who)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    c.once('message', (m) => resolve(m as ChildResult))
    c.once('exit', (code) => { if (code !== 0) reject(new Error(`writer ${who} exited with ${String(code)}`)) })
  })))
}

const pct = (sorted: readonly number[], p: number): number => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0) * 100) / 100

export interface WriterDesignResult {
  processes: number
  recordsPerSecond: number
  commitP50Ms: number
  commitP99Ms: number
  commitMaxMs: number
}

export async function runHistoryWriters (log: (line: string) => void): Promise<WriterDesignResult[]> {
  const out: WriterDesignResult[] = []
  for (const processes of [1, 2]) {
    const dir = await mkdtemp(join(tmpdir(), 'trackalert-history-writers-'))
    try {
      const file = join(dir, 'history.db')
      new SqliteStore(file).close()
      const results = await runChildren(file, processes)
      const all = results.flatMap((r) => r.commitMs).sort((a, b) => a - b)
      const records = results.reduce((n, r) => n + r.records, 0)
      const r = { processes, recordsPerSecond: Math.round(records / SECONDS), commitP50Ms: pct(all, 0.5), commitP99Ms: pct(all, 0.99), commitMaxMs: pct(all, 1) }
      log(`  ${processes} writer process(es) at ${RATE} reports/s in total: ${r.recordsPerSecond} written/s, commit p50 ${r.commitP50Ms} ms, p99 ${r.commitP99Ms} ms, max ${r.commitMaxMs} ms`)
      out.push(r)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
  return out
}

if (process.argv[2] === '--history-writer') {
  const [file, perSecond, who] = process.argv.slice(3)
  child(file as string, Number(perSecond), Number(who)).then((r) => { process.send?.(r, () => process.exit(0)) }, (err: unknown) => {
    process.stderr.write(`history writer: ${(err as Error).message}\n`)
    process.exit(1)
  })
}
