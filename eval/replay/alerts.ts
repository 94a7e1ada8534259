/**
 * Reads alerts from `GET /command/alerts?since=<id>` (issue 17): recent alerts, oldest first, each
 * `{id, type, severity, login, remote, t, risk?, evidence}`. The answer may be a bare array or an
 * object with an `alerts` array. A daemon without the route (404) has no alerts to give: the
 * collector says so instead of failing, so the harness runs against today's daemon.
 */
import { Pool } from 'undici'

export interface Alert {
  readonly id: number | string
  readonly type: string
  readonly severity?: string
  readonly login: string | null
  readonly remote: string | null
  readonly t: number
  readonly risk?: number
  readonly evidence?: unknown
}

export class AlertCollector {
  readonly alerts: Alert[] = []
  /** Null while the route answers; the reason once it is known to be missing or broken. */
  unavailable: string | null = null
  readonly #pool: Pool
  readonly #auth: string
  #since: number | string = 0
  readonly #seen = new Set<string>()

  constructor (url: string, password: string) {
    this.#pool = new Pool(url, { connections: 1 })
    this.#auth = 'Basic ' + Buffer.from(`eval:${password}`).toString('base64')
  }

  /** Reads every alert after the last one seen (several pages when the daemon pages them). */
  async poll (): Promise<void> {
    if (this.unavailable !== null) return
    for (let page = 0; page < 10_000; page++) {
      const res = await this.#pool.request({ path: `/command/alerts?since=${encodeURIComponent(String(this.#since))}`, method: 'GET', headers: { authorization: this.#auth } })
      const text = await res.body.text()
      if (res.statusCode === 404) { this.unavailable = 'the daemon has no GET /command/alerts route (404): zero alerts read'; return }
      if (res.statusCode !== 200) { this.unavailable = `GET /command/alerts answered ${res.statusCode}: ${text.slice(0, 200)}`; return }
      const list = parseAlerts(text)
      const fresh = list.filter((a) => !this.#seen.has(String(a.id)))
      for (const a of fresh) { this.#seen.add(String(a.id)); this.alerts.push(a) }
      if (fresh.length === 0) return
      this.#since = list[list.length - 1]!.id
    }
  }

  async close (): Promise<void> { await this.#pool.close() }
}

export function parseAlerts (text: string): Alert[] {
  let body: unknown
  try { body = JSON.parse(text) } catch { throw new Error(`GET /command/alerts: not JSON: ${text.slice(0, 200)}`) }
  const list = Array.isArray(body) ? body : (body as { alerts?: unknown }).alerts
  if (!Array.isArray(list)) throw new Error(`GET /command/alerts: expected an array or {"alerts": [...]}, got ${text.slice(0, 200)}`)
  return list.map((raw, i) => {
    const a = raw as Record<string, unknown>
    if (typeof a.type !== 'string' || typeof a.t !== 'number') throw new Error(`GET /command/alerts: alert ${i} lacks a string "type" or a numeric "t": ${JSON.stringify(raw).slice(0, 200)}`)
    return {
      id: typeof a.id === 'number' || typeof a.id === 'string' ? a.id : i,
      type: a.type,
      severity: typeof a.severity === 'string' ? a.severity : undefined,
      login: typeof a.login === 'string' ? a.login : null,
      remote: typeof a.remote === 'string' ? a.remote : null,
      t: a.t,
      risk: typeof a.risk === 'number' ? a.risk : undefined,
      evidence: a.evidence
    }
  })
}
