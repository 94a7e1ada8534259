import { type DeliveryTimers } from '../../src/outbound/index.ts'

interface Pending { at: number, seq: number, callback: () => void }

/** A clock that moves only when the test says so; timers fire in time order as it passes them. */
export class ManualTimers implements DeliveryTimers {
  #now = 0
  #seq = 0
  readonly #pending = new Set<Pending>()

  now (): number { return this.#now }

  setTimeout (callback: () => void, ms: number): unknown {
    const timer: Pending = { at: this.#now + ms, seq: this.#seq++, callback }
    this.#pending.add(timer)
    return timer
  }

  clearTimeout (handle: unknown): void { this.#pending.delete(handle as Pending) }

  /** Delays of the timers set and not yet fired, from now, soonest first. */
  delays (): number[] { return [...this.#pending].map((p) => p.at - this.#now).sort((a, b) => a - b) }

  /** Moves the clock by `ms`, firing every timer due on the way. */
  advance (ms: number): void {
    const end = this.#now + ms
    for (;;) {
      const due = [...this.#pending].filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0]
      if (due === undefined) break
      this.#pending.delete(due)
      this.#now = due.at
      due.callback()
    }
    this.#now = end
  }
}

/** Lets the queue's deferred pump (setImmediate) and settled attempt promises run. */
export async function settle (): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
}
