import { TrackalertError } from '../errors.ts'

/**
 * A Lua error at load or run time: `message` starts with `file:line:` where Lua knows it. Its code
 * says whether the time limit (setLuaTimeLimit) stopped the call (TA_ERR_LUA_TIMEOUT) or the script
 * raised an error (TA_ERR_LUA_RUNTIME).
 */
export class LuaScriptError extends TrackalertError {
  readonly traceback: string
  readonly timedOut: boolean
  /** True when the chunk did not compile (syntax error): nothing ran. */
  readonly syntax: boolean

  constructor (message: string, traceback: string, timedOut = false, syntax = false) {
    super(timedOut ? 'TA_ERR_LUA_TIMEOUT' : 'TA_ERR_LUA_RUNTIME', message)
    this.name = 'LuaScriptError'
    this.traceback = traceback
    this.timedOut = timedOut
    this.syntax = syntax
  }
}

export const TIMEOUT_MARK = 'script interrupted: it ran longer than'
