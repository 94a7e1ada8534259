import { CONFIG_RELOADED } from '../../config/settings.ts'
import { consoleHelpText, makeKey, parseControlSocketAddress, parseKey, testCrypto } from '../../console/index.ts'
import { logger } from '../../log/index.ts'
import { showCommandStatsText, showCustomStatsText, showPerfStatsText, statsText, type StatsSnapshot } from '../../stats/index.ts'
import { VERSION } from '../../version.ts'
import { formatCustomWebHooks, type WebhookHookStats } from '../../webhooks/index.ts'
import { type HostFunction, type ResultPusher } from '../host.ts'
import { configNotices } from './config-notice.ts'
import { configOnly, inConfigState } from './config-only.ts'
import { type ApiContext, fn } from './context.ts'
import { type ConsoleOutput, type HostServices } from './services.ts'
import { TrackalertError } from '../../errors.ts'

type ConsolePorts = Pick<HostServices, 'settings' | 'scheduler' | 'output' | 'daemon'>

/** Console text goes to the reply while a console line runs, to the log otherwise. */
function emit (services: { readonly output: ConsoleOutput }, text: string): void {
  if (services.output.capturing) services.output.write(text.endsWith('\n') || text === '' ? text : text + '\n')
  else logger.info(text)
}

/**
 * controlSocket/setKey (config) and the console commands. Console lines run once, in the config
 * state; these functions print into the reply as upstream's do.
 */
export function consoleFunctions (ctx: ApiContext<ConsolePorts>): HostFunction[] {
  const { lua, args, services } = ctx
  const { settings, daemon } = services
  const notices = configNotices(ctx)
  const raw = lua.raw
  const show = (name: string, text: () => string): HostFunction => fn(name, () => { emit(services, text()); return 0 })
  /**
   * Prints what `format` makes of the daemon's figures: at once when they are at hand, after the
   * other processes answered otherwise (the call then waits without holding its Lua state).
   */
  const showDaemon = <T>(name: string, figures: () => T | Promise<T>, format: (value: T) => string): HostFunction => fn(name, () => {
    const value = figures()
    if (!(value instanceof Promise)) { emit(services, format(value)); return 0 }
    return value.then((v): ResultPusher => { emit(services, format(v)); return () => 0 })
  })
  const showTotals = (name: string, text: (snapshot: StatsSnapshot) => string): HostFunction =>
    showDaemon(name, () => daemon.totalSnapshot(), text)
  return [
    configOnly('controlSocket', (L) => parseControlSocketAddress(args.string(L, 1, 'controlSocket')), (address, L, state) => {
      if (settings.started && settings.controlSocket !== null) {
        notices.warn(L, state, 'controlSocket() after startup has no effect until the configuration is reloaded')
        return
      }
      settings.controlSocket = address
    }),
    fn('setKey', (L, state) => {
      const key = parseKey(args.string(L, 1, 'setKey'))
      if (key === null) {
        // Not fatal, as upstream: the REST API still serves; but a daemon must not run without a
        // usable console unannounced, so this is an error that says what it does to the console.
        const effect = settings.consoleKey === null ? 'the console is disabled until a valid key is set' : 'the console keeps its previous key'
        notices.error(L, state, `setKey(): the key must be the base64 encoding of 32 bytes (make one with trackalert --make-key); ${effect}`)
        if (inConfigState(state)) settings.consoleKeyRejected = true
        raw.lua_pushboolean(L, 0)
        return 1
      }
      if (inConfigState(state)) { settings.consoleKey = key; settings.consoleKeyRejected = false }
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
    showDaemon('showCustomWebHooks', () => daemon.totalWebhookStats(), (stats: WebhookHookStats[]) => formatCustomWebHooks(stats)),
    show('showCustomEndpoints', () => ['Custom Endpoint', ...[...settings.customEndpoints].sort()].join('\n')),
    show('showBackgroundFuncs', () => services.scheduler.showBackgroundFuncs()),
    show('showVersion', () => `trackalert ${VERSION}`),
    fn('testCrypto', (L) => {
      emit(services, testCrypto(args.optString(L, 1, 'testCrypto', 'testCrypto'), settings.consoleKey ?? undefined))
      return 0
    }),
    // Every process reads the same files again; a failure in another one is logged where it happens.
    fn('reloadGeoIPDBs', () => daemon.reloadGeoIPAll().then((text): ResultPusher => {
      emit(services, text)
      return () => 0
    })),
    // A failed reload is a Lua error, so `trackalert -e 'reloadConfig()'` exits non-zero; the
    // previous configuration keeps serving either way.
    fn('reloadConfig', () => daemon.reloadAll().then((text): ResultPusher => {
      if (text !== CONFIG_RELOADED) throw new TrackalertError('TA_ERR_CONFIG_LOAD', text)
      emit(services, text)
      return () => 0
    }))
  ]
}
