/**
 * The decoder cache handed to the maxmind reader (`new Reader(buf, { cache })` has none by default;
 * maxmind.open's is an LRU of 10 000 decoded values keyed by data offset). Cached values are shared
 * by every later lookup of the same record, so they are deep-frozen: a caller that mutates a
 * lookupValue() result gets a TypeError instead of silently corrupting other lookups.
 */
export class FrozenLruCache {
  readonly #max: number
  readonly #entries = new Map<string | number, unknown>()

  constructor (max: number) {
    this.#max = max
  }

  get (key: string | number): unknown {
    const value = this.#entries.get(key)
    if (value !== undefined) {
      // Re-insert so the Map's insertion order doubles as recency order.
      this.#entries.delete(key)
      this.#entries.set(key, value)
    }
    return value
  }

  set (key: string | number, value: unknown): void {
    if (this.#entries.size >= this.#max && !this.#entries.has(key)) {
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) this.#entries.delete(oldest.value)
    }
    this.#entries.set(key, deepFreeze(value))
  }

  get size (): number { return this.#entries.size }
}

function deepFreeze<T> (value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value
  Object.freeze(value)
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  return value
}
