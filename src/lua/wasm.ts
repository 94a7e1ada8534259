import assert from 'node:assert'
import { LuaWasm } from 'wasmoon'

/**
 * The raw Lua C API as exported by wasmoon's WebAssembly build, plus the memory helpers the engine needs.
 * We bypass wasmoon's high-level engine: its automatic JS<->Lua conversion costs ~50 µs a report,
 * building tables through the C API costs ~2 µs.
 */
export interface LuaRaw {
  luaL_newstate (): number
  luaL_openlibs (L: number): void
  luaL_loadbufferx (L: number, buf: number, size: number, name: number, mode: number): number
  luaL_traceback (L: number, L1: number, msg: number, level: number): void
  luaL_where (L: number, level: number): void
  luaL_ref (L: number, t: number): number
  luaL_unref (L: number, t: number, ref: number): void
  luaL_newmetatable (L: number, name: number): number
  luaL_setmetatable (L: number, name: number): void
  luaL_getmetafield (L: number, obj: number, e: number): number
  luaL_tolstring (L: number, idx: number, len: number): number
  lua_close (L: number): void
  lua_newthread (L: number): number
  lua_resetthread (L: number): number
  lua_gettop (L: number): number
  lua_settop (L: number, idx: number): void
  lua_pushvalue (L: number, idx: number): void
  lua_rotate (L: number, idx: number, n: number): void
  lua_xmove (from: number, to: number, n: number): void
  lua_type (L: number, idx: number): number
  lua_toboolean (L: number, idx: number): number
  lua_tonumberx (L: number, idx: number, isnum: number): number
  lua_isinteger (L: number, idx: number): number
  lua_tolstring (L: number, idx: number, len: number): number
  lua_rawlen (L: number, idx: number): number
  lua_pushnil (L: number): void
  lua_pushnumber (L: number, n: number): void
  lua_pushinteger (L: number, n: bigint): void
  lua_pushlstring (L: number, s: number, len: number): number
  lua_pushboolean (L: number, b: number): void
  lua_pushcclosure (L: number, fn: number, n: number): void
  lua_pushlightuserdata (L: number, p: number): void
  lua_createtable (L: number, narr: number, nrec: number): void
  lua_getfield (L: number, idx: number, k: number): number
  lua_setfield (L: number, idx: number, k: number): void
  lua_getglobal (L: number, name: number): number
  lua_setglobal (L: number, name: number): void
  lua_rawgeti (L: number, idx: number, n: bigint): number
  lua_rawseti (L: number, idx: number, n: bigint): void
  lua_rawget (L: number, idx: number): number
  lua_rawset (L: number, idx: number): void
  lua_next (L: number, idx: number): number
  lua_setmetatable (L: number, idx: number): number
  lua_getmetatable (L: number, idx: number): number
  lua_resume (L: number, from: number, nargs: number, nres: number): number
  lua_yieldk (L: number, nresults: number, ctx: number, k: number): number
  lua_isyieldable (L: number): number
  lua_error (L: number): number
  lua_sethook (L: number, fn: number, mask: number, count: number): void
  lua_pcallk (L: number, nargs: number, nresults: number, msgh: number, ctx: number, k: number): number
  lua_rawequal (L: number, a: number, b: number): number
  lua_concat (L: number, n: number): void
  lua_checkstack (L: number, n: number): number
}

interface EmscriptenModule {
  HEAPU8: Uint8Array
  _malloc (size: number): number
  _free (ptr: number): void
  addFunction (fn: (...args: number[]) => number | void, signature: string): number
  [key: string]: unknown
}

