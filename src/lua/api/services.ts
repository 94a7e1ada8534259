import { type PeerLink } from '../../cluster/figures.ts'
import { type DaemonSettings } from '../../config/settings.ts'
import { type DeviceParser } from '../../device/index.ts'
import { type GeoIPRegistry } from '../../geoip/index.ts'
import { type HistoryService } from '../../history/service.ts'
import { type Scheduler } from '../../scheduler/index.ts'
import { type DaemonStats } from '../../stats/index.ts'
import { type WebhookDispatcher } from '../../webhooks/index.ts'

/** Custom-stat operations the Lua API needs from the statistics service. */
export interface CustomStatsPort {
  addCustomStat (name: string): void
  incCustomStat (name: string): void
}

/** Text the console commands print; the console returns it as the reply. */
export interface ConsoleOutput {
  /** True while a console line runs: print() and show*() then write to the reply. */
  readonly capturing: boolean
  write (text: string): void
}

/**
 * The daemon services that the Lua host API calls into. The Lua layer depends on this interface;
 * the app builds the concrete services and owns their lifecycle.
 */
export interface HostServices {
  readonly settings: DaemonSettings
  readonly stats: DaemonStats
  readonly webhooks: WebhookDispatcher
  readonly scheduler: Scheduler
  readonly geoip: GeoIPRegistry
  readonly devices: DeviceParser
  readonly output: ConsoleOutput
  /** Begins a graceful shutdown (Lua `shutdown()`). */
  requestShutdown (): void
  /** Reloads the configuration (console `reloadConfig()`); resolves with a message for the console. */
  reloadConfig (): Promise<string>
  /** The rest of a multi-process daemon, or null when this process is the whole daemon. */
  peers (): PeerLink | null
  /** A worker of a multi-process daemon: its config load repeats what the primary's did. */
  readonly isWorker: boolean
  /** The process's login history, or null while no configuration enabled it (setHistory). */
  history (): HistoryService | null
}
