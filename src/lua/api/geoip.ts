import { emptyGeoIPDB, legacyGeoIPFunctions, legacyGeoIPMessage, type GeoIPLookup, type GeoIPPathElement } from '../../geoip/index.ts'
import { LUA_TSTRING, LUA_TTABLE } from '../constants.ts'
import { type HostFunction } from '../host.ts'
import { pushNumber, pushValue, readValue } from '../values.ts'
import { configNotices } from './config-notice.ts'
import { configOnly } from './config-only.ts'
import { type ApiContext, fn, internal } from './context.ts'
import { type HostServices } from './services.ts'
import { TrackalertError } from '../../errors.ts'

/**
 * GeoIP2 databases. A Lua GeoIP2DB is a table { name } with a shared metatable; each lookup
 * resolves the name in the registry, so a reload (which swaps data inside the registry's handle)
 * is seen by objects fetched before it.
 */
export function geoipFunctions (ctx: ApiContext<Pick<HostServices, 'geoip' | 'output' | 'daemon'>>): HostFunction[] {
  const { lua, args, services } = ctx
  const { geoip } = services
  const notices = configNotices(ctx)
  const raw = lua.raw
  const db = (L: number, method: string): GeoIPLookup => {
    args.table(L, 1, method)
    raw.lua_rawgeti(L, 1, 1n)
    const name = lua.toString(L, -1) ?? ''
    raw.lua_settop(L, -2)
    return geoip.get(name) ?? emptyGeoIPDB
  }
  const address = (L: number, method: string): string => {
    const t = raw.lua_type(L, 2)
    if (t === LUA_TSTRING) return lua.toString(L, 2) as string
    if (t === LUA_TTABLE) {
      raw.lua_rawgeti(L, 2, 1n)
      const text = lua.toString(L, -1)
      raw.lua_settop(L, -2)
      if (text !== null) return text
    }
    throw args.bad(L, 2, method, 'ComboAddress')
  }
  const path = (L: number, method: string): GeoIPPathElement[] => {
    args.table(L, 3, method)
    const value = readValue(lua, L, 3)
    const list = Array.isArray(value) ? value : Object.values(value as object)
    return list.map((p) => (typeof p === 'number' ? p : String(p)))
  }
  const pushDB = (L: number, name: string): number => {
    raw.lua_createtable(L, 1, 0)
    lua.pushString(L, name)
    raw.lua_rawseti(L, -2, 1n)
    raw.luaL_setmetatable(L, lua.cstr('GeoIP2DB'))
    return 1
  }
  const legacy = legacyGeoIPFunctions.map((name) => fn(name, () => { throw new TrackalertError('TA_ERR_GEOIP', legacyGeoIPMessage(name)) }))
  return [
    configOnly('newGeoIP2DB', (L) => [args.string(L, 1, 'newGeoIP2DB'), args.string(L, 2, 'newGeoIP2DB')], ([name, file]) => { geoip.open(name, file) }),
    fn('getGeoIP2DB', (L, state) => {
      const name = args.string(L, 1, 'getGeoIP2DB')
      if (geoip.get(name) === undefined) notices.error(L, state, `getGeoIP2DB(): Could not find database named ${name}`)
      return pushDB(L, name)
    }),
    internal('geoCountry', (L) => { lua.pushString(L, db(L, 'lookupCountry').lookupCountry(address(L, 'lookupCountry'))); return 1 }),
    internal('geoISP', (L) => { lua.pushString(L, db(L, 'lookupISP').lookupISP(address(L, 'lookupISP'))); return 1 }),
    internal('geoCity', (L) => { pushValue(lua, L, db(L, 'lookupCity').lookupCity(address(L, 'lookupCity'))); return 1 }),
    internal('geoString', (L) => { lua.pushString(L, db(L, 'lookupStringValue').lookupStringValue(address(L, 'lookupStringValue'), path(L, 'lookupStringValue'))); return 1 }),
    internal('geoUInt', (L) => { pushNumber(lua, L, db(L, 'lookupUIntValue').lookupUIntValue(address(L, 'lookupUIntValue'), path(L, 'lookupUIntValue'))); return 1 }),
    internal('geoBool', (L) => { raw.lua_pushboolean(L, db(L, 'lookupBoolValue').lookupBoolValue(address(L, 'lookupBoolValue'), path(L, 'lookupBoolValue')) ? 1 : 0); return 1 }),
    internal('geoDouble', (L) => { raw.lua_pushnumber(L, db(L, 'lookupDoubleValue').lookupDoubleValue(address(L, 'lookupDoubleValue'), path(L, 'lookupDoubleValue'))); return 1 }),
    ...legacy
  ]
}

geoipFunctions.prelude = {
  name: 'geoip',
  source: `
local H = __ta
local DB = {
  lookupCountry = H.geoCountry, lookupISP = H.geoISP, lookupCity = H.geoCity,
  lookupStringValue = H.geoString, lookupUIntValue = H.geoUInt, lookupBoolValue = H.geoBool, lookupDoubleValue = H.geoDouble
}
DB.__index = DB
DB.__name = "GeoIP2DB"
DB.__tostring = function (self) return "GeoIP2DB(" .. self[1] .. ")" end
debug.getregistry().GeoIP2DB = DB
`
}
