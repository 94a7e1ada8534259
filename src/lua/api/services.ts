import { type DaemonSettings } from '../../config/settings.ts'

/** Custom-stat operations the Lua API needs from the statistics service. */
export interface CustomStatsPort {
  addCustomStat (name: string): void
  incCustomStat (name: string): void
}

/**
 * The daemon services that the Lua host API calls into. The Lua layer depends on these
 * interfaces only; the app wires the concrete services.
 */
export interface HostServices {
  readonly settings: DaemonSettings
  readonly stats: CustomStatsPort
  /** Begins a graceful shutdown (Lua `shutdown()`). */
  requestShutdown (): void
}
