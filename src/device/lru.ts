import { LRUCache } from 'lru-cache'

/**
 * A bounded least-recently-used map that can be resized and disabled (capacity 0), as
 * setDeviceCacheSize() needs. lru-cache keeps recency in preallocated index arrays, so a hit only
 * relinks two indexes: no allocation on the report path. (Re-inserting into a Map on every hit
 * made V8 rebuild the Map's table, which then lived long enough to fill the old generation.)
 */
export class LruCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>> {
  #cache: LRUCache<K, V> | null
  #capacity: number

  /** `capacity` 0 disables storage: every `get` misses and `set` is a no-op. */
  constructor (capacity: number) {
    this.#capacity = checkCapacity(capacity)
    this.#cache = capacity === 0 ? null : new LRUCache<K, V>({ max: capacity })
  }

  get capacity (): number { return this.#capacity }
  get size (): number { return this.#cache?.size ?? 0 }

  /** Returns the value and marks it most recently used. */
  get (key: K): V | undefined {
    return this.#cache?.get(key)
  }

  /** Looks without touching recency (for tests and diagnostics). */
  peek (key: K): V | undefined {
    return this.#cache?.peek(key)
  }

  has (key: K): boolean {
    return this.#cache?.has(key) ?? false
  }

  set (key: K, value: V): void {
    this.#cache?.set(key, value)
  }

  delete (key: K): boolean {
    return this.#cache?.delete(key) ?? false
  }

  clear (): void {
    this.#cache?.clear()
  }

  /** Keeps the most recently used entries that fit; the rest are dropped straight away. */
  resize (capacity: number): void {
    this.#capacity = checkCapacity(capacity)
    const old = this.#cache
    this.#cache = capacity === 0 ? null : new LRUCache<K, V>({ max: capacity })
    if (old === null || this.#cache === null) return
    // Oldest first, so the newest entries end up most recent (and survive if they do not all fit).
    for (const key of old.rkeys()) this.#cache.set(key, old.peek(key) as V)
  }

  /** Keys from least to most recently used. */
  * keys (): IterableIterator<K> {
    if (this.#cache !== null) yield * this.#cache.rkeys()
  }
}

function checkCapacity (capacity: number): number {
  if (!Number.isSafeInteger(capacity) || capacity < 0) {
    throw new RangeError(`cache capacity must be a non-negative integer, got ${String(capacity)}`)
  }
  return capacity
}
