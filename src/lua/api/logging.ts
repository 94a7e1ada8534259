import { logger, LogLevel, type LogLevelValue } from '../../log/index.ts'
import { type HostFunction } from '../host.ts'
import { readValue } from '../values.ts'
import { type ApiContext, fn } from './context.ts'

/** infoLog/vinfoLog/warnLog/errorLog/debugLog(message, {key=value}): one line with key="value" pairs. */
export function loggingFunctions ({ lua, args }: ApiContext<unknown>): HostFunction[] {
  const make = (name: string, level: LogLevelValue, verboseOnly: boolean): HostFunction => fn(name, (L) => {
    // Checked first so a disabled level costs no argument conversion.
    if ((verboseOnly && !logger.verbose) || !logger.enabled(level)) return 0
    const message = args.string(L, 1, name)
    let fields: Record<string, unknown> | undefined
    if (!args.isNil(L, 2)) {
      args.table(L, 2, name)
      const value = readValue(lua, L, 2)
      const entries = Array.isArray(value) ? value.map((v, i): [string, unknown] => [String(i + 1), v]) : Object.entries(value as Record<string, unknown>)
      // Lua's table order is arbitrary: sort so the same call always logs the same line.
      fields = Object.fromEntries(entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
    }
    logger.log(level, message, fields)
    return 0
  })
  return [
    make('infoLog', LogLevel.info, false),
    make('vinfoLog', LogLevel.info, true),
    make('warnLog', LogLevel.warning, false),
    make('errorLog', LogLevel.err, false),
    make('debugLog', LogLevel.debug, true)
  ]
}
