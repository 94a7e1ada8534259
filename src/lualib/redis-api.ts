import { type ApiContext, type ApiModule, configOnly, internal } from '../lua/api/index.ts'
import { LUA_TBOOLEAN, LUA_TNIL, LUA_TNONE, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE } from '../lua/constants.ts'
import { type HostFunction, type ResultPusher } from '../lua/host.ts'
import { pushNumber } from '../lua/values.ts'
import { type LuaModule } from '../lua/wasm.ts'
import { assertCanWait, pushBytes, raiseAt } from './lua-push.ts'
import { Options } from './options.ts'
import { parseRedisUrl, REDIS_DEFAULTS, type RedisArg, type RedisService } from './redis-client.ts'
import { TrackalertError } from '../errors.ts'

const SETTING_KEYS = ['url', 'host', 'port', 'username', 'password', 'db', 'tls', 'timeout', 'max_pending']

/** How a reply becomes Lua values, following redis-lua where it differs from the raw reply. */
type Shape = 'raw' | 'bool' | 'ok' | 'hash'

/** Method name -> [Redis command, reply shape, argument count bounds]. */
const COMMANDS: Record<string, [string, Shape, number, number]> = {
  get: ['GET', 'raw', 1, 1],
  set: ['SET', 'ok', 2, 8],
  setex: ['SETEX', 'ok', 3, 3],
  incr: ['INCR', 'raw', 1, 1],
  incrby: ['INCRBY', 'raw', 2, 2],
  decr: ['DECR', 'raw', 1, 1],
  expire: ['EXPIRE', 'bool', 2, 3],
  ttl: ['TTL', 'raw', 1, 1],
  exists: ['EXISTS', 'bool', 1, 1],
  del: ['DEL', 'raw', 1, 100],
  sadd: ['SADD', 'raw', 2, 1000],
  srem: ['SREM', 'raw', 2, 1000],
  sismember: ['SISMEMBER', 'bool', 2, 2],
  smembers: ['SMEMBERS', 'raw', 1, 1],
  scard: ['SCARD', 'raw', 1, 1],
  hget: ['HGET', 'raw', 2, 2],
  hset: ['HSET', 'raw', 3, 1000],
  hincrby: ['HINCRBY', 'raw', 3, 3],
  hgetall: ['HGETALL', 'hash', 1, 1],
  hdel: ['HDEL', 'raw', 2, 1000],
  hexists: ['HEXISTS', 'bool', 2, 2]
}

/** Commands that change the state of the connection every Lua state shares, or take it over. */
const CONNECTION_STATE = new Set(['MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH', 'SELECT', 'SUBSCRIBE', 'PSUBSCRIBE',
  'SSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE', 'MONITOR', 'QUIT', 'RESET', 'AUTH', 'HELLO', 'CLIENT'])

/** Replies nest at most a few levels (EXEC, SCAN); the bound keeps the Lua stack use small. */
const MAX_REPLY_DEPTH = 6

function pushReply (lua: LuaModule, L: number, v: unknown, depth: number): void {
  const raw = lua.raw
  if (v === null || v === undefined) raw.lua_pushnil(L)
  else if (Buffer.isBuffer(v)) pushBytes(lua, L, v)
  else if (typeof v === 'number') pushNumber(lua, L, v)
  else if (typeof v === 'string') lua.pushString(L, v)
  else if (v instanceof Error) lua.pushString(L, v.message)
  else if (Array.isArray(v)) {
    if (depth >= MAX_REPLY_DEPTH) throw new TrackalertError('TA_ERR_OUTBOUND', 'reply nested too deeply')
    raw.lua_createtable(L, v.length, 0)
    for (let i = 0; i < v.length; i++) {
      pushReply(lua, L, v[i], depth + 1)
      raw.lua_rawseti(L, -2, BigInt(i + 1))
    }
  } else lua.pushString(L, String(v))
}

function pusher (lua: LuaModule, shape: Shape, reply: unknown): ResultPusher {
  return (L) => {
    const raw = lua.raw
    if (shape === 'bool') raw.lua_pushboolean(L, reply === 1 ? 1 : 0)
    else if (shape === 'ok' && reply !== null) raw.lua_pushboolean(L, 1)
    else if (shape === 'hash' && Array.isArray(reply)) {
      raw.lua_createtable(L, 0, reply.length / 2)
      for (let i = 0; i + 1 < reply.length; i += 2) {
        pushReply(lua, L, reply[i], 1)
        pushReply(lua, L, reply[i + 1], 1)
        raw.lua_rawset(L, -3)
      }
    } else pushReply(lua, L, reply, 0)
    return 1
  }
}

