import { type HostFunction } from '../host.ts'
import { readValue } from '../values.ts'
import { configOnly } from './config-only.ts'
import { type ApiContext, fn } from './context.ts'
import { type ConsoleOutput, type HostServices } from './services.ts'
import { logger } from '../../log/index.ts'

/** Console text goes to the reply while a console line runs, to the log otherwise. */
function emit (output: ConsoleOutput, text: string): void {
  if (output.capturing) output.write(text.endsWith('\n') ? text : text + '\n')
  else logger.info(text)
}

/**
 * setWforceBlacklist{} (config only: the options are checked in every state, kept in the config
 * state), wforceBlacklist{} (anywhere: returns ok, reason) and the console's showWforceBlacklist().
 */
export function blacklistFunctions (ctx: ApiContext<Pick<HostServices, 'blacklist' | 'output'>>): HostFunction[] {
  const { lua, args, services } = ctx
  const { blacklist } = services
  const table = (L: number, name: string): unknown => {
    args.table(L, 1, name)
    return readValue(lua, L, 1)
  }
  return [
    configOnly('setWforceBlacklist', (L) => table(L, 'setWforceBlacklist'), (options) => blacklist.configure(options)),
    fn('wforceBlacklist', (L) => {
      const outcome = blacklist.request(table(L, 'wforceBlacklist'))
      lua.raw.lua_pushboolean(L, outcome.ok ? 1 : 0)
      lua.pushString(L, outcome.reason)
      return 2
    }),
    fn('showWforceBlacklist', () => { emit(services.output, blacklist.showText()); return 0 })
  ]
}
