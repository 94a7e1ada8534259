/**
 * Console commands offered for tab completion. The commands themselves are Lua functions in the
 * daemon's config state; this is only their names and how a call is typed.
 */
export interface ConsoleCommand {
  name: string
  /** What completion inserts: `stats()` for commands without arguments, `testCrypto(` when one is needed. */
  call: string
}

export const consoleCommands: readonly ConsoleCommand[] = [
  { name: 'makeKey', call: 'makeKey()' },
  { name: 'stats', call: 'stats()' },
  { name: 'showACL', call: 'showACL()' },
  { name: 'showCustomWebHooks', call: 'showCustomWebHooks()' },
  { name: 'showPerfStats', call: 'showPerfStats()' },
  { name: 'showCommandStats', call: 'showCommandStats()' },
  { name: 'showCustomStats', call: 'showCustomStats()' },
  { name: 'showCustomEndpoints', call: 'showCustomEndpoints()' },
  { name: 'reloadGeoIPDBs', call: 'reloadGeoIPDBs()' },
  { name: 'showVersion', call: 'showVersion()' },
  { name: 'testCrypto', call: 'testCrypto(' },
  { name: 'shutdown', call: 'shutdown()' },
  { name: 'showBackgroundFuncs', call: 'showBackgroundFuncs()' },
  { name: 'reloadConfig', call: 'reloadConfig()' },
  { name: 'quit', call: 'quit' }
]

/** The bare command names. */
export const consoleCommandNames: readonly string[] = consoleCommands.map((command) => command.name)

/** Completion candidates for `runRepl({ completions })`. */
export const consoleCompletions: readonly string[] = consoleCommands.map((command) => command.call)
