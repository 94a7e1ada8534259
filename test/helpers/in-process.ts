import { type DeviceParser } from '../../src/device/index.ts'
import { ProcessDelivery, type SharedServices } from '../../src/generation.ts'
import { LuaLibraryCounters } from '../../src/lualib/index.ts'
import { systemClock, type Clock } from '../../src/report/pipeline.ts'
import { type DaemonStats } from '../../src/stats/index.ts'

/**
 * The process-level services a Generation needs, for tests that load a config in-process (no
 * daemon): a single process, console output discarded, shutdown() and reloadConfig() refused.
 * `who` names the tests in the refusal messages. Drain `delivery` after retiring the generation.
 */
export function inProcessServices (stats: DaemonStats, devices: DeviceParser, who: string, clock: Clock = systemClock): SharedServices {
  const lualibCounters = new LuaLibraryCounters()
  return {
    stats,
    devices,
    delivery: new ProcessDelivery(stats, lualibCounters),
    output: { capturing: false, write: () => {} },
    clock,
    lualibCounters,
    requestShutdown: () => { throw new Error(`shutdown() is not expected in ${who}`) },
    reloadConfig: async () => `reloadConfig() is not available in ${who}`,
    peers: () => null,
    isWorker: false
  }
}
