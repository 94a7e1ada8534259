import { logger } from '../log/index.ts'

interface HookDrops {
  pending: number
  lastLineAt: number
  timer: NodeJS.Timeout | undefined
}

/**
 * Logs dropped events per hook at most once per interval, each line carrying the number of drops
 * since the previous one. A burst that ends between lines is flushed by a timer, so no drop goes
 * unreported even if the overload stops.
 */
export class DropLog {
  readonly #intervalMs: number
  readonly #now: () => number
  readonly #hooks = new Map<string, HookDrops>()

  constructor (now: () => number, intervalMs = 1000) {
    this.#now = now
    this.#intervalMs = intervalMs
  }

  record (hookName: string, reason: string): void {
    let state = this.#hooks.get(hookName)
    if (state === undefined) {
      state = { pending: 0, lastLineAt: -Infinity, timer: undefined }
      this.#hooks.set(hookName, state)
    }
    state.pending++
    const now = this.#now()
    if (now - state.lastLineAt >= this.#intervalMs) {
      this.#emit(hookName, state, reason, now)
    } else if (state.timer === undefined) {
      const wait = Math.max(0, state.lastLineAt + this.#intervalMs - now)
      state.timer = setTimeout(() => {
        state.timer = undefined
        if (state.pending > 0) this.#emit(hookName, state, reason, this.#now())
      }, wait)
      state.timer.unref()
    }
  }

  /** Logs whatever is pending now and stops the timers (shutdown). */
  flush (): void {
    for (const [name, state] of this.#hooks) {
      if (state.timer !== undefined) clearTimeout(state.timer)
      state.timer = undefined
      if (state.pending > 0) this.#emit(name, state, 'queue full or shutting down', this.#now())
    }
  }

  #emit (hookName: string, state: HookDrops, reason: string, now: number): void {
    logger.error('Custom webhook events dropped', { name: hookName, dropped: state.pending, reason })
    state.pending = 0
    state.lastLineAt = now
  }
}
