import { LUA_TBOOLEAN, LUA_TNIL, LUA_TNONE, LUA_TSTRING } from '../lua/constants.ts'
import { type ApiContext, type ApiModule, internal } from '../lua/api/index.ts'
import { type HostFunction } from '../lua/host.ts'
import { type LuaState } from '../lua/state.ts'
import { pushJson, parseJson } from './json-decode.ts'
import { EMPTY_ARRAY_POINTER, NULL_POINTER, encodeLua } from './json-encode.ts'
import { jsonOptions, ownJsonOptions, type JsonOptions } from './json-options.ts'
import { TrackalertError } from '../errors.ts'

type ConfigFn = (ctx: ApiContext<unknown>, L: number, opts: JsonOptions) => number

/** lua-cjson's configuration functions: each sets when given arguments and returns the current setting. */
const configFunctions: Record<string, ConfigFn> = {
  encode_sparse_array ({ lua, args }, L, o) {
    if (!args.isNil(L, 2)) o.sparseConvert = onOff(lua.raw.lua_type(L, 2), L, args, 'encode_sparse_array')
    if (!args.isNil(L, 3)) o.sparseRatio = nonNegative(args.integer(L, 3, 'encode_sparse_array'), 'encode_sparse_array')
    if (!args.isNil(L, 4)) o.sparseSafe = nonNegative(args.integer(L, 4, 'encode_sparse_array'), 'encode_sparse_array')
    lua.raw.lua_pushboolean(L, o.sparseConvert ? 1 : 0)
    lua.raw.lua_pushinteger(L, BigInt(o.sparseRatio))
    lua.raw.lua_pushinteger(L, BigInt(o.sparseSafe))
    return 3
  },
  encode_max_depth ({ lua, args }, L, o) {
    if (!args.isNil(L, 2)) o.encodeMaxDepth = positive(args.integer(L, 2, 'encode_max_depth'), 'encode_max_depth')
    lua.raw.lua_pushinteger(L, BigInt(o.encodeMaxDepth))
    return 1
  },
  decode_max_depth ({ lua, args }, L, o) {
    if (!args.isNil(L, 2)) o.decodeMaxDepth = positive(args.integer(L, 2, 'decode_max_depth'), 'decode_max_depth')
    lua.raw.lua_pushinteger(L, BigInt(o.decodeMaxDepth))
    return 1
  },
  encode_number_precision ({ lua, args }, L, o) {
    if (!args.isNil(L, 2)) {
      const p = args.integer(L, 2, 'encode_number_precision')
      if (p < 1 || p > 16) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', "bad argument #1 to 'encode_number_precision' (expected integer between 1 and 16)")
      o.precision = p
    }
    lua.raw.lua_pushinteger(L, BigInt(o.precision === 0 ? 17 : o.precision))
    return 1
  },
  encode_empty_table_as_object ({ lua, args }, L, o) {
    if (!args.isNil(L, 2)) o.emptyTableAsObject = onOff(lua.raw.lua_type(L, 2), L, args, 'encode_empty_table_as_object')
    lua.raw.lua_pushboolean(L, o.emptyTableAsObject ? 1 : 0)
    return 1
  },
  encode_escape_forward_slash ({ lua, args }, L, o) {
    if (!args.isNil(L, 2)) o.escapeSlash = onOff(lua.raw.lua_type(L, 2), L, args, 'encode_escape_forward_slash')
    lua.raw.lua_pushboolean(L, o.escapeSlash ? 1 : 0)
    return 1
  },
  encode_invalid_numbers ({ lua, args }, L, o) {
    if (!args.isNil(L, 2)) {
      const isNull = lua.raw.lua_type(L, 2) === LUA_TSTRING && lua.toString(L, 2) === 'null'
      o.invalidNumbers = isNull ? 'null' : onOff(lua.raw.lua_type(L, 2), L, args, 'encode_invalid_numbers')
    }
    if (o.invalidNumbers === 'null') lua.pushString(L, 'null')
    else lua.raw.lua_pushboolean(L, o.invalidNumbers ? 1 : 0)
    return 1
  },
  // Buffer reuse is an allocation detail of the C library; nothing to change here.
  encode_keep_buffer ({ lua }, L) { lua.raw.lua_pushboolean(L, 1); return 1 },
  decode_invalid_numbers ({ lua, args }, L) {
    if (!args.isNil(L, 2) && onOff(lua.raw.lua_type(L, 2), L, args, 'decode_invalid_numbers')) {
      throw new TrackalertError('TA_ERR_LUA_ARGUMENT', 'decode_invalid_numbers(true) is not supported: the decoder accepts standard JSON numbers only')
    }
    lua.raw.lua_pushboolean(L, 0)
    return 1
  }
}

