import {
  LUA_TBOOLEAN, LUA_TLIGHTUSERDATA, LUA_TNIL, LUA_TNONE, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, typeNames
} from '../lua/constants.ts'
import { type LuaModule } from '../lua/wasm.ts'
import { type JsonOptions } from './json-options.ts'
import { TrackalertError } from '../errors.ts'

/** json.null is a NULL light userdata, as in lua-cjson; json.empty_array is the light userdata 1. */
export const NULL_POINTER = 0
export const EMPTY_ARRAY_POINTER = 1

/** A table read from Lua: keys and values, values either encoded JSON text or a reference to another table. */
interface TableNode {
  keys: Array<number | string>
  values: Array<string | number>
  /** 0 when the table is an object; otherwise the highest index of an array. */
  arrayMax: number
}

/**
 * Tables nested up to this depth are read recursively, straight off the Lua stack (two slots a
 * level); deeper ones go through a work table so the stack use stays bounded whatever the nesting:
 * the C API only guarantees 20 free slots to a host function.
 */
const DIRECT_DEPTH = 5

/** Encodes the Lua value at `idx` as JSON text; errors carry lua-cjson's messages. */
export function encodeLua (lua: LuaModule, L: number, idx: number, opts: JsonOptions): string {
  const raw = lua.raw
  const t = raw.lua_type(L, idx)
  if (t !== LUA_TTABLE) return encodeScalar(lua, L, idx, t, opts)
  const base = raw.lua_gettop(L)
  try {
    return encodeDirect(lua, L, idx < 0 ? base + idx + 1 : idx, 1, opts)
  } finally {
    raw.lua_settop(L, base)
  }
}

function encodeDirect (lua: LuaModule, L: number, abs: number, depth: number, opts: JsonOptions): string {
  if (depth > DIRECT_DEPTH) return encodeDeep(lua, L, abs, depth, opts)
  const raw = lua.raw
  const node: TableNode = { keys: [], values: [], arrayMax: 0 }
  let sequence = true
  raw.lua_pushnil(L)
  while (raw.lua_next(L, abs) !== 0) {
    sequence = readKey(lua, L, node) && sequence
    const vt = raw.lua_type(L, -1)
    node.values.push(vt === LUA_TTABLE ? encodeDirect(lua, L, raw.lua_gettop(L), depth + 1, opts) : encodeScalar(lua, L, -1, vt, opts))
    raw.lua_settop(L, -2)
  }
  checkArray(node, sequence, opts)
  const out: string[] = []
  emit([node], 0, depth, new Uint8Array(1), out, opts)
  return out.join('')
}

/** Reads the key at -2 into `node`; returns whether it can be an array index. */
function readKey (lua: LuaModule, L: number, node: TableNode): boolean {
  const raw = lua.raw
  const kt = raw.lua_type(L, -2)
  if (kt === LUA_TNUMBER) {
    const k = raw.lua_tonumberx(L, -2, 0)
    node.keys.push(k)
    if (Number.isInteger(k) && k >= 1) {
      if (k > node.arrayMax) node.arrayMax = k
      return true
    }
    return false
  }
  if (kt === LUA_TSTRING) {
    node.keys.push(lua.toString(L, -2) as string)
    return false
  }
  throw new TrackalertError('TA_ERR_JSON', `Cannot serialise ${typeNames[kt] ?? 'value'}: table key must be a number or string`)
}

/** lua-cjson's rule: an array whose highest index exceeds both ratio × items and `safe` is "excessively sparse". */
function checkArray (node: TableNode, sequence: boolean, opts: JsonOptions): void {
  if (!sequence) { node.arrayMax = 0; return }
  if (node.arrayMax > 0 && opts.sparseRatio > 0 && node.arrayMax > node.keys.length * opts.sparseRatio && node.arrayMax > opts.sparseSafe) {
    if (!opts.sparseConvert) throw new TrackalertError('TA_ERR_JSON', 'Cannot serialise table: excessively sparse array')
    node.arrayMax = 0
  }
}

/**
 * Reads a deep subtree breadth-first: every table goes into a work list once (a `seen` table maps
 * tables to their place), values refer to it by number, so a shared table is read once and a
 * table that contains itself is reported instead of walked forever.
 */
function encodeDeep (lua: LuaModule, L: number, abs: number, depth: number, opts: JsonOptions): string {
  const raw = lua.raw
  const base = raw.lua_gettop(L)
  raw.lua_createtable(L, 8, 0) // base+1: work list, index -> table
  raw.lua_createtable(L, 0, 8) // base+2: seen, table -> index
  const work = base + 1
  const seen = base + 2
  raw.lua_pushvalue(L, abs)
  raw.lua_rawseti(L, work, 1n)
  raw.lua_pushvalue(L, abs)
  raw.lua_pushnumber(L, 1)
  raw.lua_rawset(L, seen)
  const nodes: TableNode[] = []
  let count = 1
  for (let i = 1; i <= count; i++) {
    raw.lua_rawgeti(L, work, BigInt(i)) // base+3: the table being read
    const node: TableNode = { keys: [], values: [], arrayMax: 0 }
    let sequence = true
    raw.lua_pushnil(L)
    while (raw.lua_next(L, base + 3) !== 0) {
      sequence = readKey(lua, L, node) && sequence
      const vt = raw.lua_type(L, -1)
      if (vt === LUA_TTABLE) {
        raw.lua_pushvalue(L, -1)
        let ref: number
        if (raw.lua_rawget(L, seen) === LUA_TNUMBER) {
          ref = raw.lua_tonumberx(L, -1, 0)
          raw.lua_settop(L, -2)
        } else {
          raw.lua_settop(L, -2)
          ref = ++count
          raw.lua_pushvalue(L, -1)
          raw.lua_rawseti(L, work, BigInt(ref))
          raw.lua_pushvalue(L, -1)
          raw.lua_pushnumber(L, ref)
          raw.lua_rawset(L, seen)
        }
        node.values.push(ref)
      } else {
        node.values.push(encodeScalar(lua, L, -1, vt, opts))
      }
      raw.lua_settop(L, -2)
    }
    raw.lua_settop(L, -2)
    checkArray(node, sequence, opts)
    nodes.push(node)
  }
  raw.lua_settop(L, base)
  const out: string[] = []
  emit(nodes, 0, depth, new Uint8Array(nodes.length), out, opts)
  return out.join('')
}

