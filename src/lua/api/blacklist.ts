import { type HostFunction, type ResultPusher } from '../host.ts'
import { readValue } from '../values.ts'
import { configOnly } from './config-only.ts'
import { type ApiContext, fn } from './context.ts'
import { type BlacklistAnswer, type ConsoleOutput, type HostServices } from './services.ts'
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
export function blacklistFunctions (ctx: ApiContext<Pick<HostServices, 'blacklist' | 'output' | 'daemon'>>): HostFunction[] {
  const { lua, args, services } = ctx
  const { blacklist, daemon } = services
  const push = (L: number, answer: BlacklistAnswer): number => {
    lua.raw.lua_pushboolean(L, answer.ok ? 1 : 0)
    lua.pushString(L, answer.reason)
    return 2
  }
  const table = (L: number, name: string): unknown => {
    args.table(L, 1, name)
    return readValue(lua, L, 1)
  }
  return [
    configOnly('setWforceBlacklist', (L) => table(L, 'setWforceBlacklist'), (options) => blacklist.configure(options)),
    fn('wforceBlacklist', (L) => {
      const input = table(L, 'wforceBlacklist')
      blacklist.validate(input)
      // One process decides for the whole daemon (one memory, one cap, one queue); a worker waits
      // for it without holding its Lua state.
      const answer = daemon.blacklist(input)
      if (!(answer instanceof Promise)) return push(L, answer)
      return answer.then((a): ResultPusher => (L2) => push(L2, a))
    }),
    fn('showWforceBlacklist', () => { emit(services.output, blacklist.showText()); return 0 })
  ]
}
