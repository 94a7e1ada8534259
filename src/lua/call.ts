import { type LuaScriptError } from './lua-error.ts'

/** Arguments pushed onto a call's coroutine before it starts; an object rather than a closure to keep the hot path allocation-light. */
export interface LuaArgs {
  push (L: number): number
}

/**
 * The one call interface of the Lua layer: a call's arguments and its completion in one object, so
 * a report allocates no closures. `done` receives the results still on the coroutine's stack
 * (`nresults` values at its top); they are valid only until `done` returns.
 */
export interface LuaCall extends LuaArgs {
  done (err: LuaScriptError | Error | null, L: number, nresults: number): void
}

export const NO_ARGS: LuaArgs = { push: () => 0 }

/** Reads what the caller needs from a finished call's results. */
export type ResultReader<T> = (L: number, nresults: number) => T

class PromiseCall<T> implements LuaCall {
  readonly #args: LuaArgs
  readonly #read: ResultReader<T>
  readonly #resolve: (value: T) => void
  readonly #reject: (err: Error) => void

  constructor (args: LuaArgs, read: ResultReader<T>, resolve: (value: T) => void, reject: (err: Error) => void) {
    this.#args = args
    this.#read = read
    this.#resolve = resolve
    this.#reject = reject
  }

  push (L: number): number { return this.#args.push(L) }

  done (err: LuaScriptError | Error | null, L: number, nresults: number): void {
    if (err !== null) { this.#reject(err); return }
    try {
      this.#resolve(this.#read(L, nresults))
    } catch (readErr) {
      this.#reject(readErr as Error)
    }
  }
}

/**
 * The one promise helper, for callers off the hot path (start-up, console, background runs, tests):
 * `start` hands the call to a state or dispatcher; the promise resolves with `read` of the results
 * or rejects with the call's error.
 */
export function promiseCall<T> (start: (call: LuaCall) => void, read: ResultReader<T>, args: LuaArgs | null = null): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start(new PromiseCall(args ?? NO_ARGS, read, resolve, reject))
  })
}

/** A ResultReader for calls whose results nobody needs. */
export const ignoreResults: ResultReader<void> = () => {}
