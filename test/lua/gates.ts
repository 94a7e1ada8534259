import { type ApiModule } from '../../src/lua/api/index.ts'
import { fn } from '../../src/lua/api/context.ts'
import { type ResultPusher } from '../../src/lua/host.ts'
import { pushValue, readValue, type LuaPlain } from '../../src/lua/values.ts'
import { type LuaModule } from '../../src/lua/wasm.ts'
import { CustomArgs } from '../../src/report/lua-args.ts'

interface Waiter {
  resolve (push: ResultPusher): void
  reject (err: Error): void
}

/**
 * Host functions that let a test decide when a call's host I/O completes: `gate(name)` suspends
 * the calling coroutine until the test opens (or fails) that gate; `tick(ms)` moves the clock
 * the states' time limit reads, as if the call had run that long.
 */
export class Gates {
  readonly #waiting = new Map<string, Waiter>()
  #lua: LuaModule | null = null
  /** The injected time-limit clock, in ms. */
  clockMs = 0
  readonly now = (): number => this.clockMs
  /** Gate names in the order their calls reached them. */
  readonly reached: string[] = []

  readonly module: ApiModule = (ctx) => {
    this.#lua = ctx.lua
    return [
      fn('gate', (L) => {
        const name = ctx.args.string(L, 1, 'gate')
        this.reached.push(name)
        return new Promise<ResultPusher>((resolve, reject) => { this.#waiting.set(name, { resolve, reject }) })
      }),
      fn('tick', (L) => { this.clockMs += ctx.args.number(L, 1, 'tick'); return 0 })
    ]
  }

  /** Names of the gates calls are suspended on now. */
  get waiting (): string[] { return [...this.#waiting.keys()].sort() }

  open (name: string, value: unknown): void {
    const lua = this.#lua as LuaModule
    this.#take(name).resolve((L) => { pushValue(lua, L, value); return 1 })
  }

  fail (name: string, message: string): void { this.#take(name).reject(new Error(message)) }

  #take (name: string): Waiter {
    const w = this.#waiting.get(name)
    if (w === undefined) throw new Error(`no call waits on gate ${name} (waiting: ${this.waiting.join(', ')})`)
    this.#waiting.delete(name)
    return w
  }
}

/** Arguments of a custom-endpoint call: `args.attrs` = `attrs`. */
export function attrsArgs (lua: LuaModule, attrs: Record<string, string>): CustomArgs {
  const args = new CustomArgs(lua)
  args.attrs = attrs
  return args
}

/** Reads a finished call's results as plain values. */
export function plain (lua: LuaModule): (L: number, n: number) => LuaPlain[] {
  return (L, n) => {
    const top = lua.raw.lua_gettop(L)
    const out: LuaPlain[] = []
    for (let i = top - n + 1; i <= top; i++) out.push(readValue(lua, L, i))
    return out
  }
}

/** One event-loop turn: the dispatcher drains its queue in a setImmediate. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** The custom endpoints the tests call: each waits on its gate once; CPU time is simulated with tick(). */
export const GATED_CONFIG = `
setCustomEndpoint("wait", function(args)
  local name = args.attrs.name
  local before = name .. ":before"
  local v = gate(name)
  if args.attrs.fail == "after" then error("failed after resuming: " .. name) end
  return true, name, v, before
end)
setCustomEndpoint("burn", function(args)
  tick(tonumber(args.attrs.first))
  gate(args.attrs.name)
  tick(tonumber(args.attrs.second))
  -- Enough instructions for the count hook (every 10000) to look at the clock after the ticks.
  local n = 0
  for i = 1, 100000 do n = n + 1 end
  return true, n
end)
setCustomEndpoint("fake", function(args)
  error("script interrupted: it ran longer than 5 ms (setLuaTimeLimit)")
end)
`
