import { readFileSync } from 'node:fs'
import { LUA_MASKCOUNT, LUA_OK, LUA_REGISTRYINDEX, LUA_YIELD } from './constants.ts'
import { type AsyncOutcome, type HostBridge, type HostFunction, type ResultPusher } from './host.ts'
import { LuaScriptError, TIMEOUT_MARK } from './lua-error.ts'

/** Which copy of the config this state is: the config state applies settings; report states only register hooks. */
export type StateRole = 'config' | 'report' | 'probe'

/** Arguments pushed onto the coroutine before a call; an object rather than a closure to keep the hot path allocation-light. */
export interface LuaArgs {
  push (L: number): number
}

export type CallDone = (err: LuaScriptError | null, L: number, nresults: number) => void

/** Receives a call's outcome: an object rather than a closure, so a report's call allocates none. */
export interface CallCompletion {
  complete (err: LuaScriptError | null, L: number, nresults: number): void
}

/** The callback form (start-up, console, tests) as a CallCompletion. */
export function completion (done: CallDone): CallCompletion {
  return { complete: done }
}

/** How many VM instructions run between two time-limit checks: cheap, and fine-grained enough for a 1 ms budget. */
const HOOK_INTERVAL = 10000
const NO_ARGS: LuaArgs = { push: () => 0 }

/**
 * One Lua state (a complete copy of the configuration). Every call runs on the state's single
 * coroutine, driven from JS with lua_resume, so host functions can yield for I/O. A state runs one
 * call at a time; the pool hands out free states.
 */
export class LuaState {
  readonly L: number
  /** The coroutine calls run on; replaced after a failed call (see #fail). */
  thread: number
  #threadRef: number
  readonly role: StateRole
  readonly index: number
  readonly bridge: HostBridge
  /** Per-slice CPU budget in ms: a runaway script is interrupted after this long without yielding. */
  timeLimitMs = 1000
  /** Function references (registry) registered by setReport/setCustomEndpoint/setBackground in this state. */
  reportRef = 0
  readonly customRefs = new Map<string, number>()
  readonly backgroundRefs = new Map<string, number>()
  /** True while the state runs trackalert.conf; report states then repeat what the config state did. */
  loadingConfig = false
  /** Free-form slot for the host API (per-state objects such as NetmaskGroups). */
  readonly data = new Map<string, unknown>()

  #deadline = 0
  #tripped = false
  #pending: Promise<ResultPusher> | null = null
  #outcome: AsyncOutcome | null = null
  #label = ''
  #done: CallCompletion | null = null
  readonly #hook: number

  constructor (bridge: HostBridge, role: StateRole, index: number, hookPointer: number) {
    const raw = bridge.lua.raw
    this.bridge = bridge
    this.role = role
    this.index = index
    this.L = raw.luaL_newstate()
    raw.luaL_openlibs(this.L)
    this.#hook = hookPointer
    this.thread = 0
    this.#threadRef = 0
    this.#newThread()
  }