const rawNames: ReadonlyArray<keyof LuaRaw> = [
  'luaL_newstate', 'luaL_openlibs', 'luaL_loadbufferx', 'luaL_traceback', 'luaL_where', 'luaL_ref', 'luaL_unref',
  'luaL_newmetatable', 'luaL_setmetatable', 'luaL_getmetafield', 'luaL_tolstring', 'lua_close', 'lua_newthread', 'lua_resetthread',
  'lua_gettop', 'lua_settop', 'lua_pushvalue', 'lua_rotate', 'lua_xmove', 'lua_type', 'lua_toboolean', 'lua_tonumberx',
  'lua_isinteger', 'lua_tolstring', 'lua_rawlen', 'lua_pushnil', 'lua_pushnumber', 'lua_pushinteger', 'lua_pushlstring',
  'lua_pushboolean', 'lua_pushcclosure', 'lua_pushlightuserdata', 'lua_createtable', 'lua_getfield', 'lua_setfield',
  'lua_getglobal', 'lua_setglobal', 'lua_rawgeti', 'lua_rawseti', 'lua_rawget', 'lua_rawset', 'lua_next',
  'lua_setmetatable', 'lua_getmetatable', 'lua_resume', 'lua_yieldk', 'lua_isyieldable', 'lua_error', 'lua_sethook',
  'lua_pcallk', 'lua_rawequal', 'lua_concat', 'lua_checkstack'
]

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * One WebAssembly instance hosts every Lua state of the process (they share linear memory).
 * Strings cross the boundary through one growable scratch region instead of a malloc per string.
 */
export class LuaModule {
  readonly raw: LuaRaw
  readonly #module: EmscriptenModule
  readonly #interned = new Map<string, number>()
  #scratch: number
  #scratchSize: number
  #scratchView: Uint8Array | null = null
  /** 8 bytes reused for out-parameters (string lengths, isnum flags). */
  readonly outPtr: number

  /**
   * `exports`: the wasm instance's own exports. wasmoon ships an assertion build whose `Module._lua_*`
   * wrappers check the runtime and build a message string on every call, then `apply` the export;
   * calling the exports directly saves that on each of the ~40 C API calls of a report.
   */
  constructor (module: EmscriptenModule, exports?: WasmExports) {
    this.#module = module
    const raw: Record<string, unknown> = {}
    for (const name of rawNames) {
      const fn = exports?.[name] ?? module[`_${name}`]
      assert(typeof fn === 'function', `wasmoon build lacks ${name}`)
      raw[name] = fn
    }
    this.raw = raw as unknown as LuaRaw
    this.#scratchSize = 64 * 1024
    this.#scratch = module._malloc(this.#scratchSize)
    this.outPtr = module._malloc(8)
  }

