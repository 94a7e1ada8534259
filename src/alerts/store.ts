import { type RoutedAlert } from './input.ts'
import { type Alert } from './types.ts'

/** GET /command/alerts: alerts after `since` (an id), of a type, of a login; at most `limit`. */
export interface AlertQuery {
  readonly since?: number
  readonly type?: string
  readonly login?: string
  readonly limit: number
}

/** How much the store keeps (setAlertOptions). */
export interface AlertBounds {
  /** Alerts always kept, newest first, whatever their age. */
  readonly keep: number
  /** Seconds of event time always kept, counted back from the newest alert. */
  readonly keepForS: number
  /** Hard bound: never more alerts than this, however recent (memory). */
  readonly keepMax: number
}

export const DEFAULT_ALERT_BOUNDS: AlertBounds = { keep: 10_000, keepForS: 30 * 86400, keepMax: 100_000 }

/**
 * Where the hub keeps accepted alerts: in memory, or in the login history database (SQLite /
 * PostgreSQL, src/history/*-alerts.ts) when setHistory is on, which keeps them across restarts.
 * Contract: `append` is called in increasing id order; `query` answers oldest first; `lastId`
 * (read once, before the first append) lets ids keep increasing across restarts.
 * The outbox: an alert is appended unrouted, with the report attributes its routes read;
 * `markRouted` records that every route's delivery of it ended (and forgets the attributes);
 * `unrouted` lists, at start, those a previous run did not finish delivering.
 */
export interface AlertStore {
  lastId (): Promise<number>
  append (alert: Alert, attrs?: Readonly<Record<string, unknown>>): Promise<void>
  query (query: AlertQuery): Promise<Alert[]>
  /** New bounds (a reload); alerts beyond them go at the next append. */
  setBounds (bounds: AlertBounds): void
  markRouted (id: number): Promise<void>
  unrouted (): Promise<RoutedAlert[]>
  /**
   * Privacy erasure (eraseHistory): removes every alert about `login`, its attributes included,
   * and resolves with how many. Ids still continue from the highest one after a restart.
   */
  eraseLogin (login: string): Promise<number>
  /** Waits for writes under way, then lets the database go. */
  close (): Promise<void>
}

/**
 * Alerts in memory, in id order. An alert goes only once it is both beyond the last `keep` and
 * older than `keepForS` (event time) — "at least the last 10,000 and 30 days" — or past `keepMax`.
 */
export class MemoryAlertStore implements AlertStore {
  #alerts: Alert[] = []
  #head = 0
  #bounds: AlertBounds

  constructor (bounds: AlertBounds = DEFAULT_ALERT_BOUNDS) { this.#bounds = bounds }

  get size (): number { return this.#alerts.length - this.#head }

  async lastId (): Promise<number> { return this.size === 0 ? 0 : this.#alerts[this.#alerts.length - 1].id }

  setBounds (bounds: AlertBounds): void { this.#bounds = bounds }

  async append (alert: Alert): Promise<void> {
    this.#alerts.push(alert)
    this.#prune(alert.t)
  }

  /** Nothing to mark: memory does not outlive the process, so nothing is ever delivered twice. */
  async markRouted (): Promise<void> {}

  async unrouted (): Promise<RoutedAlert[]> { return [] }

  async close (): Promise<void> {}

  async eraseLogin (login: string): Promise<number> {
    const kept = this.#alerts.slice(this.#head).filter((a) => a.login !== login)
    const removed = this.size - kept.length
    this.#alerts = kept
    this.#head = 0
    return removed
  }

  async query (q: AlertQuery): Promise<Alert[]> {
    const matches = (a: Alert): boolean => (q.type === undefined || a.type === q.type) && (q.login === undefined || a.login === q.login)
    const out: Alert[] = []
    if (q.since !== undefined) {
      // Polling with since=<last id seen>: the next ones, oldest first.
      for (let i = this.#firstAfter(q.since); i < this.#alerts.length && out.length < q.limit; i++) {
        if (matches(this.#alerts[i])) out.push(this.#alerts[i])
      }
      return out
    }
    // No position: the newest `limit`, still oldest first.
    for (let i = this.#alerts.length - 1; i >= this.#head && out.length < q.limit; i--) {
      if (matches(this.#alerts[i])) out.push(this.#alerts[i])
    }
    return out.reverse()
  }

  /** Index of the first alert with an id above `id` (ids increase along the array). */
  #firstAfter (id: number): number {
    let lo = this.#head
    let hi = this.#alerts.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.#alerts[mid].id <= id) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  #prune (newestT: number): void {
    const { keep, keepForS, keepMax } = this.#bounds
    while (this.size > keepMax || (this.size > keep && this.#alerts[this.#head].t < newestT - keepForS)) this.#head++
    // Compact once the dropped head is most of the array, so pruning stays O(1) amortised.
    if (this.#head > 1024 && this.#head * 2 > this.#alerts.length) {
      this.#alerts = this.#alerts.slice(this.#head)
      this.#head = 0
    }
  }
}