function emit (nodes: TableNode[], i: number, depth: number, onPath: Uint8Array, out: string[], opts: JsonOptions): void {
  if (depth > opts.encodeMaxDepth) throw new TrackalertError('TA_ERR_JSON', `Cannot serialise, excessive nesting (${depth})`)
  if (onPath[i] === 1) throw new TrackalertError('TA_ERR_JSON', 'Cannot serialise table: it contains itself (circular reference)')
  onPath[i] = 1
  const node = nodes[i]
  const { keys, values } = node
  const value = (v: string | number): void => {
    if (typeof v === 'string') out.push(v)
    else emit(nodes, v - 1, depth + 1, onPath, out, opts)
  }
  if (node.arrayMax > 0) {
    // Place values by index; holes become null, as lua-cjson does for moderately sparse arrays.
    const slots = new Array<string | number>(node.arrayMax).fill('null')
    for (let k = 0; k < keys.length; k++) slots[(keys[k] as number) - 1] = values[k]
    out.push('[')
    for (let k = 0; k < slots.length; k++) {
      if (k > 0) out.push(',')
      value(slots[k])
    }
    out.push(']')
  } else if (keys.length === 0) {
    out.push(opts.emptyTableAsObject ? '{}' : '[]')
  } else {
    out.push('{')
    for (let k = 0; k < keys.length; k++) {
      if (k > 0) out.push(',')
      const key = keys[k]
      out.push(encodeString(typeof key === 'number' ? formatNumber(key, opts) : key, opts), ':')
      value(values[k])
    }
    out.push('}')
  }
  onPath[i] = 0
}

function encodeScalar (lua: LuaModule, L: number, idx: number, t: number, opts: JsonOptions): string {
  const raw = lua.raw
  if (t === LUA_TSTRING) return encodeString(lua.toString(L, idx) as string, opts)
  if (t === LUA_TNUMBER) {
    const n = raw.lua_tonumberx(L, idx, 0)
    if (raw.lua_isinteger(L, idx) !== 0 && !Number.isSafeInteger(n)) {
      // 64-bit integers beyond 2^53 keep every digit: read them as Lua prints them, from a copy.
      raw.lua_pushvalue(L, idx)
      const text = lua.toString(L, -1) as string
      raw.lua_settop(L, -2)
      return text
    }
    return encodeNumber(n, opts)
  }
  if (t === LUA_TBOOLEAN) return raw.lua_toboolean(L, idx) !== 0 ? 'true' : 'false'
  if (t === LUA_TNIL || t === LUA_TNONE) return 'null'
  if (t === LUA_TLIGHTUSERDATA) {
    raw.lua_pushlightuserdata(L, NULL_POINTER)
    const isNull = raw.lua_rawequal(L, idx < 0 ? idx - 1 : idx, -1) !== 0
    raw.lua_settop(L, -2)
    if (isNull) return 'null'
    raw.lua_pushlightuserdata(L, EMPTY_ARRAY_POINTER)
    const isEmptyArray = raw.lua_rawequal(L, idx < 0 ? idx - 1 : idx, -1) !== 0
    raw.lua_settop(L, -2)
    if (isEmptyArray) return '[]'
  }
  throw new TrackalertError('TA_ERR_JSON', `Cannot serialise ${typeNames[t] ?? 'value'}: type not supported`)
}

export function encodeNumber (n: number, opts: JsonOptions): string {
  if (!Number.isFinite(n)) {
    if (opts.invalidNumbers === 'null') return 'null'
    if (opts.invalidNumbers === true) return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf'
    throw new TrackalertError('TA_ERR_JSON', 'Cannot serialise number: must not be NaN or Infinity')
  }
  return formatNumber(n, opts)
}

/** Shortest form that reads back as the same double; integral floats print without ".0". */
function formatNumber (n: number, opts: JsonOptions): string {
  if (opts.precision > 0 && !Number.isInteger(n)) return String(Number(n.toPrecision(opts.precision)))
  if (Object.is(n, -0)) return '-0'
  return String(n)
}

const SLASH = /\//g

function encodeString (s: string, opts: JsonOptions): string {
  const json = JSON.stringify(s)
  return opts.escapeSlash ? json.replace(SLASH, '\\/') : json
}
