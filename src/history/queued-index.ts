import { FEATURE_KINDS, featureValue, type FeatureKind, type GlobalFeature, type GlobalTotals, type HistoryRecord } from './types.ts'

/** What queued reports are found by: a read about a login, an address or a network. */
export type PendingIndex = 'login' | 'remote' | 'prefix'
const INDEXES: readonly PendingIndex[] = ['login', 'remote', 'prefix']
const NONE: readonly HistoryRecord[] = []

interface Counts { successes: number, failures: number }

/**
 * The writer's queue as reads look it up: the queued reports per login, address and network
 * (queue order kept per key), and the success and failure counts per feature value and in all,
 * so that a read merges what concerns it without scanning the queue.
 */
export class QueuedIndex {
  readonly #lists: Record<PendingIndex, Map<string, HistoryRecord[]>> = { login: new Map(), remote: new Map(), prefix: new Map() }
  readonly #values: Record<FeatureKind, Map<string, Counts>> = { device: new Map(), country: new Map(), prefix: new Map() }
  readonly #totals: Counts = { successes: 0, failures: 0 }

  of (index: PendingIndex, key: string): readonly HistoryRecord[] {
    return this.#lists[index].get(key) ?? NONE
  }

  /** Queued successes and failures with this value (the distinct-login count is not kept: `logins` 0). */
  value (kind: FeatureKind, value: string): GlobalFeature {
    const c = this.#values[kind].get(value)
    return c === undefined ? { logins: 0, successes: 0, failures: 0 } : { logins: 0, successes: c.successes, failures: c.failures }
  }

  /** The distinct values of a kind in the queue. */
  values (kind: FeatureKind): IterableIterator<string> { return this.#values[kind].keys() }

  get totals (): GlobalTotals { return { logins: 0, successes: this.#totals.successes, failures: this.#totals.failures } }

  /** Records joining the queue at its tail, or put back at its head (a busy commit). */
  add (records: readonly HistoryRecord[], atHead: boolean): void {
    const list = atHead ? [...records].reverse() : records
    for (const r of list) {
      for (const index of INDEXES) {
        const key = r[index]
        const l = this.#lists[index].get(key)
        if (l === undefined) this.#lists[index].set(key, [r])
        else if (atHead) l.unshift(r)
        else l.push(r)
      }
      this.#count(r, 1)
    }
  }

  /** Records taken from the head of the queue: they are at the head of each of their lists. */
  remove (records: readonly HistoryRecord[]): void {
    for (const r of records) {
      for (const index of INDEXES) {
        const map = this.#lists[index]
        const l = map.get(r[index])
        if (l === undefined) continue
        l.shift()
        if (l.length === 0) map.delete(r[index])
      }
      this.#count(r, -1)
    }
  }

  #count (r: HistoryRecord, by: 1 | -1): void {
    const field = r.success ? 'successes' : 'failures'
    this.#totals[field] += by
    for (const kind of FEATURE_KINDS) {
      const value = featureValue(r, kind)
      if (value === null) continue
      const map = this.#values[kind]
      const c = map.get(value) ?? { successes: 0, failures: 0 }
      c[field] += by
      if (c.successes === 0 && c.failures === 0) map.delete(value)
      else map.set(value, c)
    }
  }
}
