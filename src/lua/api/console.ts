import { logger } from '../../log/index.ts'
import { makeKey, parseControlSocketAddress, parseKey, testCrypto } from '../../console/index.ts'
import { VERSION } from '../../version.ts'
import { type HostFunction, type ResultPusher } from '../host.ts'
import { type ApiContext, fn } from './context.ts'
import { type HostServices } from './services.ts'

/** Console text goes to the reply while a console line runs, to the log otherwise. */
function emit (services: HostServices, text: string): void {
  if (services.output.capturing) services.output.write(text.endsWith('\n') || text === '' ? text : text + '\n')
  else logger.info(text)
}

/**
 * controlSocket/setKey (config) and the console commands. Console lines run once, in the config
 * state; these functions print into the reply as upstream's do.
 */
export function consoleFunctions ({ lua, args, services }: ApiContext): HostFunction[] {
  const { settings, stats } = services
  const raw = lua.raw
  const show = (name: string, text: () => string): HostFunction => fn(name, () => { emit(services, text()); return 0 })
  return [
    fn('controlSocket', (L, state) => {
      const address = parseControlSocketAddress(args.string(L, 1, 'controlSocket'))
      if (state.role !== 'config') return 0
      if (settings.started && settings.controlSocket !== null) {
        logger.warn('controlSocket() after startup has no effect until the configuration is reloaded')
        return 0
      }
      settings.controlSocket = address
      return 0
    }),
    fn('setKey', (L, state) => {
      const key = parseKey(args.string(L, 1, 'setKey'))
      if (key === null) {
        logger.error('setKey(): the key must be the base64 encoding of 32 bytes (use makeKey())')
        raw.lua_pushboolean(L, 0)
        return 1
      }
      if (state.role === 'config') settings.consoleKey = key
      raw.lua_pushboolean(L, 1)
      return 1
    }),
    fn('print', (L) => {
      const n = raw.lua_gettop(L)
      const parts: string[] = []
      for (let i = 1; i <= n; i++) {
        raw.luaL_tolstring(L, i, 0)
        parts.push(lua.toString(L, -1) ?? '')
        raw.lua_settop(L, -2)
      }
      const line = parts.join('\t')
      if (services.output.capturing) services.output.write(line + '\n')
      else process.stdout.write(line + '\n')
      return 0
    }),
    show('makeKey', () => makeKey()),
    show('stats', () => stats.statsText()),
    show('showPerfStats', () => stats.perfStatsText()),
    show('showCommandStats', () => stats.commandStatsText()),
    show('showCustomStats', () => stats.customStatsText()),
    show('showACL', () => settings.acl.map((m) => m.toString()).join('\n')),
    show('showCustomWebHooks', () => services.webhooks.showCustomWebHooks()),
    show('showCustomEndpoints', () => ['Custom Endpoint', ...[...settings.customEndpoints].sort()].join('\n')),
    show('showBackgroundFuncs', () => services.scheduler.showBackgroundFuncs()),
    show('showVersion', () => `trackalert ${VERSION}`),
    fn('testCrypto', (L) => {
      emit(services, testCrypto(args.optString(L, 1, 'testCrypto', 'testCrypto'), settings.consoleKey ?? undefined))
      return 0
    }),
    fn('reloadGeoIPDBs', () => services.geoip.reloadAllAsync().then((text): ResultPusher => {
      emit(services, text)
      return () => 0
    })),
    fn('reloadConfig', () => services.reloadConfig().then((text): ResultPusher => {
      emit(services, text)
      return () => 0
    }))
  ]
}