  get heap (): Uint8Array { return this.#module.HEAPU8 }

  malloc (size: number): number { return this.#module._malloc(size) }
  free (ptr: number): void { this.#module._free(ptr) }

  /** Registers a JS function in the wasm function table; the pointer lives as long as the process. */
  addFunction (fn: (...args: number[]) => number | void, signature: string): number {
    return this.#module.addFunction(fn, signature)
  }

  /** A NUL-terminated copy of `s` that lives forever: for field names, global names and metatable names. */
  cstr (s: string): number {
    let ptr = this.#interned.get(s)
    if (ptr === undefined) {
      const bytes = encoder.encode(s)
      ptr = this.#module._malloc(bytes.length + 1)
      const heap = this.heap
      heap.set(bytes, ptr)
      heap[ptr + bytes.length] = 0
      this.#interned.set(s, ptr)
    }
    return ptr
  }

  /** Copies `s` as UTF-8 into the scratch region and returns its byte length (pointer: `scratch`). */
  writeScratch (s: string): number {
    const len = s.length
    if (len * 3 > this.#scratchSize) this.#growScratch(len * 3)
    // Short strings: a byte loop beats the call into the encoder (logins, addresses are ASCII).
    if (len <= 16) {
      const heap = this.heap
      const base = this.#scratch
      for (let i = 0; i < len; i++) {
        const c = s.charCodeAt(i)
        if (c > 127) return encoder.encodeInto(s, this.#scratchBytes()).written
        heap[base + i] = c
      }
      return len
    }
    return encoder.encodeInto(s, this.#scratchBytes()).written
  }

  /** A view of the scratch region, rebuilt only when it moved or wasm memory grew (detaching views). */
  #scratchBytes (): Uint8Array {
    const heap = this.heap
    let view = this.#scratchView
    if (view === null || view.buffer !== heap.buffer || view.byteOffset !== this.#scratch || view.length !== this.#scratchSize) {
      view = this.#scratchView = heap.subarray(this.#scratch, this.#scratch + this.#scratchSize)
    }
    return view
  }

  writeScratchBytes (bytes: Uint8Array): number {
    if (bytes.length > this.#scratchSize) this.#growScratch(bytes.length)
    this.heap.set(bytes, this.#scratch)
    return bytes.length
  }

  get scratch (): number { return this.#scratch }

  #growScratch (needed: number): void {
    this.#module._free(this.#scratch)
    this.#scratchSize = Math.max(needed, this.#scratchSize * 2)
    this.#scratch = this.#module._malloc(this.#scratchSize)
  }

  pushString (L: number, s: string): void {
    const len = this.writeScratch(s)
    this.raw.lua_pushlstring(L, this.#scratch, len)
  }

  /** The string at `idx` (numbers are converted in place, as lua_tolstring does), or null for other types. */
  toString (L: number, idx: number): string | null {
    const ptr = this.raw.lua_tolstring(L, idx, this.outPtr)
    if (ptr === 0) return null
    const heap = this.heap
    const len = heap[this.outPtr] | (heap[this.outPtr + 1] << 8) | (heap[this.outPtr + 2] << 16) | (heap[this.outPtr + 3] << 24)
    if (len < 64) {
      let out = ''
      for (let i = 0; i < len; i++) {
        const c = heap[ptr + i]
        if (c > 127) return decoder.decode(heap.subarray(ptr, ptr + len))
        out += String.fromCharCode(c)
      }
      return out
    }
    return decoder.decode(heap.subarray(ptr, ptr + len))
  }

  toBytes (L: number, idx: number): Uint8Array | null {
    const ptr = this.raw.lua_tolstring(L, idx, this.outPtr)
    if (ptr === 0) return null
    const heap = this.heap
    const len = heap[this.outPtr] | (heap[this.outPtr + 1] << 8) | (heap[this.outPtr + 2] << 16) | (heap[this.outPtr + 3] << 24)
    return heap.slice(ptr, ptr + len)
  }
}

let modulePromise: Promise<LuaModule> | null = null

/** Loads the WebAssembly Lua runtime once per process. `os.getenv` sees the process environment. */
export function loadLuaModule (): Promise<LuaModule> {
  if (modulePromise === null) {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
    modulePromise = captureInstanceExports(() => LuaWasm.initialize(undefined, env))
      .then(({ value: wasm, exports }) => new LuaModule(wasm.module as unknown as EmscriptenModule, exports))
  }
  return modulePromise
}

/**
 * Runs `init` while noting the exports of the WebAssembly instance it creates. Emscripten keeps its
 * instance private, so WebAssembly.instantiate is observed for the duration of the call only.
 * Resolves with undefined exports if instantiation went another way (the wrappers are then used).
 */
async function captureInstanceExports<T> (init: () => Promise<T>): Promise<{ value: T, exports: WasmExports | undefined }> {
  const wasm = (globalThis as unknown as { WebAssembly: WasmNamespace }).WebAssembly
  const original = wasm.instantiate
  let exports: WasmExports | undefined
  wasm.instantiate = async (...args: unknown[]): Promise<unknown> => {
    const result = await original.apply(wasm, args)
    const instance = result instanceof wasm.Instance ? result : (result as { instance: { exports: WasmExports } }).instance
    exports ??= instance.exports
    return result
  }
  try {
    const value = await init()
    return { value, exports }
  } finally {
    wasm.instantiate = original
  }
}

/** The bits of the WebAssembly global used here (the project's lib settings carry no DOM types). */
type WasmExports = Record<string, unknown>
interface WasmNamespace {
  instantiate: (...args: unknown[]) => Promise<unknown>
  Instance: new (...args: unknown[]) => { exports: WasmExports }
}
