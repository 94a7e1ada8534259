import { type LuaState } from './state.ts'

/**
 * The report states. A state is busy only while Lua code runs on it, which between two event-loop
 * turns is never, so every call can start on some state at once; the pool spreads calls over the
 * states (fewest calls in flight first) so that each state's globals, GC and suspended coroutines
 * carry an even share. The bound on calls in flight is the dispatcher's.
 */
export class LuaStatePool {
  readonly #all: readonly LuaState[]
  #next = 0

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
   * The state for the next call: the first with the fewest calls in flight, searching from the one
   * after the last pick, so calls that finish at once (no I/O) still rotate over all states.
   */
  pick (): LuaState {
    const all = this.#all
    const n = all.length
    if (n === 0) throw new Error('no Lua states to run on')
    let at = this.#next % n
    for (let i = 1; i < n && all[at].callsInFlight > 0; i++) {
      const j = (this.#next + i) % n
      if (all[j].callsInFlight < all[at].callsInFlight) at = j
    }
    this.#next = at + 1
    return all[at]
  }
}
