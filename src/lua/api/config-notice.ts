import { logger, LogLevel, type LogFields, type LogLevelValue } from '../../log/index.ts'
import { type LuaState } from '../state.ts'
import { once } from './config-only.ts'
import { type ApiContext } from './context.ts'
import { type HostServices } from './services.ts'

/** Reports a config function's warning or error once, with the file:line of the Lua call (see configNotices). */
export type ConfigNotice = (L: number, state: LuaState, message: string, fields?: LogFields) => void

/**
 * Warnings and errors that config functions raise. Every Lua state of every process runs the whole
 * configuration, so a message logged from each would repeat once per state and process (21 times
 * with the defaults on two cores): while the config loads, it is reported only once for the daemon
 * (see `once`). The message starts with the `file:line:` of the Lua call, so the operator sees
 * which line to fix. Outside a config load (console, report, background) it is logged where it
 * happens, and a console line also gets it in its reply.
 */
export function configNotices ({ lua, services }: ApiContext<Pick<HostServices, 'output' | 'daemon'>>): { warn: ConfigNotice, error: ConfigNotice } {
  /** The `file:line: ` of the Lua code that called the running host function ('' when it has none). */
  const callSite = (L: number): string => {
    // Level 0 is the host function itself, level 1 its Lua caller.
    lua.raw.luaL_where(L, 1)
    const where = lua.toString(L, -1) ?? ''
    lua.raw.lua_settop(L, -2)
    return where
  }
  const notice = (level: LogLevelValue): ConfigNotice => (L, state, message, fields) => {
    if (!once(state, services.daemon)) return
    const text = `${callSite(L)}${message}`
    logger.log(level, text, fields)
    if (services.output.capturing) services.output.write(`${text}\n`)
  }
  return { warn: notice(LogLevel.warning), error: notice(LogLevel.err) }
}
