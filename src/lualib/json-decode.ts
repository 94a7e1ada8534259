import { pushNumber } from '../lua/values.ts'
import { type LuaModule } from '../lua/wasm.ts'
import { NULL_POINTER } from './json-encode.ts'
import { locateJsonError } from './json-locate.ts'
import { TrackalertError } from '../errors.ts'

/** Parses JSON text; a syntax error names the character, line and column where the input goes wrong. */
export function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new TrackalertError('TA_ERR_JSON', locateJsonError(text))
  }
}

/** Containers nested up to this depth are pushed recursively (two stack slots a level); deeper ones through a work table. */
const DIRECT_DEPTH = 5

/**
 * Pushes a parsed JSON value as Lua values: null becomes json.null (so it survives inside arrays
 * and objects), arrays become sequences, objects tables with string keys (pushed, never interned:
 * they are arbitrary input).
 */
export function pushJson (lua: LuaModule, L: number, value: unknown, maxDepth: number): void {
  const base = lua.raw.lua_gettop(L)
  try {
    pushDirect(lua, L, value, 1, maxDepth)
  } catch (err) {
    lua.raw.lua_settop(L, base)
    throw err
  }
}

function pushDirect (lua: LuaModule, L: number, value: unknown, depth: number, maxDepth: number): void {
  if (value === null || typeof value !== 'object') { pushScalar(lua, L, value); return }
  if (depth > maxDepth) throw new TrackalertError('TA_ERR_JSON', `Found too many nested data structures (${depth})`)
  const raw = lua.raw
  if (depth > DIRECT_DEPTH) {
    // Children first, parked in a work table, so only a few slots are used however deep it goes.
    const work = raw.lua_gettop(L) + 1
    raw.lua_createtable(L, 16, 0)
    const ref = new Builder(lua, L, work, maxDepth).build(value, depth)
    raw.lua_rawgeti(L, work, BigInt(ref))
    raw.lua_rotate(L, work, 1)
    raw.lua_settop(L, work)
    return
  }
  if (Array.isArray(value)) {
    raw.lua_createtable(L, value.length, 0)
    for (let i = 0; i < value.length; i++) {
      pushDirect(lua, L, value[i], depth + 1, maxDepth)
      raw.lua_rawseti(L, -2, BigInt(i + 1))
    }
    return
  }
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj)
  raw.lua_createtable(L, 0, keys.length)
  for (const key of keys) {
    lua.pushString(L, key)
    pushDirect(lua, L, obj[key], depth + 1, maxDepth)
    raw.lua_rawset(L, -3)
  }
}

function pushScalar (lua: LuaModule, L: number, v: unknown): void {
  if (typeof v === 'string') lua.pushString(L, v)
  else if (typeof v === 'number') pushNumber(lua, L, v)
  else if (typeof v === 'boolean') lua.raw.lua_pushboolean(L, v ? 1 : 0)
  else lua.raw.lua_pushlightuserdata(L, NULL_POINTER)
}

class Builder {
  readonly #lua: LuaModule
  readonly #L: number
  readonly #work: number
  readonly #maxDepth: number
  #count = 0

  constructor (lua: LuaModule, L: number, work: number, maxDepth: number) {
    this.#lua = lua
    this.#L = L
    this.#work = work
    this.#maxDepth = maxDepth
  }

  /** Builds the table for `node` and returns its index in the work table. */
  build (node: object, depth: number): number {
    if (depth > this.#maxDepth) throw new TrackalertError('TA_ERR_JSON', `Found too many nested data structures (${depth})`)
    const lua = this.#lua
    const raw = lua.raw
    const L = this.#L
    if (Array.isArray(node)) {
      const refs = node.map((v: unknown) => (v !== null && typeof v === 'object' ? this.build(v, depth + 1) : 0))
      raw.lua_createtable(L, node.length, 0)
      for (let i = 0; i < node.length; i++) {
        if (refs[i] !== 0) raw.lua_rawgeti(L, this.#work, BigInt(refs[i]))
        else pushScalar(lua, L, node[i])
        raw.lua_rawseti(L, -2, BigInt(i + 1))
      }
    } else {
      const obj = node as Record<string, unknown>
      const keys = Object.keys(obj)
      const refs = keys.map((k) => { const v = obj[k]; return v !== null && typeof v === 'object' ? this.build(v, depth + 1) : 0 })
      raw.lua_createtable(L, 0, keys.length)
      for (let i = 0; i < keys.length; i++) {
        // Keys are arbitrary input: pushed as strings, never interned.
        lua.pushString(L, keys[i])
        if (refs[i] !== 0) raw.lua_rawgeti(L, this.#work, BigInt(refs[i]))
        else pushScalar(lua, L, obj[keys[i]])
        raw.lua_rawset(L, -3)
      }
    }
    const ref = ++this.#count
    raw.lua_rawseti(L, this.#work, BigInt(ref))
    return ref
  }
}