/** The `redis` object and setRedis. Methods work with `redis:get(k)` and `redis.get(k)`. */
export function redisModule (service: RedisService): ApiModule {
  const module = ({ lua, args }: ApiContext<unknown>): HostFunction[] => {
    const raw = lua.raw
    /** Arguments from `first` on: strings (binary-safe) and numbers. */
    const readArgs = (L: number, first: number, method: string): RedisArg[] => {
      const out: RedisArg[] = []
      const top = raw.lua_gettop(L)
      for (let i = first; i <= top; i++) {
        const t = raw.lua_type(L, i)
        if (t === LUA_TSTRING) out.push(Buffer.from(lua.toBytes(L, i) as Uint8Array))
        else if (t === LUA_TNUMBER) out.push(lua.toString(L, i) as string)
        else throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `bad argument #${i - first + 1} to 'redis.${method}' (string or number expected, got ${args.typeName(L, i)})`)
      }
      return out
    }
    const command = (method: string, [name, shape, min, max]: [string, Shape, number, number]): HostFunction =>
      internal(`redis.${method}`, (L, state) => {
        // redis:get(k) passes the redis table first; redis.get(k) does not.
        const first = raw.lua_type(L, 1) === LUA_TTABLE ? 2 : 1
        // set(key, value, seconds): the expiry as a plain third argument. Checked before reading the
        // arguments: reading a number as text converts it in place.
        const expiry = method === 'set' && raw.lua_gettop(L) === first + 2 && raw.lua_type(L, first + 2) === LUA_TNUMBER
        let list = readArgs(L, first, method)
        if (expiry) list = [list[0], list[1], 'EX', list[2]]
        if (list.length < min || list.length > max) {
          throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `redis.${method}: expected ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${list.length}`)
        }
        assertCanWait(lua, L, state, `redis.${method}`)
        return service.command(name, list).then((reply) => pusher(lua, shape, reply), (err: Error) => raiseAt(lua, `redis.${method}: ${err.message}`))
      })
    return [
      configOnly('setRedis', (L) => {
        const o = raw.lua_type(L, 1) === LUA_TSTRING
          ? new Options('setRedis', { url: lua.toString(L, 1) as string }, SETTING_KEYS)
          : Options.read(lua, L, 1, 'setRedis', SETTING_KEYS)
        const url = o.string('url')
        if (url !== undefined) parseRedisUrl(url)
        const settings = {
          url,
          host: o.string('host') ?? REDIS_DEFAULTS.host,
          port: o.integer('port', 1) ?? REDIS_DEFAULTS.port,
          username: o.string('username'),
          password: o.string('password'),
          db: o.integer('db', 0) ?? REDIS_DEFAULTS.db,
          tls: o.boolean('tls') ?? REDIS_DEFAULTS.tls,
          timeoutMs: o.seconds('timeout') ?? REDIS_DEFAULTS.timeoutMs,
          maxPending: o.integer('max_pending', 1) ?? REDIS_DEFAULTS.maxPending
        }
        return settings
      }, (settings) => { service.configure(settings) }),
      ...Object.entries(COMMANDS).map(([method, spec]) => command(method, spec)),
      internal('redis.call', (L, state) => {
        const first = raw.lua_type(L, 1) === LUA_TTABLE ? 2 : 1
        const t = raw.lua_type(L, first)
        if (t === LUA_TNIL || t === LUA_TNONE || t === LUA_TBOOLEAN) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', "bad argument #1 to 'redis.call' (command name expected)")
        const name = args.string(L, first, 'redis.call')
        if (CONNECTION_STATE.has(name.toUpperCase())) {
          throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `redis.call: ${name.toUpperCase()} is not available: every Lua state shares one connection (use a Lua script with EVAL for atomic steps)`)
        }
        const list = readArgs(L, first + 1, 'call')
        assertCanWait(lua, L, state, 'redis.call')
        return service.command(name, list).then((reply) => pusher(lua, 'raw', reply), (err: Error) => raiseAt(lua, `redis.call ${name.toUpperCase()}: ${err.message}`))
      })
    ]
  }
  module.prelude = {
    name: 'redis',
    source: `
local H = __ta
redis = { call = H["redis.call"] }
for _, name in ipairs(${`{ ${Object.keys(COMMANDS).map((k) => JSON.stringify(k)).join(', ')} }`}) do redis[name] = H["redis." .. name] end
`
  }
  return module
}
