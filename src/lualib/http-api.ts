import { STATUS_CODES } from 'node:http'
import { type ApiContext, type ApiModule, configOnly, internal } from '../lua/api/index.ts'
import { LUA_TNIL, LUA_TNONE, LUA_TSTRING, LUA_TTABLE } from '../lua/constants.ts'
import { type HostFunction, type ResultPusher } from '../lua/host.ts'
import { type LuaModule } from '../lua/wasm.ts'
import { type HttpClient, type HttpRequest, type HttpResponse } from './http-client.ts'
import { assertCanWait, pushBytes, pushStringMap, raiseAt } from './lua-push.ts'
import { Options } from './options.ts'
import { TrackalertError } from '../errors.ts'

const REQUEST_KEYS = ['url', 'method', 'headers', 'body', 'timeout', 'redirects']
const OPTION_KEYS = ['timeout', 'connections', 'max_pending', 'max_body', 'keepalive']
/** luasocket follows up to 5 redirects for GET. */
const SOCKET_REDIRECTS = 5

/** Reads the string or bytes at field `key` of the table at `idx` without UTF-8 decoding. */
function bytesField (lua: LuaModule, L: number, idx: number, key: string): Uint8Array | null {
  const raw = lua.raw
  raw.lua_getfield(L, idx, lua.cstr(key))
  const t = raw.lua_type(L, -1)
  const out = t === LUA_TNIL ? null : lua.toBytes(L, -1)
  raw.lua_settop(L, -2)
  if (t !== LUA_TNIL && out === null) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `http.request: option 'body' must be a string`)
  return out
}

/** The http module: http.request{...} (raises on failure) and luasocket's socket.http.request(url[, body]) (returns nil, err). */
export function httpModule (client: HttpClient): ApiModule {
  const module = (ctx: ApiContext<unknown>): HostFunction[] => {
    const { lua, args } = ctx
    const raw = lua.raw
    const readRequest = (L: number): HttpRequest => {
      const t = raw.lua_type(L, 1)
      if (t === LUA_TSTRING) return { method: 'GET', url: lua.toString(L, 1) as string }
      if (t !== LUA_TTABLE) throw args.bad(L, 1, 'http.request', 'table')
      const o = Options.read(lua, L, 1, 'http.request', REQUEST_KEYS)
      const body = bytesField(lua, L, 1, 'body')
      return {
        url: o.requiredString('url'),
        method: o.string('method') ?? (body === null ? 'GET' : 'POST'),
        headers: o.stringMap('headers'),
        body,
        timeoutMs: o.seconds('timeout'),
        redirects: o.integer('redirects', 0)
      }
    }
    const pushResponse = (res: HttpResponse): ResultPusher => (L) => {
      raw.lua_pushinteger(L, BigInt(res.status))
      pushBytes(lua, L, res.body)
      pushStringMap(lua, L, res.headers)
      return 3
    }
    return [
      // The options are checked for unknown keys everywhere, their values where they take effect.
      configOnly('setLuaHttpOptions', (L) => Options.read(lua, L, 1, 'setLuaHttpOptions', OPTION_KEYS), (o) => {
        const patch = {
          timeoutMs: o.seconds('timeout'),
          connections: o.integer('connections', 1),
          maxPending: o.integer('max_pending', 1),
          maxBodyBytes: o.integer('max_body', 1),
          keepAliveTimeoutMs: o.seconds('keepalive')
        }
        client.configure(Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)))
      }),
      internal('http.request', (L, state) => {
        const req = readRequest(L)
        assertCanWait(lua, L, state, 'http.request')
        return client.request(req).then(pushResponse, (err: Error) => raiseAt(lua, `http.request: ${req.method.toUpperCase()} ${req.url}: ${err.message}`))
      }),
      internal('socket.http.request', (L, state) => {
        assertCanWait(lua, L, state, 'socket.http.request')
        if (raw.lua_type(L, 1) === LUA_TTABLE) {
          throw new TrackalertError('TA_ERR_LUA_ARGUMENT', 'socket.http.request: the table form (ltn12 sources and sinks) is not supported; use http.request{...}')
        }
        const url = args.string(L, 1, 'request')
        const body = raw.lua_type(L, 2) === LUA_TNIL || raw.lua_type(L, 2) === LUA_TNONE ? null : lua.toBytes(L, 2)
        const timeout = raw.lua_type(L, 3) === LUA_TNIL || raw.lua_type(L, 3) === LUA_TNONE ? undefined : args.number(L, 3, 'request')
        const headers: Record<string, string> = {}
        if (raw.lua_type(L, 4) === LUA_TSTRING) headers['user-agent'] = lua.toString(L, 4) as string
        if (body !== null) headers['content-type'] = 'application/x-www-form-urlencoded'
        const req: HttpRequest = {
          url,
          method: body === null ? 'GET' : 'POST',
          headers,
          body,
          timeoutMs: timeout !== undefined && timeout > 0 ? Math.round(timeout * 1000) : undefined,
          redirects: SOCKET_REDIRECTS
        }
        return client.request(req).then(
          (res): ResultPusher => (L2) => {
            pushBytes(lua, L2, res.body)
            raw.lua_pushinteger(L2, BigInt(res.status))
            pushStringMap(lua, L2, res.headers)
            lua.pushString(L2, `HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ''}`.trimEnd())
            return 4
          },
          (err: Error): ResultPusher => (L2) => {
            raw.lua_pushnil(L2)
            lua.pushString(L2, err.message)
            return 2
          })
      })
    ]
  }
  module.prelude = {
    name: 'http',
    source: `
local H = __ta
http = { request = H["http.request"] }
local request = H["socket.http.request"]
local M = { TIMEOUT = nil, USERAGENT = nil }
-- luasocket's simple form: body, code, headers, status line, or nil and the error. M.TIMEOUT (seconds) and M.USERAGENT apply.
function M.request (url, body) return request(url, body, M.TIMEOUT, M.USERAGENT) end
package.loaded["socket.http"] = M
`
  }
  return module
}
