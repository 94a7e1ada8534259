import { Args } from './args.ts'
import { type ApiModule, type HostServices, INTERNAL_PREFIX } from './api/index.ts'
import { coreApiModules } from './api/index.ts'
import { HostBridge, type HostFunction } from './host.ts'
import { ignoreResults, promiseCall, type LuaCall } from './call.ts'
import { TIMEOUT_MARK } from './lua-error.ts'
import { compatLua } from './prelude/compat.ts'
import { ioLua } from './prelude/io.ts'
import { objectsLua } from './prelude/objects.ts'
import { LuaState, type StateRole } from './state.ts'
import { loadLuaModule, type LuaModule } from './wasm.ts'
import { TrackalertError } from '../errors.ts'

/**
 * Owns the process's Lua machinery: the wasm module, the host function table and the time-limit
 * hook. Creates fully prepared states (standard libraries, compatibility layer, host API).
 */
export class LuaRuntime {
  readonly lua: LuaModule
  readonly bridge: HostBridge
  readonly args: Args
  readonly #functions: HostFunction[]
  readonly #preludes: Array<{ name: string, source: string }>
  readonly #hook: number

  private constructor (lua: LuaModule, services: HostServices, modules: readonly ApiModule[]) {
    this.lua = lua
    this.bridge = new HostBridge(lua)
    this.args = new Args(lua)
    const ctx = { lua, args: this.args, services }
    this.#functions = modules.flatMap((m) => m(ctx))
    this.#preludes = modules.flatMap((m) => (m.prelude === undefined ? [] : [m.prelude]))
    const raw = lua.raw
    // The count hook checks the running call's deadline; over budget it raises a Lua error. Whether
    // a call timed out is the frame's `tripped` flag, never this message's text.
    this.#hook = lua.addFunction((L: number) => {
      const state = this.bridge.current
      if (state === null || !state.overBudget()) return
      raw.lua_sethook(L, this.#hook, 8, 1)
      // Level 0 inside a hook is the interrupted Lua function: the message starts with its file:line.
      raw.luaL_where(L, 0)
      lua.pushString(L, `${state.label}: ${TIMEOUT_MARK} ${state.timeLimitMs} ms (setLuaTimeLimit)`)
      raw.lua_concat(L, 2)
      raw.lua_error(L)
    }, 'vii')
  }

  static async create (services: HostServices, extraModules: readonly ApiModule[] = []): Promise<LuaRuntime> {
    const lua = await loadLuaModule()
    return new LuaRuntime(lua, services, [...coreApiModules, ...extraModules])
  }

  /** A new state with the prelude loaded; the configuration is not run yet. */
  createState (role: StateRole, index: number, timeLimitMs: number): LuaState {
    const state = new LuaState(this.bridge, role, index, this.#hook)
    state.timeLimitMs = timeLimitMs
    const raw = this.lua.raw
    const L = state.L
    const globals = this.#functions.filter((f) => !f.name.startsWith(INTERNAL_PREFIX))
    state.install(globals)
    raw.lua_createtable(L, 0, 32)
    for (const f of this.#functions) {
      if (!f.name.startsWith(INTERNAL_PREFIX)) continue
      raw.lua_pushcclosure(L, this.bridge.pointer(f), 0)
      raw.lua_setfield(L, -2, this.lua.cstr(f.name.slice(INTERNAL_PREFIX.length)))
    }
    raw.lua_setglobal(L, this.lua.cstr('__ta'))
    this.runSync(state, compatLua, '=compat')
    this.runSync(state, objectsLua, '=objects')
    this.runSync(state, ioLua, '=io')
    for (const p of this.#preludes) this.runSync(state, p.source, `=${p.name}`)
    this.runSync(state, '__ta = nil', '=prelude')
    return state
  }

  /** Runs a chunk that must finish without yielding (the prelude). */
  runSync (state: LuaState, source: string, name: string): void {
    const call = new SyncCall()
    state.runChunk(source, name, call)
    if (call.failure !== null) throw call.failure
    if (!call.finished) throw new TrackalertError('TA_ERR_CONFIG_LOAD', `${name} yielded during start-up`)
  }
}

/** A call whose outcome is read right after it was started (the prelude never waits). */
class SyncCall implements LuaCall {
  finished = false
  failure: Error | null = null
  push (): number { return 0 }
  done (err: Error | null): void { this.finished = true; this.failure = err }
}

/** Runs the configuration file in `state`. Rejects with a LuaScriptError naming file:line. */
export function runConfigFile (state: LuaState, path: string, chunkName: string): Promise<void> {
  return promiseCall((call) => { state.runFile(path, `@${chunkName}`, call) }, ignoreResults)
}
