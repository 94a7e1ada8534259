import { type LuaState } from '../lua/state.ts'

/** lua-cjson's configuration knobs that change results. Kept per Lua state, as each state has its own cjson. */
export interface JsonOptions {
  /** encode_sparse_array(convert, ratio, safe): convert = true encodes excessively sparse arrays as objects. */
  sparseConvert: boolean
  sparseRatio: number
  sparseSafe: number
  /** encode_max_depth / decode_max_depth: nesting limit (also what stops a table that contains itself). */
  encodeMaxDepth: number
  decodeMaxDepth: number
  /** encode_empty_table_as_object: false encodes `{}` as `[]`. */
  emptyTableAsObject: boolean
  /** encode_escape_forward_slash: true writes "/" as "\/" as lua-cjson does by default. */
  escapeSlash: boolean
  /** encode_number_precision (1..16); 0 means shortest round-trip form (our default). */
  precision: number
  /** encode_invalid_numbers: false raises, true writes nan/inf (not JSON), 'null' writes null. */
  invalidNumbers: boolean | 'null'
}

export function defaultJsonOptions (): JsonOptions {
  return {
    sparseConvert: false,
    sparseRatio: 2,
    sparseSafe: 10,
    encodeMaxDepth: 1000,
    decodeMaxDepth: 1000,
    emptyTableAsObject: true,
    escapeSlash: false,
    precision: 0,
    invalidNumbers: false
  }
}

const KEY = 'lualib.json'
const DEFAULTS = defaultJsonOptions()

/** The options of `state`; the shared defaults until a config function changes one (then the state gets its own copy). */
export function jsonOptions (state: LuaState | null): JsonOptions {
  if (state === null) return DEFAULTS
  return (state.data.get(KEY) as JsonOptions | undefined) ?? DEFAULTS
}

export function ownJsonOptions (state: LuaState): JsonOptions {
  let opts = state.data.get(KEY) as JsonOptions | undefined
  if (opts === undefined) {
    opts = defaultJsonOptions()
    state.data.set(KEY, opts)
  }
  return opts
}
