import { type HostFunction } from '../host.ts'
import { type ApiContext, fn } from './context.ts'

/** setDeviceCacheSize(n): size of the parsed-device LRU cache (0 disables it). */
export function deviceFunctions ({ args, services }: ApiContext): HostFunction[] {
  return [
    fn('setDeviceCacheSize', (L, state) => {
      const n = args.integer(L, 1, 'setDeviceCacheSize')
      if (n < 0) throw new Error(`setDeviceCacheSize: expected 0 or more, got ${n}`)
      if (state.role === 'config') services.devices.setCacheSize(n)
      return 0
    })
  ]
}
