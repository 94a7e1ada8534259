import { logger } from '../../log/index.ts'
import { LUA_REGISTRYINDEX, LUA_TFUNCTION } from '../constants.ts'
import { type HostFunction } from '../host.ts'
import { configNotices } from './config-notice.ts'
import { configOnly, inConfigState, once } from './config-only.ts'
import { type ApiContext, fn } from './context.ts'
import { type HostServices } from './services.ts'
import { TrackalertError } from '../../errors.ts'

/** setReport, setCustomEndpoint, setBackground: take effect in every state; addCustomStat/incCustomStat. */
export function hookFunctions (ctx: ApiContext<Pick<HostServices, 'settings' | 'stats' | 'output' | 'daemon'>>): HostFunction[] {
  const { lua, args, services } = ctx
  const raw = lua.raw
  const notices = configNotices(ctx)
  const ref = (L: number, i: number, name: string): number => {
    if (raw.lua_type(L, i) !== LUA_TFUNCTION) throw args.bad(L, i, name, 'function')
    raw.lua_pushvalue(L, i)
    return raw.luaL_ref(L, LUA_REGISTRYINDEX)
  }
  return [
    fn('setReport', (L, state) => {
      state.reportRef = ref(L, 1, 'setReport')
      if (inConfigState(state)) services.settings.reportDefined = true
      return 0
    }),
    fn('setCustomEndpoint', (L, state) => {
      const name = args.string(L, 1, 'setCustomEndpoint')
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `setCustomEndpoint: '${name}' is not a valid endpoint name (letters, digits, _ . -)`)
      state.customRefs.set(name, ref(L, 2, 'setCustomEndpoint'))
      if (inConfigState(state)) services.settings.customEndpoints.add(name)
      return 0
    }),
    fn('setBackground', (L, state) => {
      // Upstream's packaged example config calls setBackground(func) with no name: accept it, so that
      // file loads unchanged, but such a function can never be scheduled.
      if (raw.lua_gettop(L) === 1 && raw.lua_type(L, 1) === LUA_TFUNCTION) {
        notices.warn(L, state, 'setBackground(func) without a name: the function cannot be scheduled; use setBackground("name", func)')
        return 0
      }
      const name = args.string(L, 1, 'setBackground')
      state.backgroundRefs.set(name, ref(L, 2, 'setBackground'))
      if (inConfigState(state)) services.settings.backgroundFunctions.add(name)
      return 0
    }),
    configOnly('addCustomStat', (L) => args.string(L, 1, 'addCustomStat'), (name) => { services.stats.addCustomStat(name) }),
    fn('incCustomStat', (L, state) => {
      const name = args.string(L, 1, 'incCustomStat')
      // Every report state (and every worker process) runs the config again: only one top-level call counts.
      if (!once(state, services.daemon)) return 0
      services.stats.incCustomStat(name)
      return 0
    }),
    fn('shutdown', () => {
      logger.notice('shutdown requested from Lua')
      services.daemon.requestShutdown()
      return 0
    })
  ]
}
