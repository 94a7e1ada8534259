import { type LuaState } from './state.ts'

/** Waits for a free state; an object (a queued call) rather than a closure. */
export interface StateWaiter {
  acquired (state: LuaState): void
}

/**
 * The report states. A request takes a free state or queues (FIFO) until one is released; the time
 * spent queued is the WTW figure of the statistics.
 */
export class LuaStatePool {
  readonly #free: LuaState[]
  readonly #all: readonly LuaState[]
  readonly #waiters: StateWaiter[] = []
  #waitHead = 0

  constructor (states: readonly LuaState[]) {
    this.#all = states
    this.#free = [...states].reverse()
  }

  get size (): number { return this.#all.length }
  get busy (): number { return this.#all.length - this.#free.length }
  get queued (): number { return this.#waiters.length - this.#waitHead }
  get states (): readonly LuaState[] { return this.#all }

  /** A free state now, or null: the caller then queues with `wait`. */
  tryAcquire (): LuaState | null {
    return this.#free.pop() ?? null
  }

  wait (waiter: StateWaiter): void {
    this.#waiters.push(waiter)
  }

  acquire (): Promise<LuaState> {
    const s = this.tryAcquire()
    if (s !== null) return Promise.resolve(s)
    return new Promise((resolve) => this.wait({ acquired: resolve }))
  }

  release (state: LuaState): void {
    if (this.#waitHead < this.#waiters.length) {
      const next = this.#waiters[this.#waitHead]
      this.#waiters[this.#waitHead++] = undefined as unknown as StateWaiter
      if (this.#waitHead > 1024 && this.#waitHead * 2 > this.#waiters.length) {
        this.#waiters.splice(0, this.#waitHead)
        this.#waitHead = 0
      }
      next.acquired(state)
      return
    }
    this.#free.push(state)
  }
}
