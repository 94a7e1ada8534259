import assert from 'node:assert'
import { type LuaState } from './state.ts'

/**
 * The report states. A state is busy only while Lua code runs on it, which between two event-loop
 * turns is never, so every call can start on some state at once; the pool puts a call on the
 * state with the fewest calls in flight (the first such), so suspended calls spread over the
 * states. The bound on calls in flight is the dispatcher's.
 */
export class LuaStatePool {
  readonly #all: readonly LuaState[]

  constructor (states: readonly LuaState[]) {
    this.#all = states
  }

  get size (): number { return this.#all.length }
  get states (): readonly LuaState[] { return this.#all }

  /** States holding at least one call, running or suspended on a host call. */
  get busy (): number {
    let n = 0
    for (const s of this.#all) if (s.callsInFlight > 0) n++
    return n
  }

  /** Calls started and not finished, over all states. */
  get callsInFlight (): number {
    let n = 0
    for (const s of this.#all) n += s.callsInFlight
    return n
  }

  /**
   * The state for the next call: the first with the fewest calls in flight. Calls that finish at
   * once (no I/O) keep landing on the first state, as a free-state stack did before calls could
   * suspend: its code and tables stay warm in the CPU caches, and a config's in-memory tables see
   * a sequential stream of reports in one place (upstream's examples rely on that).
   */
  pick (): LuaState {
    const all = this.#all
    const n = all.length
    assert(n > 0, 'no Lua states to run on')
    let at = 0
    for (let j = 1; j < n && all[at].callsInFlight > 0; j++) {
      if (all[j].callsInFlight < all[at].callsInFlight) at = j
    }
    return all[at]
  }
}
