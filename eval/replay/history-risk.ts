/**
 * Per-report risk from the history route (`POST /command/history`, issue 16) when the daemon
 * records it: each returned report with a numeric `risk` is keyed by login, event time and address
 * so the scorer can pair it with the generated report.
 */
import { Pool } from 'undici'

export interface RiskReadout {
  /** `riskKey(login, t, remote)` → risk in [0, 1]. */
  readonly risks: Map<string, number>
  /** Why there is no per-report risk, when there is none. */
  readonly unavailable: string | null
}

export function riskKey (login: string, t: number, remote: string): string {
  return `${login}|${Math.round(t * 1000)}|${remote}`
}

export async function readHistoryRisk (url: string, password: string, logins: readonly string[], limit: number): Promise<RiskReadout> {
  const pool = new Pool(url, { connections: 8 })
  const headers = { authorization: 'Basic ' + Buffer.from(`eval:${password}`).toString('base64'), 'content-type': 'application/json' }
  const risks = new Map<string, number>()
  let unavailable: string | null = null
  let cursor = 0
  const worker = async (): Promise<void> => {
    while (cursor < logins.length && unavailable === null) {
      const login = logins[cursor++]!
      const res = await pool.request({ path: '/command/history', method: 'POST', headers, body: JSON.stringify({ login, limit }) })
      const text = await res.body.text()
      if (res.statusCode === 404) { unavailable = 'the daemon has no POST /command/history route (404)'; return }
      if (res.statusCode !== 200) { unavailable = `POST /command/history answered ${res.statusCode}: ${text.slice(0, 200)}`; return }
      const reports = (JSON.parse(text) as { reports?: unknown }).reports
      if (!Array.isArray(reports)) { unavailable = `POST /command/history: no "reports" array in ${text.slice(0, 200)}`; return }
      for (const r of reports as Array<Record<string, unknown>>) {
        if (typeof r.risk === 'number' && typeof r.t === 'number' && typeof r.remote === 'string') risks.set(riskKey(login, r.t, r.remote), r.risk)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: 8 }, worker))
  } finally {
    await pool.close()
  }
  if (unavailable === null && risks.size === 0) unavailable = 'the history route returns no per-report "risk"'
  return { risks, unavailable }
}
