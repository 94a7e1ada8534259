/**
 * The console commands: their names, how a call is typed (for tab completion) and what each does
 * (for `help()`). The commands themselves are Lua functions in the daemon's config state.
 */
export interface ConsoleCommand {
  name: string
  /** What completion inserts: `stats()` for commands without arguments, `testCrypto(` when one is needed. */
  call: string
  /** How `help()` shows the call, when `call` is incomplete. */
  usage?: string
  /** One line for `help()`. */
  description: string
}

export const consoleCommands: readonly ConsoleCommand[] = [
  { name: 'help', call: 'help()', description: 'list the console commands' },
  { name: 'makeKey', call: 'makeKey()', description: 'a new random console key, as a setKey("...") line for the config' },
  { name: 'stats', call: 'stats()', description: 'reports received since start' },
  { name: 'showACL', call: 'showACL()', description: 'the REST API access control list, one netmask per line' },
  { name: 'showCustomWebHooks', call: 'showCustomWebHooks()', description: 'custom webhooks and their delivery counts' },
  { name: 'showWforceBlacklist', call: 'showWforceBlacklist()', description: 'the wforce blacklist: instances, entries added, skipped and failed' },
  { name: 'showPerfStats', call: 'showPerfStats()', description: 'wait and run time buckets of the last 5 minutes' },
  { name: 'showCommandStats', call: 'showCommandStats()', description: 'REST commands of the last 5 minutes' },
  { name: 'showCustomStats', call: 'showCustomStats()', description: 'custom counters of the last 5 minutes' },
  { name: 'showCustomEndpoints', call: 'showCustomEndpoints()', description: 'the custom REST endpoints (setCustomEndpoint)' },
  { name: 'reloadGeoIPDBs', call: 'reloadGeoIPDBs()', description: 'read the GeoIP2 databases again' },
  { name: 'showVersion', call: 'showVersion()', description: 'the daemon\'s version' },
  { name: 'testCrypto', call: 'testCrypto(', usage: 'testCrypto("text")', description: 'check the console key in both cipher variants' },
  { name: 'shutdown', call: 'shutdown()', description: 'stop the daemon' },
  { name: 'showBackgroundFuncs', call: 'showBackgroundFuncs()', description: 'background functions, their schedules and last results' },
  { name: 'reloadConfig', call: 'reloadConfig()', description: 'load the configuration again (fails, keeping the old one, if it is broken)' },
  { name: 'quit', call: 'quit', description: 'leave the console (also Ctrl-D)' }
]

/** The bare command names. */
export const consoleCommandNames: readonly string[] = consoleCommands.map((command) => command.name)

/** Completion candidates for `runRepl({ completions })`. */
export const consoleCompletions: readonly string[] = consoleCommands.map((command) => command.call)

/** The `help()` reply: one command per line, descriptions aligned. */
export function consoleHelpText (): string {
  const shown = (command: ConsoleCommand): string => command.usage ?? command.call
  const width = Math.max(...consoleCommands.map((command) => shown(command).length))
  const lines = consoleCommands.map((command) => `${shown(command).padEnd(width)}  ${command.description}`)
  return ['Console commands (a console line is Lua, run in the configuration state):', ...lines].join('\n')
}
