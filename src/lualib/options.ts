import { LUA_TNIL, LUA_TNONE, LUA_TTABLE, typeNames } from '../lua/constants.ts'
import { readValue, type LuaPlain } from '../lua/values.ts'
import { type LuaModule } from '../lua/wasm.ts'
import { TrackalertError } from '../errors.ts'

/**
 * Typed reads from a Lua option table ({ host = "...", port = 25, ... }). Unknown keys are an
 * error: a misspelt option in the configuration should stop the daemon, not be ignored.
 */
export class Options {
  readonly fn: string
  readonly #values: Record<string, LuaPlain>

  constructor (fn: string, values: Record<string, LuaPlain>, known: readonly string[]) {
    this.fn = fn
    this.#values = values
    for (const key of Object.keys(values)) {
      if (!known.includes(key)) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${fn}: unknown option '${key}' (known: ${known.join(', ')})`)
    }
  }

  /** Reads the table at `idx` (nil or absent gives an empty table). */
  static read (lua: LuaModule, L: number, idx: number, fn: string, known: readonly string[]): Options {
    const t = lua.raw.lua_type(L, idx)
    if (t === LUA_TNIL || t === LUA_TNONE) return new Options(fn, {}, known)
    if (t !== LUA_TTABLE) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `bad argument #${idx} to '${fn}' (table expected, got ${typeNames[t] ?? 'no value'})`)
    const v = readValue(lua, L, idx)
    // An empty table reads as {}; a sequence means positional values, which no option table takes.
    if (Array.isArray(v)) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${fn}: expected a table of named options ({ name = value, ... })`)
    return new Options(fn, v as Record<string, LuaPlain>, known)
  }

  has (key: string): boolean { return this.#values[key] !== undefined && this.#values[key] !== null }

  raw (key: string): LuaPlain | undefined { return this.#values[key] }

  string (key: string): string | undefined {
    const v = this.#values[key]
    if (v === undefined || v === null) return undefined
    if (typeof v === 'string') return v
    if (typeof v === 'number') return String(v)
    throw this.#bad(key, 'a string', v)
  }

  requiredString (key: string): string {
    const v = this.string(key)
    if (v === undefined || v === '') throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${this.fn}: option '${key}' is required`)
    return v
  }

  number (key: string): number | undefined {
    const v = this.#values[key]
    if (v === undefined || v === null) return undefined
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN
    if (!Number.isFinite(n)) throw this.#bad(key, 'a number', v)
    return n
  }

  /** A count of at least `min`. */
  integer (key: string, min: number): number | undefined {
    const n = this.number(key)
    if (n === undefined) return undefined
    if (!Number.isInteger(n) || n < min) throw this.#bad(key, `an integer of at least ${min}`, n)
    return n
  }

  /** A duration in seconds (fractions allowed), returned in milliseconds. */
  seconds (key: string): number | undefined {
    const n = this.number(key)
    if (n === undefined) return undefined
    if (n <= 0) throw this.#bad(key, 'a positive number of seconds', n)
    return Math.round(n * 1000)
  }

  boolean (key: string): boolean | undefined {
    const v = this.#values[key]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'boolean') throw this.#bad(key, 'true or false', v)
    return v
  }

  /** A table of string values (headers, query parameters); numbers and booleans are turned into text. */
  stringMap (key: string): Record<string, string> {
    const v = this.#values[key]
    if (v === undefined || v === null) return {}
    if (typeof v !== 'object' || Array.isArray(v)) throw this.#bad(key, 'a table of name = value pairs', v)
    const out: Record<string, string> = {}
    for (const [k, item] of Object.entries(v)) {
      if (typeof item === 'object' && item !== null) throw this.#bad(`${key}.${k}`, 'a string', item)
      if (item !== null) out[k] = String(item)
    }
    return out
  }

  #bad (key: string, expected: string, got: unknown): TrackalertError {
    const shown = typeof got === 'string' ? `'${got}'` : typeof got === 'object' ? 'a table' : String(got)
    return new TrackalertError('TA_ERR_LUA_ARGUMENT', `${this.fn}: option '${key}' must be ${expected}, got ${shown}`)
  }
}
