import { type Args } from '../args.ts'
import { type HostFunction, type HostImpl } from '../host.ts'
import { type LuaModule } from '../wasm.ts'
import { type HostServices } from './services.ts'

/**
 * What every host API module gets: the Lua module, argument readers and the daemon's services.
 * A module names the ports it uses, e.g. `ApiContext<Pick<HostServices, 'geoip'>>`.
 */
export interface ApiContext<S = HostServices> {
  readonly lua: LuaModule
  readonly args: Args
  readonly services: S
}

/** Internal functions live in the hidden `__ta` table that the prelude consumes. */
export const INTERNAL_PREFIX = '__ta.'

export function fn (name: string, impl: HostImpl): HostFunction {
  return { name, impl }
}

export function internal (name: string, impl: HostImpl): HostFunction {
  return { name: INTERNAL_PREFIX + name, impl }
}
