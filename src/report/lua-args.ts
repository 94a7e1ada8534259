import { type LuaArgs } from '../lua/state.ts'
import { type LuaModule } from '../lua/wasm.ts'
import { pushValue } from '../lua/values.ts'
import { type LoginTuple } from './login-tuple.ts'

/**
 * Builds the Lua LoginTuple table straight through the C API: a few µs, where generic JS-object
 * conversion costs tens. Field names are interned C strings resolved once.
 */
export class LoginTupleArgs implements LuaArgs {
  readonly #lua: LuaModule
  readonly #k: Record<string, number>
  readonly #caMeta: number
  tuple: LoginTuple | null = null

  constructor (lua: LuaModule) {
    this.#lua = lua
    const names = ['t', 'remote', 'login', 'pwhash', 'success', 'policy_reject', 'attrs', 'attrs_mv', 'protocol', 'tls',
      'device_id', 'device_attrs', 'session_id', 'fail_type', 'risk', 'policy_findings']
    this.#k = Object.fromEntries(names.map((n) => [n, lua.cstr(n)]))
    this.#caMeta = lua.cstr('ComboAddress')
  }

  push (L: number): number {
    const lua = this.#lua
    const raw = lua.raw
    const k = this.#k
    const lt = this.tuple as LoginTuple
    raw.lua_createtable(L, 0, 14)
    raw.lua_pushnumber(L, lt.t)
    raw.lua_setfield(L, -2, k.t)
    raw.lua_createtable(L, 3, 0)
    lua.pushString(L, lt.remoteText)
    raw.lua_rawseti(L, -2, 1n)
    raw.lua_pushinteger(L, 0n)
    raw.lua_rawseti(L, -2, 2n)
    raw.lua_pushinteger(L, lt.remote.family === 4 ? 4n : 6n)
    raw.lua_rawseti(L, -2, 3n)
    raw.luaL_setmetatable(L, this.#caMeta)
    raw.lua_setfield(L, -2, k.remote)
    lua.pushString(L, lt.login)
    raw.lua_setfield(L, -2, k.login)
    lua.pushString(L, lt.pwhash)
    raw.lua_setfield(L, -2, k.pwhash)
    raw.lua_pushboolean(L, lt.success ? 1 : 0)
    raw.lua_setfield(L, -2, k.success)
    raw.lua_pushboolean(L, lt.policyReject ? 1 : 0)
    raw.lua_setfield(L, -2, k.policy_reject)
    this.#pushStringMap(L, lt.attrs)
    raw.lua_setfield(L, -2, k.attrs)
    raw.lua_createtable(L, 0, 0)
    for (const key in lt.attrsMv) {
      const values = lt.attrsMv[key]
      raw.lua_createtable(L, values.length, 0)
      for (let i = 0; i < values.length; i++) {
        lua.pushString(L, values[i])
        raw.lua_rawseti(L, -2, BigInt(i + 1))
      }
      this.#setKey(L, key)
    }
    raw.lua_setfield(L, -2, k.attrs_mv)
    lua.pushString(L, lt.protocol)
    raw.lua_setfield(L, -2, k.protocol)
    raw.lua_pushboolean(L, lt.tls ? 1 : 0)
    raw.lua_setfield(L, -2, k.tls)
    lua.pushString(L, lt.deviceId)
    raw.lua_setfield(L, -2, k.device_id)
    this.#pushStringMap(L, lt.deviceAttrs ?? {})
    raw.lua_setfield(L, -2, k.device_attrs)
    lua.pushString(L, lt.sessionId)
    raw.lua_setfield(L, -2, k.session_id)
    lua.pushString(L, lt.failType)
    raw.lua_setfield(L, -2, k.fail_type)
    const detection = lt.detection
    if (detection !== undefined) {
      if (detection.risk !== null) {
        raw.lua_pushnumber(L, detection.risk)
        raw.lua_setfield(L, -2, k.risk)
      }
      // Most reports have no finding: the table is built only when there is one.
      if (detection.findings.length > 0) {
        pushValue(lua, L, detection.findings)
        raw.lua_setfield(L, -2, k.policy_findings)
      }
    }
    return 1
  }

  #pushStringMap (L: number, map: Record<string, string>): void {
    const lua = this.#lua
    lua.raw.lua_createtable(L, 0, 4)
    for (const key in map) {
      lua.pushString(L, map[key])
      this.#setKey(L, key)
    }
  }

  /** t[key] = top; attribute names are arbitrary client data, so they are pushed, not interned. */
  #setKey (L: number, key: string): void {
    const lua = this.#lua
    lua.pushString(L, key)
    lua.raw.lua_rotate(L, -2, 1)
    lua.raw.lua_rawset(L, -3)
  }
}

/** CustomFuncArgs: { attrs = {...}, attrs_mv = {...} }. */
export class CustomArgs implements LuaArgs {
  readonly #lua: LuaModule
  attrs: Record<string, string> = {}
  attrsMv: Record<string, string[]> = {}

  constructor (lua: LuaModule) { this.#lua = lua }

  push (L: number): number {
    const lua = this.#lua
    const raw = lua.raw
    raw.lua_createtable(L, 0, 2)
    raw.lua_createtable(L, 0, 4)
    for (const key in this.attrs) {
      lua.pushString(L, key)
      lua.pushString(L, this.attrs[key])
      raw.lua_rawset(L, -3)
    }
    raw.lua_setfield(L, -2, lua.cstr('attrs'))
    raw.lua_createtable(L, 0, 0)
    for (const key in this.attrsMv) {
      lua.pushString(L, key)
      const values = this.attrsMv[key]
      raw.lua_createtable(L, values.length, 0)
      for (let i = 0; i < values.length; i++) {
        lua.pushString(L, values[i])
        raw.lua_rawseti(L, -2, BigInt(i + 1))
      }
      raw.lua_rawset(L, -3)
    }
    raw.lua_setfield(L, -2, lua.cstr('attrs_mv'))
    return 1
  }
}
