import { type Alert, type AlertHub, type AlertQuery } from '../alerts/index.ts'
import { type DaemonSettings, type LiveHttpSettings } from '../config/settings.ts'
import { type BlacklistAnswer, type DaemonPort } from '../lua/api/index.ts'
import { type DaemonStats, type DaemonTotals } from '../stats/index.ts'
import { type WebhookHookStats } from '../webhooks/index.ts'

/** What this process does for the daemon. Callers act on these, never on which process this is. */
export interface Capabilities {
  /** Opens the listeners and answers the REST API. */
  readonly servesHttp: boolean
  /** Runs the background schedules (in one process of the daemon, so that each runs once). */
  readonly runsSchedules: boolean
  /** Opens the console socket (controlSocket). */
  readonly runsConsole: boolean
  /**
   * Says once what concerns the whole daemon: configuration warnings, the start-up checks, where
   * the daemon listens, that it is ready, and the periodic statistics log.
   */
  readonly speaksForDaemon: boolean
}

/** The result of loading the configuration again in one process. */
export type LocalReload =
  | { readonly ok: true, readonly luaStates: number }
  | { readonly ok: false, readonly message: string }

/** What a topology needs from the process it runs in (the app provides it). */
export interface LocalProcess {
  readonly stats: DaemonStats
  /** This process's per-hook webhook figures (the current configuration's hooks). */
  webhookStats (): WebhookHookStats[]
  /** Loads the configuration again in this process only; a broken one is logged and keeps the old. */
  reloadHere (): Promise<LocalReload>
  /** Reads this process's GeoIP databases again; resolves with the console's message. */
  reloadGeoIPHere (): Promise<string>
  /** Applies a console change to what the REST API reads, made in another process. */
  applyLiveSettings (live: LiveHttpSettings): void
  /** wforceBlacklist{} decided here: in the process that speaks for the daemon. */
  blacklistHere (input: unknown): BlacklistAnswer
  /** The daemon's alert hub when this process speaks for the daemon, else null. */
  readonly alerts: AlertHub | null
}

/** This process, now serving: what the daemon's ready line says. */
export interface ServingInfo {
  readonly luaStates: number
  /** Listeners the configuration defines. */
  readonly listeners: number
  /** The addresses this process listens on (empty when it serves no HTTP). */
  readonly listening: ReadonlyArray<{ readonly address: string, readonly tls: boolean }>
}

/**
 * How the daemon's processes work together: one process alone, or a primary with its workers.
 * The Lua API, the statistics and the app reach the rest of the daemon only through this.
 */
export interface Topology extends Capabilities, DaemonPort, DaemonTotals {
  /** Binds the topology to the process it runs in; the app calls it before loading any configuration. */
  attach (local: LocalProcess): void
  /** This process serves: brings up the rest of the daemon and resolves once all of it serves. */
  start (serving: ServingInfo): Promise<void>
  /** A console line changed what the REST API reads: every process that serves it applies it. */
  pushLive (live: LiveHttpSettings): Promise<void>
  /** Stops the processes this one started, each finishing its requests within `graceMs`. */
  shutdownAll (graceMs: number): Promise<void>
  /** GET /command/alerts: asks the daemon's hub, wherever it runs. */
  queryAlerts (query: AlertQuery): Promise<Alert[]>
}

/**
 * How the CLI picks the topology. A worker's is known when the process starts; whether the other
 * process runs alone or as a primary only once its configuration has loaded (setNumWorkerThreads).
 * Until then no other process exists and `first` serves; the load asks it only whether this
 * process speaks for the daemon, which every topology `choose` may return must answer alike.
 */
export interface TopologyChoice {
  readonly first: Topology
  /** Called once, when the first configuration has loaded. */
  choose (settings: DaemonSettings): Topology
}

/** A choice made before the configuration loads (a worker; an embedded single process). */
export function fixedTopology (topology: Topology): TopologyChoice {
  return { first: topology, choose: () => topology }
}
