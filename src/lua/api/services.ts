import { type AlertInput, type AlertSettings } from '../../alerts/index.ts'
import { type DaemonSettings } from '../../config/settings.ts'
import { type GeoIPLookup } from '../../geoip/index.ts'
import { type DerivedFacts, type ReportFacts } from '../../history/facts.ts'
import { type HistoryReader } from '../../history/reader.ts'
import { type StatsSnapshot } from '../../stats/index.ts'
import { type WebhookHookStats, type WebhookSettingsPatch } from '../../webhooks/index.ts'

/*
 * The ports the Lua host API calls into. Each API module names the few it uses (see ApiContext);
 * the app builds the services behind them and owns their lifecycle.
 */

/** Custom statistics (addCustomStat / incCustomStat) and the webhook counters addCustomWebHook declares. */
export interface StatsPort {
  addCustomStat (name: string): void
  incCustomStat (name: string): void
  registerWebhook (id: number, url: string): void
}

/** The custom webhooks of the configuration. */
export interface WebhooksPort {
  addHook (name: string, keys: Readonly<Record<string, string>>): { readonly id: number, readonly config: { readonly url: string } }
  /** Queues a delivery; false when the hook is unknown or its queue is full. */
  run (name: string, data: string): boolean
  configure (patch: WebhookSettingsPatch): void
}

/** How a wforceBlacklist{} request ended. `ok`: blocked or already blocked. */
export interface BlacklistAnswer { readonly ok: boolean, readonly reason: string }

/** The wforce blacklist: setWforceBlacklist{} (config), wforceBlacklist{} and showWforceBlacklist(). */
export interface BlacklistPort {
  /** Validates and keeps this configuration's options; throws on a bad table. */
  configure (options: unknown): void
  /** Checks a wforceBlacklist{} table here, so a bad one fails at the caller's line; throws when bad. */
  validate (input: unknown): void
  showText (): string
}

/** Schedules for background functions. */
export interface SchedulesPort {
  addCron (expression: string, name: string): void
  addInterval (seconds: number, name: string): void
  setMaxConcurrent (n: number): void
  setTimeZone (timeZone: string | undefined): void
  /** setBackgroundClusterWide: each scheduled time of the function runs on one instance of those sharing the database. */
  setClusterWide (name: string): void
  showBackgroundFuncs (): string
}

export interface GeoIPPort {
  open (name: string, file: string): void
  get (name: string): GeoIPLookup | undefined
}

export interface DeviceCachePort {
  setCacheSize (size: number): void
}

/** The login history a configuration enabled (setHistory), as the Lua functions use it. */
export interface HistoryAccess {
  readonly reader: HistoryReader
  /** What the history would record about a report: prefix, device family, place. */
  facts (report: Pick<ReportFacts, 'remote' | 'remoteText' | 'deviceAttrs'>): DerivedFacts
  /** Runs retention now; resolves with the rows removed. */
  pruneNow (): Promise<number>
}

/** The process's login history; it outlives reloads (the process owns its store and write queue). */
export interface HistoryPort {
  /** The history while the configuration serving now enables it, else null. */
  active (): HistoryAccess | null
}

/** Text the console commands print; the console returns it as the reply. */
export interface ConsoleOutput {
  /** True while a console line runs: print() and show*() then write to the reply. */
  readonly capturing: boolean
  write (text: string): void
}

/**
 * The whole daemon, however many processes it runs (src/topology implements it). The Lua API asks
 * it for totals and daemon-wide actions, never which process it runs in.
 */
export interface DaemonPort {
  /**
   * This process says once what concerns the whole daemon. Every Lua state of every process runs
   * the whole configuration: this process's config state is the run that counts (its warnings are
   * logged, its top-level incCustomStat adds one).
   */
  readonly speaksForDaemon: boolean
  /** The daemon's statistics; synchronous when there is no other process to ask. */
  totalSnapshot (): StatsSnapshot | Promise<StatsSnapshot>
  /** Per-hook webhook figures summed over the daemon; synchronous when there is no other process to ask. */
  totalWebhookStats (): WebhookHookStats[] | Promise<WebhookHookStats[]>
  /** Reloads the configuration everywhere; resolves with the console's message (CONFIG_RELOADED or why not). */
  reloadAll (): Promise<string>
  /** Reads the GeoIP databases again everywhere; resolves with the console's message. */
  reloadGeoIPAll (): Promise<string>
  /** Lua `shutdown()`: the whole daemon stops gracefully. */
  requestShutdown (): void
  /** Lua `wforceBlacklist{}`: decided by the one process that owns the daemon's blacklist. */
  blacklist (input: unknown): BlacklistAnswer | Promise<BlacklistAnswer>
  /** Lua `raiseAlert{...}`: hands the alert to the daemon's alert hub (in this process or over IPC); returns at once. */
  submitAlert (input: AlertInput): void
  /** eraseHistory: the daemon's alert hub forgets the login's alerts; resolves with how many. */
  eraseAlerts (login: string): Promise<number>
}

/** Everything the host API modules may ask for; each module takes only the ports it names. */
export interface HostServices {
  readonly settings: DaemonSettings
  readonly stats: StatsPort
  readonly webhooks: WebhooksPort
  readonly scheduler: SchedulesPort
  readonly geoip: GeoIPPort
  readonly devices: DeviceCachePort
  readonly output: ConsoleOutput
  readonly daemon: DaemonPort
  readonly history: HistoryPort
  readonly blacklist: BlacklistPort
  /** What this configuration says about alerts (setAlertOptions, setAlertRoute, setAlertFilter). */
  readonly alerts: AlertSettings
}
