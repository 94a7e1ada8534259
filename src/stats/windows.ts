import { WINDOW_COUNT, WINDOW_SECONDS } from './constants.ts'

/** Milliseconds since an arbitrary but fixed origin; `Date.now` in production, a fake in tests. */
export type Clock = () => number

export interface WindowOptions {
  /** Window length; fractions are allowed so tests can run whole cycles in milliseconds. */
  windowSeconds?: number
  windowCount?: number
  now?: Clock
}

/**
 * Plain-JSON form of a set of windowed counters, e.g. to ship from a cluster worker to the primary.
 * `window` is the absolute index (`floor(now / windowMs)`) of the newest window; `counts[name]` is
 * oldest-first, one entry per window; `lifetime[name]` is the count since the process started.
 */
export interface WindowedState {
  windowMs: number
  windowCount: number
  window: number
  counts: Record<string, number[]>
  lifetime: Record<string, number>
}

class Row {
  readonly slots: Float64Array
  lifetime = 0
  constructor (count: number) { this.slots = new Float64Array(count) }
}

/**
 * Named counters over a sliding view of `windowCount` windows. Windows are aligned to absolute time
 * (not to construction), so states exported by several processes line up and can be summed.
 * Rotation is lazy: every access first clears the windows that elapsed since the last one, so there
 * is no timer per counter and an idle daemon costs nothing.
 */
export class WindowedCounters {
  readonly windowMs: number
  readonly windowCount: number
  readonly #now: Clock
  readonly #rows = new Map<string, Row>()
  #window: number

  constructor (options: WindowOptions = {}) {
    const seconds = options.windowSeconds ?? WINDOW_SECONDS
    const count = options.windowCount ?? WINDOW_COUNT
    if (!(seconds > 0) || !Number.isInteger(count) || count < 1) {
      throw new RangeError(`invalid stats windows: ${seconds} s × ${count}`)
    }
    this.windowMs = seconds * 1000
    this.windowCount = count
    this.#now = options.now ?? Date.now
    this.#window = Math.floor(this.#now() / this.windowMs)
  }

  /** Makes `name` appear (at 0) in totals and exports before anything is counted. */
  declare (name: string): void {
    if (!this.#rows.has(name)) this.#rows.set(name, new Row(this.windowCount))
  }

  has (name: string): boolean { return this.#rows.has(name) }

  /** Adds to the current window; an unknown name is declared on the fly. */
  inc (name: string, by = 1): void {
    this.#advance()
    let row = this.#rows.get(name)
    if (row === undefined) {
      row = new Row(this.windowCount)
      this.#rows.set(name, row)
    }
    row.slots[mod(this.#window, this.windowCount)] += by
    row.lifetime += by
  }

  /** Count over the live windows (the last `windowCount × windowSeconds`). */
  total (name: string): number {
    this.#advance()
    const row = this.#rows.get(name)
    return row === undefined ? 0 : sum(row.slots)
  }

  /** Count since this object was created, never rotated out. */
  lifetime (name: string): number {
    return this.#rows.get(name)?.lifetime ?? 0
  }

  /** Declared names in declaration order. */
  names (): string[] { return [...this.#rows.keys()] }

  /** Lifetime counts for every name, for scrape-time export to Prometheus. */
  * lifetimeEntries (): IterableIterator<[string, number]> {
    for (const [name, row] of this.#rows) yield [name, row.lifetime]
  }

  exportState (): WindowedState {
    this.#advance()
    const counts: Record<string, number[]> = {}
    const lifetime: Record<string, number> = {}
    const first = this.#window - this.windowCount + 1
    for (const [name, row] of this.#rows) {
      const ordered = new Array<number>(this.windowCount)
      for (let i = 0; i < this.windowCount; i++) ordered[i] = row.slots[mod(first + i, this.windowCount)] ?? 0
      counts[name] = ordered
      lifetime[name] = row.lifetime
    }
    return { windowMs: this.windowMs, windowCount: this.windowCount, window: this.#window, counts, lifetime }
  }

  #advance (): void {
    const current = Math.floor(this.#now() / this.windowMs)
    // A clock stepping backwards keeps counting into the newest window rather than resurrecting old ones.
    if (current <= this.#window) return
    const steps = Math.min(current - this.#window, this.windowCount)
    for (const row of this.#rows.values()) {
      for (let i = 1; i <= steps; i++) row.slots[mod(this.#window + i, this.windowCount)] = 0
    }
    this.#window = current
  }
}

function sum (values: ArrayLike<number>): number {
  let total = 0
  for (let i = 0; i < values.length; i++) total += values[i] ?? 0
  return total
}

function mod (n: number, m: number): number {
  return ((n % m) + m) % m
}

/** Per-name count over the live windows of an exported state. */
export function windowTotals (state: WindowedState): Record<string, number> {
  const totals: Record<string, number> = {}
  for (const name in state.counts) totals[name] = sum(state.counts[name] ?? [])
  return totals
}