function onOff (t: number, L: number, args: ApiContext['args'], fnName: string): boolean {
  if (t === LUA_TBOOLEAN) return args.boolean(L, 2, fnName)
  const s = args.string(L, 2, fnName)
  if (s === 'on') return true
  if (s === 'off') return false
  throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `bad argument #1 to '${fnName}' (invalid option '${s}')`)
}

function positive (n: number, fnName: string): number {
  if (n < 1) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `bad argument #1 to '${fnName}' (expected a positive integer)`)
  return n
}

function nonNegative (n: number, fnName: string): number {
  if (n < 0) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `bad argument to '${fnName}' (expected a non-negative integer)`)
  return n
}

/**
 * JSON in JS: JSON.parse/JSON.stringify plus a table walk through the C API. Measured against a
 * pure-Lua codec running in the same WebAssembly Lua, this is several times faster on
 * report-sized and search-response-sized documents (see docs/lua-library.md).
 */
export const jsonModule: ApiModule = Object.assign((ctx: ApiContext<unknown>): HostFunction[] => {
  const { lua, args } = ctx
  const raw = lua.raw
  const encode = (L: number, state: LuaState): number => {
    if (raw.lua_type(L, 1) === LUA_TNONE) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', "bad argument #1 to 'encode' (value expected)")
    lua.pushString(L, encodeLua(lua, L, 1, jsonOptions(state)))
    return 1
  }
  const decode = (L: number, state: LuaState): number => {
    const text = args.string(L, 1, 'decode')
    pushJson(lua, L, parseJson(text), jsonOptions(state).decodeMaxDepth)
    return 1
  }
  /** cjson.safe: failures return nil and the message instead of raising. */
  const safe = (impl: (L: number, state: LuaState) => number) => (L: number, state: LuaState): number => {
    try {
      return impl(L, state)
    } catch (err) {
      if (!(err instanceof Error)) throw err
      raw.lua_pushnil(L)
      lua.pushString(L, err.message)
      return 2
    }
  }
  return [
    internal('json.encode', encode),
    internal('json.decode', decode),
    internal('cjson.safe.encode', safe(encode)),
    internal('cjson.safe.decode', safe(decode)),
    internal('jsonNull', (L) => { raw.lua_pushlightuserdata(L, NULL_POINTER); return 1 }),
    internal('jsonEmptyArray', (L) => { raw.lua_pushlightuserdata(L, EMPTY_ARRAY_POINTER); return 1 }),
    internal('jsonConfig', (L, state) => {
      const name = args.string(L, 1, 'json config')
      const f = configFunctions[name]
      if (f === undefined) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `unknown json option '${name}'`)
      const t = raw.lua_type(L, 2)
      return f(ctx, L, t === LUA_TNIL || t === LUA_TNONE ? jsonOptions(state) : ownJsonOptions(state))
    })
  ]
}, {
  prelude: {
    name: 'json',
    source: `
local H = __ta
local config = ${luaList(Object.keys(configFunctions))}
local function module (encode, decode)
  local m = {
    encode = encode, decode = decode, null = H.jsonNull(), empty_array = H.jsonEmptyArray(),
    _NAME = "cjson", _VERSION = "2.1.0-trackalert"
  }
  for _, name in ipairs(config) do
    local setting = H.jsonConfig
    m[name] = function (...) return setting(name, ...) end
  end
  -- Options live per Lua state, so new() hands back a table sharing them.
  m.new = function () return module(encode, decode) end
  return m
end
local json = module(H["json.encode"], H["json.decode"])
local safe = module(H["cjson.safe.encode"], H["cjson.safe.decode"])
json.safe = safe
_G.json = json
package.loaded.json = json
package.loaded.cjson = json
package.loaded["cjson.safe"] = safe
`
  }
})

function luaList (names: string[]): string {
  return `{ ${names.map((n) => JSON.stringify(n)).join(', ')} }`
}
