import { type HostFunction } from '../host.ts'
import { addressFunctions } from './addresses.ts'
import { configFunctions } from './config.ts'
import { type ApiContext } from './context.ts'
import { hookFunctions } from './hooks.ts'
import { ioFunctions } from './io.ts'
import { loggingFunctions } from './logging.ts'
import { webhookFunctions } from './webhooks.ts'
import { backgroundFunctions } from './background.ts'
import { geoipFunctions } from './geoip.ts'
import { deviceFunctions } from './device.ts'
import { consoleFunctions } from './console.ts'
import { historyFunctions } from './history.ts'
import { alertFunctions } from './alerts.ts'
import { blacklistFunctions } from './blacklist.ts'
import { policyFunctions } from './policies.ts'

export {
  type HostServices, type BlacklistAnswer, type BlacklistPort, type ConsoleOutput, type DaemonPort, type DeviceCachePort,
  type GeoIPPort, type HistoryAccess, type HistoryPort, type SchedulesPort, type StatsPort, type WebhooksPort
} from './services.ts'
export { type ApiContext, fn, internal, INTERNAL_PREFIX } from './context.ts'
export { configOnly, inConfigState, once } from './config-only.ts'
export { ALERT_FILTER_FN, alertAddressFn } from './alerts.ts'

/**
 * A host API module: returns its host functions. A module may also carry Lua source (`prelude`)
 * that runs in every state after the core prelude, with the module's internal functions reachable
 * through the hidden `__ta` table (captured as a local; `__ta` is cleared afterwards).
 */
export type ApiModule = ((ctx: ApiContext) => HostFunction[]) & { prelude?: { name: string, source: string } }

export const coreApiModules: readonly ApiModule[] = [
  ioFunctions, addressFunctions, loggingFunctions, configFunctions, hookFunctions,
  webhookFunctions, backgroundFunctions, geoipFunctions, deviceFunctions, consoleFunctions, historyFunctions, alertFunctions, blacklistFunctions,
  policyFunctions
]
