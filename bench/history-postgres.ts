import { PostgresStore } from '../src/history/postgres/index.ts'
import { type HistoryRecord } from '../src/history/types.ts'

/**
 * The PostgreSQL store's own insert rate, for the capacity plan in docs/history-postgres.md: one
 * store writing batches of 1000 reports back to back (the daemon's writer under full load), 100K
 * distinct logins, 3 devices, 4 countries, for BENCH_HISTORY_PG_INSERT_SECONDS (default 10).
 * Run by the history-postgres scenario after its measured runs, against the same server.
 */
const SECONDS = Number(process.env.BENCH_HISTORY_PG_INSERT_SECONDS ?? 10)
const BATCH = 1000
const LOGINS = 100_000
const DEVICES = ['Chrome/Windows', 'Mobile Safari/iOS', 'imap:Thunderbird/Linux']
const COUNTRIES = ['DE', 'FR', 'US', 'GB']

function record (i: number, t0: number): HistoryRecord {
  const user = (i * 7919) % LOGINS
  const remote = `10.${(user >> 8) & 255}.${user & 255}.${1 + (i % 200)}`
  return {
    t: t0 + i / 1000, login: `user${user}@example.com`, success: i % 10 !== 0, failType: null, protocol: 'http', remote,
    prefix: remote.replace(/\.\d+$/, '.0/24'), country: COUNTRIES[i % COUNTRIES.length] ?? null, city: null, lat: 50, lon: 8,
    accuracyKm: null, device: DEVICES[i % DEVICES.length] ?? null, risk: null
  }
}

export interface InsertRate {
  reports: number
  seconds: number
  reportsPerSecond: number
}

export async function measureInsertRate (url: string, log: (line: string) => void): Promise<InsertRate> {
  const store = await PostgresStore.open({ url, retentionDays: 90, outageLimit: 0 })
  try {
    if (!store.up) throw new Error(`PostgreSQL at ${store.location} is unreachable`)
    // Event times of today, so every batch lands in a partition the store created (not the default one).
    const t0 = Math.floor(Date.now() / 1000) - 3600
    const started = performance.now()
    const end = started + SECONDS * 1000
    let reports = 0
    while (performance.now() < end) {
      await store.writeBatch(Array.from({ length: BATCH }, (_, k) => record(reports + k, t0)))
      reports += BATCH
    }
    const seconds = (performance.now() - started) / 1000
    const result = { reports, seconds: Math.round(seconds * 10) / 10, reportsPerSecond: Math.round(reports / seconds) }
    if (store.outageStats().dropped > 0 || !store.up) throw new Error('the database went away while measuring the insert rate')
    log(`  insert rate, one store writing batches of ${BATCH}: ${result.reportsPerSecond} reports/s (${reports} reports in ${result.seconds} s)`)
    return result
  } finally {
    await store.close()
  }
}
