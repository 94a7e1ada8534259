import { type HostFunction } from '../host.ts'
import { addressFunctions } from './addresses.ts'
import { configFunctions } from './config.ts'
import { type ApiContext } from './context.ts'
import { hookFunctions } from './hooks.ts'
import { ioFunctions } from './io.ts'
import { loggingFunctions } from './logging.ts'

export { type HostServices, type CustomStatsPort } from './services.ts'
export { type ApiContext, fn, internal, INTERNAL_PREFIX } from './context.ts'

/** Every host function module, in one list. Feature modules add their own factory here. */
export type ApiModule = (ctx: ApiContext) => HostFunction[]

export const coreApiModules: readonly ApiModule[] = [
  ioFunctions, addressFunctions, loggingFunctions, configFunctions, hookFunctions
]
