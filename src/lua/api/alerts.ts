import { AlertSettings, applyAlertOptions, parseAlertInput, parseAlertRoute, type AlertInput } from '../../alerts/index.ts'
import { TrackalertError } from '../../errors.ts'
import { LUA_REGISTRYINDEX, LUA_TFUNCTION, LUA_TNIL, LUA_TTABLE } from '../constants.ts'
import { type HostFunction } from '../host.ts'
import { type LuaState } from '../state.ts'
import { readValue } from '../values.ts'
import { configOnly, inConfigState, once } from './config-only.ts'
import { type ApiContext, fn } from './context.ts'
import { type HostServices } from './services.ts'

/** The Lua names the alert hub calls: the filter, and route N's user address function. */
export const ALERT_FILTER_FN = 'alert_filter'
export const alertAddressFn = (index: number): string => `alert_route_${index}_address`

/** raiseAlert (everywhere); setAlertOptions, setAlertRoute, setAlertFilter (configuration). */
export function alertFunctions (ctx: ApiContext<Pick<HostServices, 'alerts' | 'daemon'>>): HostFunction[] {
  const { lua, args, services } = ctx
  const raw = lua.raw
  const ref = (L: number, i: number): number => {
    raw.lua_pushvalue(L, i)
    return raw.luaL_ref(L, LUA_REGISTRYINDEX)
  }
  /** user_mail.address of the route table at 1: true (and referenced in `state`) when it is a function. */
  const addressFunction = (L: number, state: LuaState, index: number): boolean => {
    raw.lua_getfield(L, 1, lua.cstr('user_mail'))
    try {
      if (raw.lua_type(L, -1) !== LUA_TTABLE) return false
      raw.lua_getfield(L, -1, lua.cstr('address'))
      const t = raw.lua_type(L, -1)
      if (t === LUA_TNIL) { raw.lua_settop(L, -2); return false }
      if (t !== LUA_TFUNCTION) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', "setAlertRoute: user_mail: 'address' must be a function(alert, attrs); for a report attribute use 'address_attr'")
      state.alertRefs.set(alertAddressFn(index), raw.luaL_ref(L, LUA_REGISTRYINDEX))
      return true
    } finally {
      raw.lua_settop(L, -2)
    }
  }
  return [
    fn('raiseAlert', (L, state) => {
      args.table(L, 1, 'raiseAlert')
      const input: AlertInput = parseAlertInput(readValue(lua, L, 1), Date.now() / 1000)
      // A top-level call runs in every state of every process while the configuration loads: one counts.
      if (once(state, services.daemon)) services.daemon.submitAlert(input)
      return 0
    }),
    configOnly('setAlertOptions', (L) => {
      args.table(L, 1, 'setAlertOptions')
      // Checked in every state, so a bad option fails wherever the line runs.
      applyAlertOptions(new AlertSettings(), readValue(lua, L, 1))
      return readValue(lua, L, 1)
    }, (value) => { applyAlertOptions(services.alerts, value) }),
    fn('setAlertRoute', (L, state) => {
      args.table(L, 1, 'setAlertRoute')
      const index = ++state.alertRoutesDefined
      const route = parseAlertRoute(readValue(lua, L, 1), index, addressFunction(L, state, index))
      if (inConfigState(state)) services.alerts.routes.push(route)
      return 0
    }),
    fn('setAlertFilter', (L, state) => {
      if (raw.lua_type(L, 1) !== LUA_TFUNCTION) throw args.bad(L, 1, 'setAlertFilter', 'function')
      state.alertRefs.set(ALERT_FILTER_FN, ref(L, 1))
      if (inConfigState(state)) services.alerts.filter = true
      return 0
    })
  ]
}
