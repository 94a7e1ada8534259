import { type ApiContext, type ApiModule, configOnly, internal } from '../lua/api/index.ts'
import { LUA_TNIL, LUA_TNONE, LUA_TSTRING, LUA_TTABLE } from '../lua/constants.ts'
import { type HostFunction, type ResultPusher } from '../lua/host.ts'
import { type LuaState } from '../lua/state.ts'
import { readValue } from '../lua/values.ts'
import { type ElasticsearchClient, type EsCallOptions } from './elasticsearch.ts'
import { pushJson } from './json-decode.ts'
import { encodeLua } from './json-encode.ts'
import { jsonOptions } from './json-options.ts'
import { assertCanWait, raiseAt } from './lua-push.ts'
import { Options } from './options.ts'
import { TrackalertError } from '../errors.ts'

const SETTING_KEYS = ['url', 'user', 'password', 'api_key', 'timeout', 'headers']
const CALL_KEYS = ['timeout', 'params', 'ignore']

/** es.search / es.request and the setElasticsearch config function. */
export function esModule (client: ElasticsearchClient): ApiModule {
  const module = (ctx: ApiContext<unknown>): HostFunction[] => {
    const { lua, args } = ctx
    const raw = lua.raw
    /** A query table is encoded as JSON; a string is sent as it is (already JSON). */
    const body = (L: number, idx: number, state: LuaState, fnName: string): string | null => {
      const t = raw.lua_type(L, idx)
      if (t === LUA_TNIL || t === LUA_TNONE) return null
      if (t === LUA_TSTRING) return lua.toString(L, idx) as string
      if (t === LUA_TTABLE) return encodeLua(lua, L, idx, jsonOptions(state))
      throw args.bad(L, idx, fnName, 'table or JSON string')
    }
    const callOptions = (L: number, idx: number, fnName: string): EsCallOptions => {
      const o = Options.read(lua, L, idx, fnName, CALL_KEYS)
      const ignore = o.raw('ignore')
      if (ignore !== undefined && !(Array.isArray(ignore) && ignore.every((n) => typeof n === 'number'))) {
        throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${fnName}: option 'ignore' must be a list of HTTP statuses, e.g. { 404 }`)
      }
      return { timeoutMs: o.seconds('timeout'), params: o.stringMap('params'), ignore: ignore as number[] | undefined }
    }
    const answer = (value: unknown, status: number | null, state: LuaState): ResultPusher => (L) => {
      if (value === null) raw.lua_pushnil(L)
      else pushJson(lua, L, value, jsonOptions(state).decodeMaxDepth)
      if (status === null) return 1
      raw.lua_pushinteger(L, BigInt(status))
      return 2
    }
    const failed = (fnName: string) => (err: Error): ResultPusher => raiseAt(lua, `${fnName}: ${err.message}`)
    return [
      configOnly('setElasticsearch', (L) => {
        const o = raw.lua_type(L, 1) === LUA_TSTRING
          ? new Options('setElasticsearch', { url: lua.toString(L, 1) as string }, SETTING_KEYS)
          : Options.read(lua, L, 1, 'setElasticsearch', SETTING_KEYS)
        const settings = {
          url: o.requiredString('url'),
          user: o.string('user'),
          password: o.string('password'),
          apiKey: o.string('api_key'),
          timeoutMs: o.seconds('timeout'),
          headers: o.stringMap('headers')
        }
        return settings
      }, (settings) => { client.configure(settings) }),
      internal('es.search', (L, state) => {
        let index: string | string[]
        if (raw.lua_type(L, 1) === LUA_TTABLE) {
          const list = readValue(lua, L, 1)
          if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', "bad argument #1 to 'es.search' (index name or list of names expected)")
          index = list as string[]
        } else {
          index = args.string(L, 1, 'es.search')
        }
        const query = body(L, 2, state, 'es.search') ?? '{}'
        const opts = callOptions(L, 3, 'es.search')
        assertCanWait(lua, L, state, 'es.search')
        return client.search(index, query, opts).then((v) => answer(v, null, state), failed('es.search'))
      }),
      internal('es.request', (L, state) => {
        const method = args.string(L, 1, 'es.request').toUpperCase()
        const path = args.string(L, 2, 'es.request')
        const json = body(L, 3, state, 'es.request')
        const opts = callOptions(L, 4, 'es.request')
        assertCanWait(lua, L, state, 'es.request')
        return client.request(method, path, json, opts).then((a) => answer(a.body, a.status, state), failed('es.request'))
      })
    ]
  }
  module.prelude = {
    name: 'es',
    source: `
local H = __ta
es = { search = H["es.search"], request = H["es.request"] }
`
  }
  return module
}
