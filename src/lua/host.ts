import assert from 'node:assert'
import { type LuaModule } from './wasm.ts'
import { type LuaState } from './state.ts'

/** Pushes a host call's results onto `L` and returns how many it pushed. */
export type ResultPusher = (L: number) => number

/**
 * A host function: reads its arguments from `L` and returns the number of results it pushed, or a
 * promise of a pusher for I/O that must not block the event loop: the calling coroutine yields,
 * the event loop keeps serving, and the coroutine resumes with the results.
 */
export type HostImpl = (L: number, state: LuaState) => number | Promise<ResultPusher>

export interface HostFunction {
  /** Global name, or `__name` for internals the prelude moves into tables. */
  readonly name: string
  readonly impl: HostImpl
}

/**
 * Emscripten implements longjmp (lua_error, lua_yield) by throwing this value through JS frames.
 * It must pass through our wrappers untouched so the Lua runtime can catch it.
 */
const LONGJMP = Infinity

export interface AsyncOutcome {
  push: ResultPusher | null
  error: string | null
}

/**
 * The bridge between JS and the Lua states of one process. JS is single-threaded and Lua runs
 * synchronously inside lua_resume, so "the state running now" is a plain field set around every
 * resume; the state's `running` frame is the call within it (many may be suspended, one runs).
 */
export class HostBridge {
  readonly lua: LuaModule
  current: LuaState | null = null
  readonly #pointers = new Map<HostImpl, number>()
  readonly continuation: number

  constructor (lua: LuaModule) {
    this.lua = lua
    // Called by Lua when a coroutine that yielded inside a host call is resumed: the outcome is the
    // resumed call's own (its frame's), never another call's on the same state.
    this.continuation = lua.addFunction((L: number) => {
      const state = this.current
      const outcome = state === null ? null : state.takeAsyncOutcome()
      if (outcome === null || outcome.error !== null) {
        this.#raise(L, outcome?.error ?? 'internal error: resumed without a result', true)
        return 0
      }
      return outcome.push === null ? 0 : outcome.push(L)
    }, 'iiii')
  }

  /** The C function pointer for `impl` (created once, shared by all states). */
  pointer (fn: HostFunction): number {
    let ptr = this.#pointers.get(fn.impl)
    if (ptr === undefined) {
      ptr = this.#wrap(fn.name, fn.impl)
      this.#pointers.set(fn.impl, ptr)
    }
    return ptr
  }

  #wrap (name: string, impl: HostImpl): number {
    const lua = this.lua
    const raw = lua.raw
    return lua.addFunction((L: number): number => {
      const state = this.current
      let message: string
      try {
        assert(state !== null, 'host function called outside a trackalert Lua state')
        const result = impl(L, state)
        if (typeof result === 'number') return result
        if (L === state.thread && raw.lua_isyieldable(L) !== 0) {
          state.beginAsync(result)
          return raw.lua_yieldk(L, 0, 0, this.continuation)
        }
        result.catch(() => {})
        message = `${name.replace(/^__ta\./, '')}: cannot wait for I/O here (called from a table.sort or string.gsub callback, a metamethod, or a coroutine of your own)`
      } catch (err) {
        if (err === LONGJMP) throw err
        message = err instanceof Error ? err.message : String(err)
      }
      this.#raise(L, message, true)
      return 0
    }, 'ii')
  }

  /** Raises a Lua error with `message`, prefixed by the caller's `file:line:` when `where` is set. Never returns. */
  #raise (L: number, message: string, where: boolean): void {
    const raw = this.lua.raw
    if (where) {
      raw.luaL_where(L, 1)
      this.lua.pushString(L, message)
      raw.lua_concat(L, 2)
    } else {
      this.lua.pushString(L, message)
    }
    raw.lua_error(L)
  }
}
