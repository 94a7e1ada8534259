import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../src/history/sqlite-store.ts'
import { type HistoryRecord } from '../src/history/types.ts'

/**
 * The per-report history questions against a store of 1M reports from 100K logins
 * (BENCH_HISTORY_REPORTS / BENCH_HISTORY_LOGINS to change): what a policy asks for each report.
 * The data is generated here, in bulk transactions; then each question is timed one call at a
 * time and the whole set per report. Targets: one read p99 < 100 µs, the set p99 < 1 ms.
 */
const REPORTS = Number(process.env.BENCH_HISTORY_REPORTS ?? 1_000_000)
const LOGINS = Number(process.env.BENCH_HISTORY_LOGINS ?? 100_000)
const QUERIES = Number(process.env.BENCH_HISTORY_QUERIES ?? 20_000)
const DAYS = 30
const T0 = 1_750_000_000
const DEVICES = ['Chrome/Windows', 'Safari/Mac OS X', 'Mobile Safari/iOS', 'imap:Thunderbird/Linux', 'app:OX.Mail/Android']
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'NL', 'IT', 'ES', 'PL']

/** A small deterministic PRNG, so every run stores the same data. */
export function rng (seed: number): () => number {
  let s = seed >>> 0
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32 }
}

/** The i-th of `reports` reports spread over DAYS days, by one of `logins` users. */
export function makeRecord (i: number, rand: () => number, reports = REPORTS, logins = LOGINS): HistoryRecord {
  const user = Math.floor(rand() * logins)
  // Each user has a home network and device; one report in ten comes from elsewhere.
  const away = rand() < 0.1
  const net = away ? Math.floor(rand() * 65536) : user % 65536
  const host = 1 + Math.floor(rand() * 250)
  const remote = `${10 + (net >> 14)}.${(net >> 6) & 255}.${net & 63}.${host}`
  return {
    t: T0 + (i / reports) * DAYS * 86_400,
    login: `user${user}@example.com`,
    success: rand() < 0.9,
    failType: null,
    protocol: 'http',
    remote,
    prefix: remote.replace(/\.\d+$/, '.0/24'),
    country: COUNTRIES[away ? Math.floor(rand() * COUNTRIES.length) : user % COUNTRIES.length] ?? null,
    city: null,
    lat: 50,
    lon: 8,
    accuracyKm: null,
    device: DEVICES[away ? Math.floor(rand() * DEVICES.length) : user % DEVICES.length] ?? null,
    risk: null
  }
}

function percentile (sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
}

export interface HistoryReadResult {
  reports: number
  logins: number
  loadSeconds: number
  fileBytes: number
  bytesPerMillionReports: number
  /** Per question: p50 and p99 in µs. */
  questions: Record<string, { p50: number, p99: number }>
  set: { p50: number, p99: number }
}

export async function runHistoryReads (log: (line: string) => void): Promise<HistoryReadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-history-bench-'))
  const file = join(dir, 'history.db')
  const store = new SqliteStore(file)
  try {
    const rand = rng(42)
    const started = performance.now()
    const CHUNK = 50_000
    for (let i = 0; i < REPORTS; i += CHUNK) {
      const batch: HistoryRecord[] = []
      for (let j = i; j < Math.min(REPORTS, i + CHUNK); j++) batch.push(makeRecord(j, rand))
      store.writeBatch(batch)
    }
    const loadSeconds = (performance.now() - started) / 1000
    log(`  stored ${REPORTS} reports of ${LOGINS} logins in ${loadSeconds.toFixed(1)} s`)
    const probes = Array.from({ length: QUERIES }, (_, i) => makeRecord(REPORTS - 1 - (i % 1000), rand))
    const questions: Record<string, (r: HistoryRecord) => unknown> = {
      'known device': (r) => store.feature(r.login, 'device', r.device ?? ''),
      'known country': (r) => store.feature(r.login, 'country', r.country ?? ''),
      'known prefix': (r) => store.feature(r.login, 'prefix', r.prefix),
      totals: (r) => store.totals(r.login),
      'last success': (r) => store.lastSuccess(r.login),
      'login window 1h': (r) => store.loginWindow(r.login, r.t - 3600, r.t),
      'ip window 1h': (r) => store.sourceWindow('ip', r.remote, r.t - 3600, r.t),
      'prefix window 15m': (r) => store.sourceWindow('prefix', r.prefix, r.t - 900, r.t)
    }
    const times: Record<string, number[]> = {}
    const sets: number[] = []
    for (const r of probes) {
      const setStart = performance.now()
      for (const [name, ask] of Object.entries(questions)) {
        const t0 = performance.now()
        ask(r)
        ;(times[name] ??= []).push((performance.now() - t0) * 1000)
      }
      sets.push((performance.now() - setStart) * 1000)
    }
    const summary: HistoryReadResult['questions'] = {}
    for (const [name, list] of Object.entries(times)) {
      list.sort((a, b) => a - b)
      summary[name] = { p50: round(percentile(list, 0.5)), p99: round(percentile(list, 0.99)) }
      log(`  ${name.padEnd(18)} p50 ${summary[name].p50} µs  p99 ${summary[name].p99} µs`)
    }
    sets.sort((a, b) => a - b)
    const set = { p50: round(percentile(sets, 0.5)), p99: round(percentile(sets, 0.99)) }
    log(`  all ${Object.keys(questions).length} questions per report: p50 ${set.p50} µs  p99 ${set.p99} µs (target < 1000 µs)`)
    store.close()
    const fileBytes = (await stat(file)).size
    log(`  file ${(fileBytes / 2 ** 20).toFixed(0)} MiB: ${(fileBytes / 2 ** 20 / (REPORTS / 1e6)).toFixed(0)} MiB per million reports`)
    return { reports: REPORTS, logins: LOGINS, loadSeconds: round(loadSeconds), fileBytes, bytesPerMillionReports: Math.round(fileBytes / (REPORTS / 1e6)), questions: summary, set }
  } finally {
    store.close()
    await rm(dir, { recursive: true, force: true })
  }
}

const round = (n: number): number => Math.round(n * 10) / 10
