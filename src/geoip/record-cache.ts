import { LRUCache } from 'lru-cache'

/**
 * The decoder cache handed to the maxmind reader (`new Reader(buf, { cache })` has none by default;
 * maxmind.open's is an LRU of 10 000 decoded values keyed by data offset). Cached values are shared
 * by every later lookup of the same record, so they are deep-frozen: a caller that mutates a
 * lookupValue() result gets a TypeError instead of silently corrupting other lookups.
 */
export class FrozenLruCache {
  // lru-cache: a hit relinks indexes instead of re-inserting into a Map (no garbage per lookup).
  readonly #entries: LRUCache<string | number, NonNullable<unknown>>

  constructor (max: number) {
    this.#entries = new LRUCache({ max })
  }

  get (key: string | number): unknown {
    return this.#entries.get(key)
  }

  set (key: string | number, value: unknown): void {
    // The decoder stores { value, offset } records; lru-cache cannot hold null or undefined anyway.
    if (value === null || value === undefined) return
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
