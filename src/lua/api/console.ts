import { CONFIG_RELOADED } from '../../cluster/figures.ts'
import { consoleHelpText, makeKey, parseControlSocketAddress, parseKey, testCrypto } from '../../console/index.ts'
import { logger } from '../../log/index.ts'
import { showCommandStatsText, showCustomStatsText, showPerfStatsText, statsText, type StatsSnapshot } from '../../stats/index.ts'
import { RELOAD_SUCCESS } from '../../geoip/index.ts'
import { VERSION } from '../../version.ts'
import { formatCustomWebHooks, sumWebhookStats } from '../../webhooks/index.ts'
import { type HostFunction, type ResultPusher } from '../host.ts'
import { configNotices } from './config-notice.ts'
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
export function consoleFunctions (ctx: ApiContext): HostFunction[] {
  const { lua, args, services } = ctx
  const { settings, stats } = services
  const notices = configNotices(ctx)
  const raw = lua.raw
  const show = (name: string, text: () => string): HostFunction => fn(name, () => { emit(services, text()); return 0 })
  // Statistics views show the whole daemon: a multi-process one gathers the other processes' figures first.
  const showTotals = (name: string, text: (snapshot: StatsSnapshot) => string): HostFunction => fn(name, () => {
    if (!stats.hasPeers) { emit(services, text(stats.snapshot())); return 0 }
    return stats.totalSnapshot().then((snapshot): ResultPusher => { emit(services, text(snapshot)); return () => 0 })
  })
  return [
    fn('controlSocket', (L, state) => {
      const address = parseControlSocketAddress(args.string(L, 1, 'controlSocket'))
      if (state.role !== 'config') return 0
      if (settings.started && settings.controlSocket !== null) {
        notices.warn(L, state, 'controlSocket() after startup has no effect until the configuration is reloaded')
        return 0
      }
      settings.controlSocket = address
      return 0
    }),
    fn('setKey', (L, state) => {
      const key = parseKey(args.string(L, 1, 'setKey'))
      if (key === null) {
        // Not fatal, as upstream: the REST API still serves; but a daemon must not run without a
        // usable console unannounced, so this is an error that says what it does to the console.
        const effect = settings.consoleKey === null ? 'the console is disabled until a valid key is set' : 'the console keeps its previous key'
        notices.error(L, state, `setKey(): the key must be the base64 encoding of 32 bytes (make one with trackalert --make-key); ${effect}`)
        if (state.role === 'config') settings.consoleKeyRejected = true
        raw.lua_pushboolean(L, 0)
        return 1
      }
      if (state.role === 'config') { settings.consoleKey = key; settings.consoleKeyRejected = false }
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
    show('help', () => consoleHelpText()),
    showTotals('stats', statsText),
    showTotals('showPerfStats', showPerfStatsText),
    showTotals('showCommandStats', showCommandStatsText),
    showTotals('showCustomStats', showCustomStatsText),
    show('showACL', () => settings.acl.map((m) => m.toString()).join('\n')),
    fn('showCustomWebHooks', () => {
      const peers = services.peers()
      if (peers === null) { emit(services, services.webhooks.showCustomWebHooks()); return 0 }
      return peers.collect().then((others): ResultPusher => {
        emit(services, formatCustomWebHooks(sumWebhookStats([services.webhooks.stats(), ...others.map((o) => o.webhooks)])))
        return () => 0
      })
    }),
    show('showCustomEndpoints', () => ['Custom Endpoint', ...[...settings.customEndpoints].sort()].join('\n')),
    show('showBackgroundFuncs', () => services.scheduler.showBackgroundFuncs()),
    show('showVersion', () => `trackalert ${VERSION}`),
    fn('testCrypto', (L) => {
      emit(services, testCrypto(args.optString(L, 1, 'testCrypto', 'testCrypto'), settings.consoleKey ?? undefined))
      return 0
    }),
    fn('reloadGeoIPDBs', () => services.geoip.reloadAllAsync().then(async (text): Promise<ResultPusher> => {
      // The other processes read the same files again; a failure there is logged where it happens.
      if (text === RELOAD_SUCCESS) await services.peers()?.reloadGeoIPElsewhere()
      emit(services, text)
      return () => 0
    })),
    // A failed reload is a Lua error, so `trackalert -e 'reloadConfig()'` exits non-zero; the
    // previous configuration keeps serving either way.
    fn('reloadConfig', () => services.reloadConfig().then((text): ResultPusher => {
      if (text !== CONFIG_RELOADED) throw new Error(text)
      emit(services, text)
      return () => 0
    }))
  ]
}
