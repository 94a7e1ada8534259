import { type LiveHttpSettings } from '../config/settings.ts'
import { type MetricsJson, type StatsState } from '../stats/index.ts'
import { type WebhookHookStats } from '../webhooks/index.ts'

/** What one process of a multi-process daemon hands the others so every view shows totals. */
export interface ProcessFigures {
  readonly state: StatsState
  readonly metrics: MetricsJson
  readonly webhooks: WebhookHookStats[]
}

/**
 * How one process reaches the rest of the daemon (see docs/performance.md). The primary and each
 * worker hold one; a single-process daemon holds none.
 */
export interface PeerLink {
  /** The figures of every other process of the daemon. */
  collect (): Promise<ProcessFigures[]>
  /**
   * From a worker: asks the primary to reload the whole daemon. From the primary: reloads the
   * workers (after the primary's own reload). Resolves with the console's message.
   */
  reloadConfig (): Promise<string>
  /** Makes the other processes read their GeoIP databases again. */
  reloadGeoIPElsewhere (): Promise<void>
  /** Lua shutdown() anywhere stops the whole daemon. */
  requestShutdown (): void
}

/** The primary's side: only it runs the console, so only it hands console changes to the workers. */
export interface PrimaryLink extends PeerLink {
  /** The console changed what the REST API reads; the workers apply it too. */
  pushLiveSettings (live: LiveHttpSettings): Promise<void>
}

/** The console's answer to a successful reload, in every process. */
export const CONFIG_RELOADED = 'reloadConfig() successful'
