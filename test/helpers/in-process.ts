import { Registry } from 'prom-client'
import { AlertHub, defaultAlertHubConfig, MemoryAlertStore, registerAlertMetrics } from '../../src/alerts/index.ts'
import { type DeviceParser } from '../../src/device/index.ts'
import { ProcessDelivery, type Generation, type SharedServices } from '../../src/generation.ts'
import { ProcessHistory } from '../../src/history/process-history.ts'
import { AttackerSources } from '../../src/detect/index.ts'
import { LuaLibraryCounters } from '../../src/lualib/index.ts'
import { systemClock, type Clock } from '../../src/report/pipeline.ts'
import { type DaemonStats } from '../../src/stats/index.ts'
import { SingleProcess } from '../../src/topology/index.ts'

/**
 * A real alert hub (in-memory store, metrics in a registry of its own) running the loaded
 * configuration's setAlertFilter, so raiseAlert and filters run as in the daemon; no routes.
 */
function testAlertHub (loaded: () => Generation | null): AlertHub {
  const hub = new AlertHub({ store: new MemoryAlertStore(), metrics: registerAlertMetrics(new Registry()) })
  hub.configure({
    ...defaultAlertHubConfig,
    filter: async (input) => {
      const filter = loaded()?.alertHubConfig().filter ?? null
      return filter === null ? input : await filter(input)
    }
  })
  return hub
}

/**
 * The daemon an in-process config runs in: one process, as the daemon's own single-process
 * topology has it, except that the config may neither reload nor stop it. `who` names the tests
 * in the refusal messages.
 */
function testDaemon (stats: DaemonStats, delivery: ProcessDelivery, loaded: () => Generation | null, who: string): SingleProcess {
  const daemon = new SingleProcess({ onShutdownRequest: () => { throw new Error(`shutdown() is not expected in ${who}`) } })
  const current = (): Generation => {
    const gen = loaded()
    if (gen === null) throw new Error('the config is still loading')
    return gen
  }
  daemon.attach({
    stats,
    webhookStats: () => loaded()?.webhooks.stats() ?? [],
    reloadHere: async () => ({ ok: false, message: `reloadConfig() is not available in ${who}` }),
    reloadGeoIPHere: () => current().geoip.reloadAllAsync(),
    applyLiveSettings: () => { throw new Error(`${who} have no console`) },
    blacklistHere: (input) => delivery.blacklist.request(input),
    alerts: testAlertHub(loaded)
  })
  return daemon
}

/**
 * The process-level services a Generation needs, for tests that load a config in-process (no
 * daemon). `loaded` returns the generation once Generation.load resolved. Drain `delivery` and close
 * `history` (a config with setHistory opens its store; retention does not run) after retiring the
 * generation.
 */
export function inProcessServices (
  stats: DaemonStats, devices: DeviceParser, who: string, loaded: () => Generation | null, clock: Clock = systemClock
): SharedServices {
  const lualibCounters = new LuaLibraryCounters()
  const delivery = new ProcessDelivery(stats, lualibCounters)
  return {
    delivery,
    stats,
    devices,
    output: { capturing: false, write: () => {} },
    clock,
    lualibCounters,
    history: new ProcessHistory({ registry: stats.metrics.registry, clock, prunes: () => false }),
    attackers: new AttackerSources(),
    daemon: testDaemon(stats, delivery, loaded, who)
  }
}
