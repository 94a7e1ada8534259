import { readFileSync } from 'node:fs'
import { LUA_OK, LUA_REGISTRYINDEX } from './constants.ts'
import { type LuaCall } from './call.ts'
import { CallFrame } from './frame.ts'
import { type AsyncOutcome, type HostBridge, type HostFunction, type ResultPusher } from './host.ts'
import { LuaScriptError } from './lua-error.ts'

export type { LuaArgs, LuaCall } from './call.ts'

/** Which copy of the config this state is: the config state applies settings; report states only register hooks. */
export type StateRole = 'config' | 'report' | 'probe'

/** Finished frames kept for reuse per state: enough for bursts, bounded so an idle state holds little. */
const SPARE_FRAMES = 64

const monotonicMs = (): number => performance.now()

/**
 * One Lua state (a complete copy of the configuration). Every call runs in a coroutine of its own
 * (a CallFrame), driven from JS with lua_resume, so host functions can yield for I/O and many calls
 * can be suspended on one state at once. The state is busy only while Lua code actually runs, which
 * on the single JS thread means: inside one `resume`.
 */
export class LuaState {
  readonly L: number
  readonly role: StateRole
  readonly index: number
  readonly bridge: HostBridge
  /** The time-limit hook every call's coroutine gets. */
  readonly hookPointer: number
  /** CPU budget of one call in ms, time suspended on host calls excluded; a runaway script is interrupted past it. */
  timeLimitMs = 1000
  /** Function references (registry) registered by setReport/setCustomEndpoint/setBackground in this state. */
  reportRef = 0
  readonly customRefs = new Map<string, number>()
  readonly backgroundRefs = new Map<string, number>()
  /** setAlertFilter ('filter') and setAlertRoute address functions ('route:N'), run by the alert hub. */
  readonly alertRefs = new Map<string, number>()
  /** setAlertRoute calls made in this state: a route's index, the same in every state. */
  alertRoutesDefined = 0
  /** True while the state runs trackalert.conf; report states then repeat what the config state did. */
  loadingConfig = false
  /** Free-form slot for the host API (per-state objects such as NetmaskGroups). */
  readonly data = new Map<string, unknown>()
  /** The clock of the time limit, in ms; injectable so tests control what counts as a call's CPU time. */
  now: () => number = monotonicMs
  /** The call whose Lua code runs right now (set by CallFrame.resume), else null. */
  running: CallFrame | null = null

  readonly #spare: CallFrame[] = []
  #inFlight = 0

  constructor (bridge: HostBridge, role: StateRole, index: number, hookPointer: number) {
    const raw = bridge.lua.raw
    this.bridge = bridge
    this.role = role
    this.index = index
    this.hookPointer = hookPointer
    this.L = raw.luaL_newstate()
    raw.luaL_openlibs(this.L)
  }

  /** Calls started and not yet finished on this state, running or suspended. */
  get callsInFlight (): number { return this.#inFlight }

  /** The coroutine of the call running now (0 when none): host functions may only yield from it. */
  get thread (): number { return this.running === null ? 0 : this.running.thread }

  /** The running call's label, for the time-limit message. */
  get label (): string { return this.running === null ? '' : this.running.label }

  /** Installs host functions as globals. */
  install (functions: readonly HostFunction[]): void {
    const { raw } = this.bridge.lua
    for (const fn of functions) {
      raw.lua_pushcclosure(this.L, this.bridge.pointer(fn), 0)
      raw.lua_setglobal(this.L, this.bridge.lua.cstr(fn.name))
    }
  }

  /** Called from the time-limit hook: true when the running call is over its budget. */
  overBudget (): boolean {
    const frame = this.running
    if (frame === null) return false
    if (frame.tripped) return true
    if (this.now() <= frame.deadline) return false
    frame.tripped = true
    return true
  }

  /** Loads and runs a Lua chunk; errors name `chunkName` (use `@file` for files so messages read `file:line:`). */
  runChunk (source: Uint8Array | string, chunkName: string, call: LuaCall): void {
    const lua = this.bridge.lua
    const frame = this.#frame(call, 'chunk')
    const co = frame.thread
    const len = typeof source === 'string' ? lua.writeScratch(source) : lua.writeScratchBytes(source)
    const status = lua.raw.luaL_loadbufferx(co, lua.scratch, len, lua.cstr(chunkName), 0)
    if (status !== LUA_OK) {
      const message = lua.toString(co, -1) ?? 'unknown load error'
      frame.call = null
      this.frameEnded()
      this.recycle(frame)
      call.done(new LuaScriptError(message, message, false, true), co, 0)
      return
    }
    frame.resume(0)
  }

  runFile (path: string, chunkName: string, call: LuaCall): void {
    let source: Buffer
    try {
      source = readFileSync(path)
    } catch (err) {
      const message = `${chunkName.replace(/^@/, '')}: cannot read: ${(err as Error).message}`
      call.done(new LuaScriptError(message, message), 0, 0)
      return
    }
    this.runChunk(source, chunkName, call)
  }

  /** Calls the function stored at registry `ref` with the call's arguments. `call.done` may run synchronously. */
  call (ref: number, call: LuaCall, label: string): void {
    const frame = this.#frame(call, label)
    this.bridge.lua.raw.lua_rawgeti(frame.thread, LUA_REGISTRYINDEX, BigInt(ref))
    let nargs: number
    try {
      nargs = call.push(frame.thread)
    } catch (err) {
      // Arguments that cannot be built fail this call alone, before any Lua runs.
      frame.call = null
      this.frameEnded()
      this.recycle(frame)
      call.done(err as Error, frame.thread, 0)
      return
    }
    frame.resume(nargs)
  }

  /** Stores the function on top of `L`'s stack in the registry and returns its reference. */
  refTop (L: number): number {
    const raw = this.bridge.lua.raw
    raw.lua_pushvalue(L, -1)
    if (L !== this.L) raw.lua_xmove(L, this.L, 1)
    return raw.luaL_ref(this.L, LUA_REGISTRYINDEX)
  }

  /** Called by the bridge when a host function of the running call returns a promise: the call yields on it. */
  beginAsync (pending: Promise<ResultPusher>): void {
    if (this.running !== null) this.running.pending = pending
  }

  /** Called by the bridge's continuation when the running call resumes after its host call. */
  takeAsyncOutcome (): AsyncOutcome | null {
    return this.running === null ? null : this.running.takeOutcome()
  }

  /** Bookkeeping of CallFrame: a call on this state ended (before its completion runs). */
  frameEnded (): void { this.#inFlight-- }

  /** Bookkeeping of CallFrame: a cleanly finished frame goes back to the spares. */
  recycle (frame: CallFrame): void {
    this.bridge.lua.raw.lua_settop(frame.thread, 0)
    if (this.#spare.length < SPARE_FRAMES) this.#spare.push(frame)
    else frame.retire()
  }

  #frame (call: LuaCall, label: string): CallFrame {
    const frame = this.#spare.pop() ?? new CallFrame(this)
    frame.begin(call, label)
    this.#inFlight++
    return frame
  }
}
