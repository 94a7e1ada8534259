import { OverloadedError } from '../lua/overloaded-error.ts'
import { type LuaCall, type LuaDispatcher } from '../lua/dispatcher.ts'
import { type LuaScriptError } from '../lua/lua-error.ts'
import { readValue } from '../lua/values.ts'
import { type LuaModule } from '../lua/wasm.ts'
import { CustomArgs } from './lua-args.ts'
import { splitAttrs } from './login-tuple.ts'

/** What a custom endpoint function returned, as plain data: `success` and its `r_attrs` table. */
export interface CustomResult {
  readonly success: boolean
  readonly rAttrs: Record<string, unknown>
}

/** Receives exactly one of the four ends of a custom endpoint call. */
export interface CustomOutcome {
  /** The body is not `{"attrs":{…}}`; the reason is for the client (400). */
  customRejected (reason: string): void
  /** The Lua function raised an error (500). */
  customFailed (message: string): void
  /** It waited in the queue past setMaxQueueWaitMs and was not run (503 with Retry-After). */
  customShed (retryAfterSecs: number): void
  customDone (result: CustomResult): void
}

/**
 * Runs the functions registered with setCustomEndpoint: validates the decoded body, pushes
 * CustomFuncArgs, and reads the function's (success, r_attrs) off the Lua stack into plain data,
 * so the transport never touches Lua.
 */
export class CustomEndpointRunner {
  readonly #lua: LuaModule
  readonly #dispatcher: LuaDispatcher

  constructor (lua: LuaModule, dispatcher: LuaDispatcher) {
    this.#lua = lua
    this.#dispatcher = dispatcher
  }

  submit (name: string, body: unknown, outcome: CustomOutcome): void {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      outcome.customRejected('Request body must be a JSON object with an "attrs" object')
      return
    }
    const split = splitAttrs((body as Record<string, unknown>).attrs, 'attrs')
    if (typeof split === 'string') { outcome.customRejected(split); return }
    const args = new CustomArgs(this.#lua)
    args.attrs = split.attrs
    args.attrsMv = split.attrsMv
    this.#dispatcher.runCall('custom', name, new CustomCall(this.#lua, args, outcome))
  }
}

/** One custom endpoint call on its way through the dispatcher: arguments and completion in one object. */
class CustomCall implements LuaCall {
  readonly #lua: LuaModule
  readonly #args: CustomArgs
  readonly #outcome: CustomOutcome

  constructor (lua: LuaModule, args: CustomArgs, outcome: CustomOutcome) {
    this.#lua = lua
    this.#args = args
    this.#outcome = outcome
  }

  push (L: number): number { return this.#args.push(L) }

  done (luaErr: LuaScriptError | Error | null, L: number, n: number): void {
    if (luaErr instanceof OverloadedError) { this.#outcome.customShed(luaErr.retryAfterSecs); return }
    if (luaErr !== null) { this.#outcome.customFailed(luaErr.message); return }
    const success = n >= 1 && this.#lua.raw.lua_toboolean(L, 1) !== 0
    const rAttrs = n >= 2 ? readValue(this.#lua, L, 2) : {}
    const plain = rAttrs !== null && typeof rAttrs === 'object' && !Array.isArray(rAttrs) ? stringValues(rAttrs) : {}
    this.#outcome.customDone({ success, rAttrs: plain })
  }
}

/** r_attrs are key/value strings upstream: numbers and booleans are sent as their Lua text. */
function stringValues (attrs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key in attrs) {
    const v = attrs[key]
    out[key] = typeof v === 'number' ? luaNumberText(v) : typeof v === 'boolean' ? String(v) : v
  }
  return out
}

function luaNumberText (n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return String(n)
  return String(Number(n.toPrecision(14)))
}
