import Database from 'better-sqlite3'
import { join } from 'node:path'
import { request, type RunningDaemon } from '../helpers/daemon.ts'

/** One process, one Lua state, history in `history.db` next to the config (plus any extra options). */
export function historyConfig (options = '', lines = ''): string {
  const extra = options === '' ? '' : `, ${options}`
  return `setNumWorkerThreads(1)\nsetNumLuaStates(1)\nsetHistory{ backend = "sqlite", path = "history.db"${extra} }\n${lines}`
}

/** Chrome on Windows (a browser update keeps the family) and Thunderbird over IMAP. */
export const CHROME_120 = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
export const CHROME_121 = CHROME_120.replace('Chrome/120', 'Chrome/121')
export const THUNDERBIRD = '"name" "Thunderbird" "version" "115.3" "os" "Linux"'

export function login (overrides: Record<string, unknown>): Record<string, unknown> {
  return { login: 'bob', remote: '8.8.8.8', pwhash: 'S3cretHash', success: true, protocol: 'http', device_id: CHROME_120, ...overrides }
}

export async function sendReport (d: RunningDaemon, body: Record<string, unknown>): Promise<void> {
  const res = await request(`${d.url}/command/report`, { body })
  if (res.status !== 200) throw new Error(`report answered ${res.status}: ${res.text}`)
}

export async function history (d: RunningDaemon, body: unknown): Promise<Awaited<ReturnType<typeof request>>> {
  return request(`${d.url}/command/history`, { body })
}

/** Reads the daemon's history file directly (after it stopped, or alongside: WAL allows it). */
export function countRows (dir: string, sql = 'SELECT count(*) FROM reports'): number {
  const db = new Database(join(dir, 'history.db'), { readonly: true })
  try {
    return db.prepare(sql).pluck().get() as number
  } finally {
    db.close()
  }
}
