import { type ResultPusher } from '../lua/host.ts'
import { type LuaState } from '../lua/state.ts'
import { type LuaModule } from '../lua/wasm.ts'
import { TrackalertError } from '../errors.ts'

/** Pushes bytes as a Lua string, without UTF-8 decoding. */
export function pushBytes (lua: LuaModule, L: number, bytes: Uint8Array): void {
  lua.raw.lua_pushlstring(L, lua.scratch, lua.writeScratchBytes(bytes))
}

/** Pushes { name = value } with names pushed as strings (they are remote input: never interned). */
export function pushStringMap (lua: LuaModule, L: number, map: Record<string, string>): void {
  const raw = lua.raw
  raw.lua_createtable(L, 0, 8)
  for (const key in map) {
    lua.pushString(L, key)
    lua.pushString(L, map[key])
    raw.lua_rawset(L, -3)
  }
}

/**
 * For a failed asynchronous call: a pusher that raises `message` as a Lua error prefixed with the
 * caller's file:line. It runs in the resumed host call, where level 1 is still the Lua caller; a
 * rejected promise would raise the bare message.
 */
export function raiseAt (lua: LuaModule, message: string): ResultPusher {
  return (L) => {
    const raw = lua.raw
    raw.luaL_where(L, 1)
    lua.pushString(L, message)
    raw.lua_concat(L, 2)
    raw.lua_error(L)
    return 0
  }
}

/**
 * Refuses an asynchronous call where the Lua state cannot be suspended, before anything is sent:
 * the bridge would refuse too, but only after the request (or a Redis INCR) had gone out.
 */
export function assertCanWait (lua: LuaModule, L: number, state: LuaState, name: string): void {
  if (L === state.thread && lua.raw.lua_isyieldable(L) !== 0) return
  throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${name}: cannot wait for I/O here (called from a table.sort or string.gsub callback, a metamethod, a coroutine of your own, or a module while it loads)`)
}
