import { LUA_TBOOLEAN, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, typeNames } from './constants.ts'
import { type LuaModule } from './wasm.ts'
import { TrackalertError } from '../errors.ts'

export type LuaPlain = string | number | boolean | null | LuaPlain[] | { [key: string]: LuaPlain }

/** Pushes a plain JS value: arrays become sequences, objects become tables, null/undefined become nil. */
export function pushValue (lua: LuaModule, L: number, v: unknown, depth = 0): void {
  const raw = lua.raw
  if (typeof v === 'string') { lua.pushString(L, v); return }
  if (typeof v === 'number') { pushNumber(lua, L, v); return }
  if (typeof v === 'boolean') { raw.lua_pushboolean(L, v ? 1 : 0); return }
  if (v === null || v === undefined || depth > 64 || typeof v !== 'object') { raw.lua_pushnil(L); return }
  // Nested tables need three slots per level; Lua only guarantees 20 free ones.
  if (raw.lua_checkstack(L, 4) === 0) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', 'value nested too deeply for the Lua stack')
  if (Array.isArray(v)) {
    raw.lua_createtable(L, v.length, 0)
    for (let i = 0; i < v.length; i++) {
      pushValue(lua, L, v[i], depth + 1)
      raw.lua_rawseti(L, -2, BigInt(i + 1))
    }
    return
  }
  const obj = v as Record<string, unknown>
  raw.lua_createtable(L, 0, 4)
  for (const key in obj) {
    // Keys may come from network data: push them, never intern them (cstr memory is never freed).
    lua.pushString(L, key)
    pushValue(lua, L, obj[key], depth + 1)
    raw.lua_rawset(L, -3)
  }
}

/** Integral numbers are pushed as Lua integers so they print as "3", not "3.0". */
export function pushNumber (lua: LuaModule, L: number, n: number): void {
  if (Number.isSafeInteger(n)) lua.raw.lua_pushinteger(L, BigInt(n))
  else lua.raw.lua_pushnumber(L, n)
}

/**
 * Reads the value at `idx` into plain JS. A table whose keys are exactly 1..n becomes an array,
 * any other table an object with string keys. Functions and other non-data values become their type name.
 */
export function readValue (lua: LuaModule, L: number, idx: number, depth = 0): LuaPlain {
  const raw = lua.raw
  const t = raw.lua_type(L, idx)
  if (t === LUA_TSTRING) return lua.toString(L, idx)
  if (t === LUA_TNUMBER) return raw.lua_tonumberx(L, idx, 0)
  if (t === LUA_TBOOLEAN) return raw.lua_toboolean(L, idx) !== 0
  if (t === LUA_TTABLE) return depth > 32 ? null : readTable(lua, L, idx, depth)
  if (t <= 0) return null
  return `<${typeNames[t] ?? 'value'}>`
}

function readTable (lua: LuaModule, L: number, idx: number, depth: number): LuaPlain {
  const raw = lua.raw
  const abs = idx < 0 ? raw.lua_gettop(L) + idx + 1 : idx
  if (raw.lua_checkstack(L, 3) === 0) return null
  const entries: Array<[string | number, LuaPlain]> = []
  let sequence = true
  raw.lua_pushnil(L)
  while (raw.lua_next(L, abs) !== 0) {
    // Keys must be read without lua_tolstring on numbers: converting a key in place breaks lua_next.
    const kt = raw.lua_type(L, -2)
    let key: string | number
    if (kt === LUA_TNUMBER) key = raw.lua_tonumberx(L, -2, 0)
    else if (kt === LUA_TSTRING) key = lua.toString(L, -2) as string
    else key = `<${typeNames[kt] ?? 'key'}>`
    if (typeof key !== 'number' || !Number.isInteger(key) || key < 1) sequence = false
    entries.push([key, readValue(lua, L, -1, depth + 1)])
    raw.lua_settop(L, -2)
  }
  if (sequence && entries.length > 0) {
    entries.sort((a, b) => (a[0] as number) - (b[0] as number))
    if ((entries[entries.length - 1][0] as number) === entries.length) return entries.map((e) => e[1])
  }
  const out: Record<string, LuaPlain> = {}
  for (const [k, v] of entries) out[String(k)] = v
  return out
}