  /** A fresh coroutine, anchored in the registry so the collector keeps it, with the time-limit hook. */
  #newThread (): void {
    const raw = this.bridge.lua.raw
    if (this.#threadRef !== 0) raw.luaL_unref(this.L, LUA_REGISTRYINDEX, this.#threadRef)
    this.thread = raw.lua_newthread(this.L)
    this.#threadRef = raw.luaL_ref(this.L, LUA_REGISTRYINDEX)
    raw.lua_sethook(this.thread, this.#hook, LUA_MASKCOUNT, HOOK_INTERVAL)
  }

  /** Installs host functions as globals. */
  install (functions: readonly HostFunction[]): void {
    const { raw } = this.bridge.lua
    for (const fn of functions) {
      raw.lua_pushcclosure(this.L, this.bridge.pointer(fn), 0)
      raw.lua_setglobal(this.L, this.bridge.lua.cstr(fn.name))
    }
  }

  /** Called from the time-limit hook: true when the running slice is over budget. */
  overBudget (): boolean {
    if (this.#tripped) return true
    if (performance.now() <= this.#deadline) return false
    this.#tripped = true
    return true
  }

  get label (): string { return this.#label }

  /** Loads and runs a Lua chunk; errors name `chunkName` (use `@file` for files so messages read `file:line:`). */
  runChunk (source: Uint8Array | string, chunkName: string, done: CallDone): void {
    const lua = this.bridge.lua
    const co = this.thread
    lua.raw.lua_settop(co, 0)
    const len = typeof source === 'string' ? lua.writeScratch(source) : lua.writeScratchBytes(source)
    const status = lua.raw.luaL_loadbufferx(co, lua.scratch, len, lua.cstr(chunkName), 0)
    if (status !== LUA_OK) {
      const message = lua.toString(co, -1) ?? 'unknown load error'
      lua.raw.lua_settop(co, 0)
      done(new LuaScriptError(message, message, false, true), co, 0)
      return
    }
    this.#start('chunk', 0, completion(done))
  }

  runFile (path: string, chunkName: string, done: CallDone): void {
    let source: Buffer
    try {
      source = readFileSync(path)
    } catch (err) {
      const message = `${chunkName.replace(/^@/, '')}: cannot read: ${(err as Error).message}`
      done(new LuaScriptError(message, message), this.thread, 0)
      return
    }
    this.runChunk(source, chunkName, done)
  }

  /** Calls the function stored at registry `ref` with `args`. `done` may run synchronously. */
  call (ref: number, args: LuaArgs | null, label: string, done: CallCompletion): void {
    const raw = this.bridge.lua.raw
    const co = this.thread
    raw.lua_settop(co, 0)
    raw.lua_rawgeti(co, LUA_REGISTRYINDEX, BigInt(ref))
    const nargs = (args ?? NO_ARGS).push(co)
    this.#start(label, nargs, done)
  }

  /** Promise form of `call`, for callers off the hot path (background functions, console). */
  callAsync (ref: number, args: LuaArgs | null, label: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.call(ref, args, label, completion((err) => { if (err !== null) reject(err); else resolve() }))
    })
  }

  /** Stores the function on top of the main stack in the registry and returns its reference. */
  refTop (L: number): number {
    const raw = this.bridge.lua.raw
    raw.lua_pushvalue(L, -1)
    if (L !== this.L) raw.lua_xmove(L, this.L, 1)
    return raw.luaL_ref(this.L, LUA_REGISTRYINDEX)
  }

  beginAsync (pending: Promise<ResultPusher>): void { this.#pending = pending }

  takeAsyncOutcome (): AsyncOutcome | null {
    const outcome = this.#outcome
    this.#outcome = null
    return outcome
  }

  #start (label: string, nargs: number, done: CallCompletion): void {
    this.#label = label
    this.#done = done
    this.#resume(nargs)
  }

  #resume (nargs: number): void {
    const lua = this.bridge.lua
    const raw = lua.raw
    const co = this.thread
    if (this.#tripped) {
      raw.lua_sethook(co, this.#hook, LUA_MASKCOUNT, HOOK_INTERVAL)
      this.#tripped = false
    }
    this.#deadline = performance.now() + this.timeLimitMs
    this.bridge.current = this
    const status = raw.lua_resume(co, this.L, nargs, lua.outPtr)
    if (status === LUA_YIELD) {
      const pending = this.#pending
      this.#pending = null
      if (pending !== null) {
        pending.then(
          (push) => { this.#outcome = { push, error: null }; this.#resume(0) },
          (err: unknown) => { this.#outcome = { push: null, error: err instanceof Error ? err.message : String(err) }; this.#resume(0) })
        return
      }
      this.#fail('attempt to yield from the top level of a trackalert function (coroutine.yield outside a coroutine of your own)')
      return
    }
    if (status === LUA_OK) {
      const done = this.#done as CallCompletion
      this.#done = null
      const heap = lua.heap
      const p = lua.outPtr
      const nres = heap[p] | (heap[p + 1] << 8) | (heap[p + 2] << 16) | (heap[p + 3] << 24)
      done.complete(null, co, nres)
      return
    }
    this.#fail(null)
  }

  /** Turns the error on the coroutine's stack (or `message`) into a LuaScriptError with a traceback, then resets the coroutine. */
  #fail (message: string | null): void {
    const lua = this.bridge.lua
    const raw = lua.raw
    const co = this.thread
    const msg = message ?? lua.toString(co, -1) ?? '(error object is not a string)'
    raw.luaL_traceback(this.L, co, lua.cstr(''), 0)
    const trace = (lua.toString(this.L, -1) ?? '').replace(/^\n/, '')
    raw.lua_settop(this.L, 0)
    // Close pending to-be-closed variables, then retire the coroutine: an error raised inside the
    // count hook leaves the thread's allowhook flag off, and lua_resetthread does not restore it,
    // so a reused coroutine would never be interrupted again.
    raw.lua_resetthread(co)
    this.#newThread()
    this.#tripped = false
    const done = this.#done
    this.#done = null
    done?.complete(new LuaScriptError(msg, trace, msg.includes(TIMEOUT_MARK)), co, 0)
  }
}
