/** A Lua error at load or run time: `message` starts with `file:line:` where Lua knows it. */
export class LuaScriptError extends Error {
  readonly traceback: string
  readonly timedOut: boolean
  /** True when the chunk did not compile (syntax error): nothing ran. */
  readonly syntax: boolean

  constructor (message: string, traceback: string, timedOut = false, syntax = false) {
    super(message)
    this.name = 'LuaScriptError'
    this.traceback = traceback
    this.timedOut = timedOut
    this.syntax = syntax
  }
}

export const TIMEOUT_MARK = 'script interrupted: it ran longer than'
