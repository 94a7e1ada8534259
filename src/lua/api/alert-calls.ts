import { parseAlertInput, type AlertFilter, type AlertInput, type RoutedAlert } from '../../alerts/index.ts'
import { logger } from '../../log/index.ts'
import { promiseCall, type LuaArgs } from '../call.ts'
import { type LuaDispatcher } from '../dispatcher.ts'
import { pushValue, readValue } from '../values.ts'
import { type LuaModule } from '../wasm.ts'
import { ALERT_FILTER_FN, alertAddressFn } from './alerts.ts'

/** (alert, attrs) as two Lua tables; the alert without its attrs, as listeners see it. */
class AlertArgs implements LuaArgs {
  readonly #lua: LuaModule
  readonly #alert: object
  readonly #attrs: object

  constructor (lua: LuaModule, alert: object, attrs: object) {
    this.#lua = lua
    this.#alert = alert
    this.#attrs = attrs
  }

  push (L: number): number {
    pushValue(this.#lua, L, this.#alert)
    pushValue(this.#lua, L, this.#attrs)
    return 2
  }
}

/**
 * setAlertFilter's function run by the hub on one of this configuration's states: it returns the
 * alert (changed or not) or nil/false to drop it. A filter that fails lets the alert through
 * unchanged and logs why: a broken hook must not silence detections.
 */
export function luaAlertFilter (lua: LuaModule, dispatcher: LuaDispatcher): AlertFilter {
  return async (input: AlertInput) => {
    const { attrs = {}, ...alert } = input
    try {
      return await promiseCall((call) => { dispatcher.runCall('alert', ALERT_FILTER_FN, call) }, (L, n) => {
        if (n === 0) return null
        const result = readValue(lua, L, -n)
        if (result === null || result === false) return null
        const fields = typeof result === 'object' && !Array.isArray(result) ? { ...result } : result
        if (typeof fields === 'object' && fields !== null && !Array.isArray(fields)) delete fields.attrs
        return { ...parseAlertInput(fields, input.t), attrs }
      }, new AlertArgs(lua, alert, attrs))
    } catch (err) {
      logger.error('setAlertFilter function failed; the alert goes on unchanged', { type: input.type, error: err as Error })
      return input
    }
  }
}

/** Route `index`'s user_mail.address function: the address it returns, or null. */
export function luaAlertAddress (lua: LuaModule, dispatcher: LuaDispatcher, index: number, routed: RoutedAlert): Promise<string | null> {
  return promiseCall((call) => { dispatcher.runCall('alert', alertAddressFn(index), call) }, (L, n) => {
    if (n === 0) return null
    const v = readValue(lua, L, -n)
    return typeof v === 'string' && v !== '' ? v : null
  }, new AlertArgs(lua, routed.alert, routed.attrs))
}
