import { LUA_TSTRING, LUA_TTABLE } from '../constants.ts'
import { type HostFunction } from '../host.ts'
import { parseComboAddress, parseIP, parseNetmask, Netmask, NetmaskGroup, type IPAddress } from '../../net/index.ts'
import { type ApiContext, fn, internal } from './context.ts'
import { TrackalertError } from '../../errors.ts'

/**
 * ComboAddress, Netmask and NetmaskGroup. Objects are Lua tables with shared metatables built by the
 * prelude; NetmaskGroup state lives here, keyed by an id stored in the table and freed by __gc.
 */
export function addressFunctions ({ lua, args }: ApiContext<unknown>): HostFunction[] {
  const raw = lua.raw
  const groups = new Map<number, NetmaskGroup>()
  const masks = new Map<string, Netmask>()
  let nextGroup = 1
  // One-entry cache: a report function usually matches the same lt.remote several times.
  let lastText = ''
  let lastIP: IPAddress | null = null

  const ipOf = (text: string): IPAddress | null => {
    if (text !== lastText) { lastText = text; lastIP = parseIP(text) }
    return lastIP
  }

  /** Reads a ComboAddress table or an address string at `i`. */
  const readAddress = (L: number, i: number, name: string): IPAddress => {
    const t = raw.lua_type(L, i)
    let text: string | null = null
    if (t === LUA_TTABLE) {
      raw.lua_rawgeti(L, i, 1n)
      text = lua.toString(L, -1)
      raw.lua_settop(L, -2)
    } else if (t === LUA_TSTRING) {
      text = lua.toString(L, i)
    }
    if (text === null) throw args.bad(L, i, name, 'ComboAddress')
    const ip = ipOf(text)
    if (ip === null) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${name}: '${text}' is not an IP address`)
    return ip
  }

  const pushCA = (L: number, text: string, port: number, family: 4 | 6): void => {
    raw.lua_createtable(L, 3, 0)
    lua.pushString(L, text)
    raw.lua_rawseti(L, -2, 1n)
    raw.lua_pushinteger(L, BigInt(port))
    raw.lua_rawseti(L, -2, 2n)
    raw.lua_pushinteger(L, BigInt(family))
    raw.lua_rawseti(L, -2, 3n)
    raw.luaL_setmetatable(L, lua.cstr('ComboAddress'))
  }

  const pushNetmask = (L: number, mask: Netmask): number => {
    raw.lua_createtable(L, 3, 0)
    lua.pushString(L, mask.networkText())
    raw.lua_rawseti(L, -2, 1n)
    raw.lua_pushinteger(L, BigInt(mask.bits))
    raw.lua_rawseti(L, -2, 2n)
    raw.lua_pushinteger(L, BigInt(mask.family))
    raw.lua_rawseti(L, -2, 3n)
    raw.luaL_setmetatable(L, lua.cstr('Netmask'))
    return 1
  }

  const netmaskFromCA = (L: number, name: string): Netmask => {
    const ip = readAddress(L, 1, name)
    const bits = args.optNumber(L, 2, name, ip.family === 4 ? 32 : 128)
    try { return new Netmask(ip, bits) } catch (err) { throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${name}: ${(err as Error).message}`, { cause: err }) }
  }

  const group = (L: number, name: string): NetmaskGroup => {
    args.table(L, 1, name)
    raw.lua_rawgeti(L, 1, 1n)
    const id = raw.lua_tonumberx(L, -1, 0)
    raw.lua_settop(L, -2)
    const g = groups.get(id)
    if (g === undefined) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `${name}: not a NetmaskGroup`)
    return g
  }

  const newCA = (L: number): number => {
    const text = args.string(L, 1, 'newCA')
    const ca = parseComboAddress(text)
    if (ca === null) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `newCA: '${text}' is not an IP address (IP, IPv4:port or [IPv6]:port)`)
    pushCA(L, ca.text, ca.port, ca.ip.family)
    return 1
  }

  return [
    fn('newCA', newCA),
    internal('newCA', newCA),
    fn('newNetmask', (L) => {
      if (raw.lua_type(L, 1) === LUA_TTABLE) return pushNetmask(L, netmaskFromCA(L, 'newNetmask'))
      const text = args.string(L, 1, 'newNetmask')
      const mask = parseNetmask(text)
      if (mask === null) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `newNetmask: '${text}' is not a netmask (address/bits)`)
      return pushNetmask(L, mask)
    }),
    fn('newNetmaskFromCA', (L) => pushNetmask(L, netmaskFromCA(L, 'newNetmaskFromCA'))),
    internal('netmaskMatch', (L) => {
      const key = `${args.string(L, 1, 'match')}/${args.integer(L, 2, 'match')}`
      let mask = masks.get(key)
      if (mask === undefined) {
        mask = parseNetmask(key) ?? undefined
        if (mask === undefined) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `match: bad netmask ${key}`)
        if (masks.size > 10000) masks.clear()
        masks.set(key, mask)
      }
      raw.lua_pushboolean(L, mask.match(readAddress(L, 3, 'match')) ? 1 : 0)
      return 1
    }),
    fn('newNetmaskGroup', (L) => {
      const id = nextGroup++
      groups.set(id, new NetmaskGroup())
      raw.lua_createtable(L, 1, 0)
      raw.lua_pushinteger(L, BigInt(id))
      raw.lua_rawseti(L, -2, 1n)
      raw.luaL_setmetatable(L, lua.cstr('NetmaskGroup'))
      return 1
    }),
    internal('nmgAdd', (L) => {
      const g = group(L, 'addMask')
      const text = args.string(L, 2, 'addMask')
      const mask = parseNetmask(text)
      if (mask === null) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `addMask: '${text}' is not a netmask (address/bits)`)
      g.add(mask)
      return 0
    }),
    internal('nmgMatch', (L) => {
      raw.lua_pushboolean(L, group(L, 'match').match(readAddress(L, 2, 'match')) ? 1 : 0)
      return 1
    }),
    internal('nmgSize', (L) => {
      raw.lua_pushinteger(L, BigInt(group(L, 'size').size))
      return 1
    }),
    internal('nmgClear', (L) => { group(L, 'clear').clear(); return 0 }),
    internal('nmgFree', (L) => {
      raw.lua_rawgeti(L, 1, 1n)
      groups.delete(raw.lua_tonumberx(L, -1, 0))
      return 0
    })
  ]
}
