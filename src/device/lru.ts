/**
 * A bounded least-recently-used map. Map iteration order is insertion order, so re-inserting a key on
 * every hit keeps the least recently used entry first and eviction is `keys().next()`: O(1), no linked list.
 */
export class LruCache<K, V> {
  readonly #map = new Map<K, V>()
  #capacity: number

  /** `capacity` 0 disables storage: every `get` misses and `set` is a no-op. */
  constructor (capacity: number) {
    this.#capacity = checkCapacity(capacity)
  }

  get capacity (): number { return this.#capacity }
  get size (): number { return this.#map.size }

  /** Returns the value and marks it most recently used. */
  get (key: K): V | undefined {
    const value = this.#map.get(key)
    if (value === undefined) return undefined
    this.#map.delete(key)
    this.#map.set(key, value)
    return value
  }

  /** Looks without touching recency (for tests and diagnostics). */
  peek (key: K): V | undefined {
    return this.#map.get(key)
  }

  has (key: K): boolean {
    return this.#map.has(key)
  }

  set (key: K, value: V): void {
    if (this.#capacity === 0) return
    if (this.#map.has(key)) this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size > this.#capacity) this.#evict(this.#map.size - this.#capacity)
  }

  delete (key: K): boolean {
    return this.#map.delete(key)
  }

  clear (): void {
    this.#map.clear()
  }

  /** Shrinking evicts the least recently used entries straight away. */
  resize (capacity: number): void {
    this.#capacity = checkCapacity(capacity)
    if (this.#map.size > this.#capacity) this.#evict(this.#map.size - this.#capacity)
  }

  /** Keys from least to most recently used. */
  keys (): IterableIterator<K> {
    return this.#map.keys()
  }

  #evict (count: number): void {
    const keys = this.#map.keys()
    for (let i = 0; i < count; i++) {
      const next = keys.next()
      if (next.done === true) return
      this.#map.delete(next.value)
    }
  }
}

function checkCapacity (capacity: number): number {
  if (!Number.isSafeInteger(capacity) || capacity < 0) {
    throw new RangeError(`cache capacity must be a non-negative integer, got ${String(capacity)}`)
  }
  return capacity
}
