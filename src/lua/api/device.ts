import { type HostFunction } from '../host.ts'
import { configOnly } from './config-only.ts'
import { type ApiContext } from './context.ts'
import { type HostServices } from './services.ts'
import { TrackalertError } from '../../errors.ts'

/** setDeviceCacheSize(n): size of the parsed-device LRU cache (0 disables it). */
export function deviceFunctions ({ args, services }: ApiContext<Pick<HostServices, 'devices'>>): HostFunction[] {
  return [
    configOnly('setDeviceCacheSize', (L) => {
      const n = args.integer(L, 1, 'setDeviceCacheSize')
      if (n < 0) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `setDeviceCacheSize: expected 0 or more, got ${n}`)
      return n
    }, (n) => { services.devices.setCacheSize(n) })
  ]
}
