import { LUA_TBOOLEAN, LUA_TNIL, LUA_TNONE, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, typeNames } from './constants.ts'
import { type LuaModule } from './wasm.ts'
import { TrackalertError } from '../errors.ts'

/** Argument readers for host functions; errors read like Lua's own ("bad argument #1 to 'f' (string expected, got nil)"). */
export class Args {
  readonly lua: LuaModule
  constructor (lua: LuaModule) { this.lua = lua }

  typeName (L: number, i: number): string {
    const t = this.lua.raw.lua_type(L, i)
    return t === LUA_TNONE ? 'no value' : typeNames[t] ?? 'unknown'
  }

  bad (L: number, i: number, fn: string, expected: string): TrackalertError {
    return new TrackalertError('TA_ERR_LUA_ARGUMENT', `bad argument #${i} to '${fn}' (${expected} expected, got ${this.typeName(L, i)})`)
  }

  string (L: number, i: number, fn: string): string {
    const t = this.lua.raw.lua_type(L, i)
    if (t !== LUA_TSTRING && t !== LUA_TNUMBER) throw this.bad(L, i, fn, 'string')
    return this.lua.toString(L, i) as string
  }

  optString (L: number, i: number, fn: string, def: string): string {
    const t = this.lua.raw.lua_type(L, i)
    return t === LUA_TNIL || t === LUA_TNONE ? def : this.string(L, i, fn)
  }

  number (L: number, i: number, fn: string): number {
    const raw = this.lua.raw
    const t = raw.lua_type(L, i)
    if (t === LUA_TNUMBER) return raw.lua_tonumberx(L, i, 0)
    if (t === LUA_TSTRING) {
      const n = Number(this.lua.toString(L, i))
      if (!Number.isNaN(n)) return n
    }
    throw this.bad(L, i, fn, 'number')
  }

  optNumber (L: number, i: number, fn: string, def: number): number {
    const t = this.lua.raw.lua_type(L, i)
    return t === LUA_TNIL || t === LUA_TNONE ? def : this.number(L, i, fn)
  }

  integer (L: number, i: number, fn: string): number {
    const n = this.number(L, i, fn)
    if (!Number.isInteger(n)) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `bad argument #${i} to '${fn}' (number has no integer representation)`)
    return n
  }

  boolean (L: number, i: number, fn: string): boolean {
    const t = this.lua.raw.lua_type(L, i)
    if (t !== LUA_TBOOLEAN) throw this.bad(L, i, fn, 'boolean')
    return this.lua.raw.lua_toboolean(L, i) !== 0
  }

  /** Lua truthiness: anything but nil and false. */
  truthy (L: number, i: number): boolean { return this.lua.raw.lua_toboolean(L, i) !== 0 }

  isNil (L: number, i: number): boolean {
    const t = this.lua.raw.lua_type(L, i)
    return t === LUA_TNIL || t === LUA_TNONE
  }

  table (L: number, i: number, fn: string): void {
    if (this.lua.raw.lua_type(L, i) !== LUA_TTABLE) throw this.bad(L, i, fn, 'table')
  }
}
