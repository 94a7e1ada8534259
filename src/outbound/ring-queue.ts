/**
 * FIFO on a power-of-two ring that grows by doubling. O(1) push/shift without Array.shift's
 * O(n) copy, which hurts with tens of thousands of queued events. Capacity limits are the caller's.
 */
export class RingQueue<T> {
  #items: Array<T | undefined>
  #head = 0
  #length = 0

  constructor (initialCapacity = 64) {
    let capacity = 1
    while (capacity < initialCapacity) capacity *= 2
    this.#items = new Array<T | undefined>(capacity)
  }

  get length (): number { return this.#length }

  push (item: T): void {
    if (this.#length === this.#items.length) this.#grow()
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item
    this.#length++
  }

  shift (): T | undefined {
    if (this.#length === 0) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head] = undefined // let the event be collected
    this.#head = (this.#head + 1) & (this.#items.length - 1)
    this.#length--
    return item
  }

  /** Removes and returns everything, oldest first. */
  drainAll (): T[] {
    const out: T[] = []
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item)
    return out
  }

  #grow (): void {
    const old = this.#items
    const next = new Array<T | undefined>(old.length * 2)
    for (let i = 0; i < this.#length; i++) next[i] = old[(this.#head + i) & (old.length - 1)]
    this.#items = next
    this.#head = 0
  }
}
