import { LUA_MASKCOUNT, LUA_OK, LUA_REGISTRYINDEX, LUA_YIELD } from './constants.ts'
import { type LuaCall } from './call.ts'
import { type AsyncOutcome, type ResultPusher } from './host.ts'
import { LuaScriptError } from './lua-error.ts'
import { type LuaState } from './state.ts'

/** How many VM instructions run between two time-limit checks: cheap, and fine-grained enough for a 1 ms budget. */
export const HOOK_INTERVAL = 10000

/**
 * One call on a Lua state: its own coroutine (lua_newthread) and its own bookkeeping, so one state
 * can hold many calls suspended on host I/O at once while other calls run on it. The coroutine is
 * anchored in the registry for as long as the frame lives, so the collector never takes it from
 * under a suspended call. A frame that finished cleanly is reused by the next call on its state.
 */
export class CallFrame {
  readonly state: LuaState
  readonly thread: number
  readonly #threadRef: number
  call: LuaCall | null = null
  label = ''
  /** CPU time this call has run so far, in ms; time suspended on a host call is not counted. */
  usedMs = 0
  /** state.now() past which the running slice is over the call's remaining budget. */
  deadline = 0
  /** Set by the time-limit hook: this call ran out of budget (the flag LuaScriptError.timedOut reports). */
  tripped = false
  /** The host call this frame is suspended on, handed over by the bridge just before it yields. */
  pending: Promise<ResultPusher> | null = null
  #outcome: AsyncOutcome | null = null
  // Made once per frame (frames are reused), not once per wait.
  readonly #resolved = (push: ResultPusher): void => { this.#outcome = { push, error: null }; this.resume(0) }
  readonly #rejected = (err: unknown): void => {
    this.#outcome = { push: null, error: err instanceof Error ? err.message : String(err) }
    this.resume(0)
  }

  constructor (state: LuaState) {
    const raw = state.bridge.lua.raw
    this.state = state
    this.thread = raw.lua_newthread(state.L)
    this.#threadRef = raw.luaL_ref(state.L, LUA_REGISTRYINDEX)
    raw.lua_sethook(this.thread, state.hookPointer, LUA_MASKCOUNT, HOOK_INTERVAL)
  }

  /** Prepares a reused or new frame for `call`; the caller then pushes the function and its arguments. */
  begin (call: LuaCall, label: string): void {
    this.call = call
    this.label = label
    this.usedMs = 0
  }

  /** The result of the host call this frame was suspended on, read once by the bridge's continuation. */
  takeOutcome (): AsyncOutcome | null {
    const outcome = this.#outcome
    this.#outcome = null
    return outcome
  }

  /** Runs the coroutine until it yields on a host call, returns or fails. */
  resume (nargs: number): void {
    const state = this.state
    const bridge = state.bridge
    const lua = bridge.lua
    const outerState = bridge.current
    const outerFrame = state.running
    const started = state.now()
    this.deadline = started + state.timeLimitMs - this.usedMs
    bridge.current = state
    state.running = this
    let status: number
    try {
      status = lua.raw.lua_resume(this.thread, state.L, nargs, lua.outPtr)
    } finally {
      bridge.current = outerState
      state.running = outerFrame
      this.usedMs += state.now() - started
    }
    if (status === LUA_YIELD) {
      const pending = this.pending
      this.pending = null
      if (pending !== null) {
        pending.then(this.#resolved, this.#rejected)
        return
      }
      this.fail('attempt to yield from the top level of a trackalert function (coroutine.yield outside a coroutine of your own)')
      return
    }
    if (status === LUA_OK) {
      const heap = lua.heap
      const p = lua.outPtr
      this.#succeed(heap[p] | (heap[p + 1] << 8) | (heap[p + 2] << 16) | (heap[p + 3] << 24))
      return
    }
    this.fail(null)
  }

  #succeed (nresults: number): void {
    const call = this.call as LuaCall
    this.call = null
    this.state.frameEnded()
    try {
      call.done(null, this.thread, nresults)
    } finally {
      // A call that caught its own timeout in pcall and still returned keeps the tripped hook: retire it.
      if (this.tripped) this.retire()
      else this.state.recycle(this)
    }
  }

  /**
   * Ends the call with the error on the coroutine's stack (or `message`), with a traceback. Only this
   * frame's coroutine is touched: other calls suspended on the same state carry on.
   */
  fail (message: string | null): void {
    const state = this.state
    const lua = state.bridge.lua
    const raw = lua.raw
    const co = this.thread
    const msg = message ?? lua.toString(co, -1) ?? '(error object is not a string)'
    raw.luaL_traceback(state.L, co, lua.cstr(''), 0)
    const trace = (lua.toString(state.L, -1) ?? '').replace(/^\n/, '')
    raw.lua_settop(state.L, -2)
    const timedOut = this.tripped
    const call = this.call
    this.call = null
    this.retire()
    state.frameEnded()
    call?.done(new LuaScriptError(msg, trace, timedOut), co, 0)
  }

  /**
   * Drops the coroutine: closes its pending to-be-closed variables and releases its registry anchor so
   * the collector can take it. A failed coroutine is never reused: an error raised inside the count
   * hook leaves the thread's allowhook flag off, and lua_resetthread does not restore it.
   */
  retire (): void {
    const raw = this.state.bridge.lua.raw
    raw.lua_resetthread(this.thread)
    raw.luaL_unref(this.state.L, LUA_REGISTRYINDEX, this.#threadRef)
  }
}
