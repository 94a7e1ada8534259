import { type ConsoleOutput } from './lua/api/index.ts'
import { LUA_TBOOLEAN, LUA_TNIL, LUA_TNUMBER, LUA_TSTRING, typeNames } from './lua/constants.ts'
import { promiseCall } from './lua/call.ts'
import { LuaScriptError } from './lua/lua-error.ts'
import { type LuaState } from './lua/state.ts'

/** Collects what console commands print during one console line. */
export class ConsoleBuffer implements ConsoleOutput {
  #parts: string[] | null = null

  get capturing (): boolean { return this.#parts !== null }
  write (text: string): void { this.#parts?.push(text) }
  begin (): void { this.#parts = [] }
  end (): string {
    const text = (this.#parts ?? []).join('')
    this.#parts = null
    return text
  }
}

/**
 * Runs console lines once each, in the config state, one at a time (lines may wait for I/O, and
 * two consoles must not interleave their output). An expression's values are printed; a
 * statement's reply is whatever the commands printed.
 */
export class ConsoleExecutor {
  readonly #buffer: ConsoleBuffer
  readonly #state: () => LuaState
  #queue: Promise<unknown> = Promise.resolve()

  constructor (buffer: ConsoleBuffer, state: () => LuaState) {
    this.#buffer = buffer
    this.#state = state
  }

  execute (line: string): Promise<string> {
    const result = this.#queue.then(() => this.#run(line))
    this.#queue = result.catch(() => {})
    return result
  }

  async #run (line: string): Promise<string> {
    const state = this.#state()
    this.#buffer.begin()
    let values: string[] = []
    let error: LuaScriptError | null = await this.#chunk(state, `return ${line}`, (v) => { values = v })
    if (error?.syntax === true) error = await this.#chunk(state, line, (v) => { values = v })
    const printed = this.#buffer.end()
    if (error !== null) return `${printed}Error: ${error.message}\n`
    return printed + (values.length > 0 ? values.join('\t') + '\n' : '')
  }

  async #chunk (state: LuaState, source: string, onValues: (v: string[]) => void): Promise<LuaScriptError | null> {
    try {
      onValues(await promiseCall((call) => { state.runChunk(source, '=console', call) }, (L, n) => printable(state, L, n)))
      return null
    } catch (err) {
      if (err instanceof LuaScriptError) return err
      throw err
    }
  }
}

function printable (state: LuaState, L: number, n: number): string[] {
  const lua = state.bridge.lua
  const out: string[] = []
  for (let i = 1; i <= n; i++) {
    const t = lua.raw.lua_type(L, i)
    if (t === LUA_TSTRING || t === LUA_TNUMBER) out.push(lua.toString(L, i) ?? '')
    else if (t === LUA_TBOOLEAN) out.push(lua.raw.lua_toboolean(L, i) !== 0 ? 'true' : 'false')
    else if (t === LUA_TNIL) out.push('nil')
    else out.push(`(a ${typeNames[t] ?? 'value'} cannot be printed: return a string, or use a show...() command)`)
  }
  return out
}
