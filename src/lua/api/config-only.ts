import { type HostFunction } from '../host.ts'
import { type LuaState } from '../state.ts'
import { fn } from './context.ts'
import { type DaemonPort } from './services.ts'

/*
 * Every Lua state runs the whole configuration file, as upstream's do: a setting at the top level
 * of the file is made once per state. The rules below say which of those runs takes effect; every
 * API module uses them instead of testing the state itself.
 */

/** True in the config state, the state whose run of the configuration sets the daemon up. */
export function inConfigState (state: LuaState): boolean {
  return state.role === 'config'
}

/**
 * True when this call is the one that counts for the whole daemon. Outside a configuration load
 * every call is an event of its own (a console line, a report). While the configuration loads the
 * same line runs in every state of every process; only the config state of the process that
 * speaks for the daemon counts, so a warning is logged once and a top-level incCustomStat adds one.
 */
export function once (state: LuaState, daemon: Pick<DaemonPort, 'speaksForDaemon'>): boolean {
  return !state.loadingConfig || (inConfigState(state) && daemon.speaksForDaemon)
}

type Apply = (L: number, state: LuaState) => void

/**
 * A configuration function that acts in the config state only. With `apply` alone the arguments
 * are not even read elsewhere. With `check` too, the arguments are checked in every state (so a
 * bad one fails wherever the line runs, a report function included) and `apply` gets the checked
 * value in the config state. Either way the function returns nothing to Lua.
 */
export function configOnly (name: string, apply: Apply): HostFunction
export function configOnly<T> (name: string, check: (L: number, state: LuaState) => T, apply: (value: T, L: number, state: LuaState) => void): HostFunction
export function configOnly<T> (
  name: string,
  first: Apply | ((L: number, state: LuaState) => T),
  apply?: (value: T, L: number, state: LuaState) => void
): HostFunction {
  if (apply === undefined) {
    const effect = first as Apply
    return fn(name, (L, state) => {
      if (inConfigState(state)) effect(L, state)
      return 0
    })
  }
  const check = first as (L: number, state: LuaState) => T
  return fn(name, (L, state) => {
    const value = check(L, state)
    if (inConfigState(state)) apply(value, L, state)
    return 0
  })
}
