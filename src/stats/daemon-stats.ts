import { logger } from '../log/index.ts'
import {
  showCommandStatsText, showCustomStatsText, showPerfStatsText, statsText
} from './console-text.ts'
import {
  METRICS_CONTENT_TYPE, PromMetrics, type BackgroundResult, type GaugeSourceName, type MetricsJson
} from './metrics.ts'
import { PERF_STAT_NAMES, perfBucket, sanitizeMs, WTR_NAMES, WTW_NAMES } from './perf.ts'
import { PeriodicStatsLogger } from './periodic-log.ts'
import { cpuMsec, uptimeSeconds, type CpuUsageSource } from './process-stats.ts'
import { snapshotFromState, type StatsSnapshot, type StatsState } from './snapshot.ts'
import { WindowedCounters, type Clock, type WindowOptions } from './windows.ts'

/**
 * The whole daemon's figures. The process topology (src/topology) provides them: this process's
 * own when it is the whole daemon, summed with the other processes' otherwise.
 */
export interface DaemonTotals {
  /** Synchronous when there is no other process to ask. */
  totalSnapshot (): StatsSnapshot | Promise<StatsSnapshot>
  totalMetricsText (): Promise<string>
}

export interface DaemonStatsOptions extends WindowOptions {
  /** CPU usage source for `user-msec`/`sys-msec`; defaults to `process.cpuUsage`. */
  cpuUsage?: CpuUsageSource
  /** Register prom-client's process metrics (default true). */
  defaultMetrics?: boolean
}

/**
 * All statistics of one daemon process: the 5-minute windowed figures behind REST `stats`, the
 * console and the periodic log, plus the Prometheus registry behind `/metrics`.
 * Created once by the app and handed to whatever counts something.
 */
export class DaemonStats {
  readonly metrics: PromMetrics
  readonly #now: Clock
  readonly #cpuUsage: CpuUsageSource
  readonly #startMs: number
  readonly #perf: WindowedCounters
  readonly #commands: WindowedCounters
  readonly #custom: WindowedCounters
  readonly #warnedCustom = new Set<string>()
  readonly #reports = { success: 0, failure: 0 }
  readonly #deviceCache = { hits: 0, misses: 0 }
  /** This process's own figures until the app sets the topology's (see setTotals). */
  #totals: DaemonTotals = { totalSnapshot: () => this.snapshot(), totalMetricsText: () => this.metricsText() }

  constructor (options: DaemonStatsOptions = {}) {
    this.#now = options.now ?? Date.now
    this.#cpuUsage = options.cpuUsage ?? (() => process.cpuUsage())
    this.#startMs = this.#now()
    const windows: WindowOptions = { windowSeconds: options.windowSeconds, windowCount: options.windowCount, now: this.#now }
    this.#perf = new WindowedCounters(windows)
    this.#commands = new WindowedCounters(windows)
    this.#custom = new WindowedCounters(windows)
    for (const name of PERF_STAT_NAMES) this.#perf.declare(name)
    this.metrics = new PromMetrics({
      commands: () => this.#commands.lifetimeEntries(),
      custom: () => this.#custom.lifetimeEntries(),
      reports: () => this.#reports,
      deviceCache: () => this.#deviceCache
    }, { defaultMetrics: options.defaultMetrics })
  }

  /** Seconds covered by the windowed figures (300 with the defaults). */
  get viewSeconds (): number { return (this.#perf.windowMs * this.#perf.windowCount) / 1000 }

  // --- REST commands -------------------------------------------------------------------------

  /** Call when a command (report, stats, readyz, livez, a custom endpoint) is routed, so it shows at 0. */
  registerCommand (name: string): void { this.#commands.declare(name) }

  /** Unregistered names are ignored: they may come straight from a client's `?command=`. */
  countCommand (name: string): void {
    if (this.#commands.has(name)) this.#commands.inc(name)
  }

  // --- Perf buckets (hot path) -----------------------------------------------------------------

  /** waitMs: queued before the handler could run (e.g. for a free Lua state); runMs: handler run time. */
  recordPerf (waitMs: number, runMs: number): void {
    const wait = sanitizeMs(waitMs)
    const run = sanitizeMs(runMs)
    this.#perf.inc(WTW_NAMES[perfBucket(wait)])
    this.#perf.inc(WTR_NAMES[perfBucket(run)])
    this.metrics.observeQueueSeconds(wait / 1000)
    this.metrics.observeResponseSeconds(run / 1000)
  }

  // --- Custom stats (Lua addCustomStat / incCustomStat) ----------------------------------------

  addCustomStat (name: string): void { this.#custom.declare(name) }

  /** Undeclared names are ignored with one warning per name, so a typo in Lua can't flood the log. */
  incCustomStat (name: string): void {
    if (this.#custom.has(name)) {
      this.#custom.inc(name)
      return
    }
    if (this.#warnedCustom.has(name)) return
    this.#warnedCustom.add(name)
    logger.warn('incCustomStat: custom stat was not declared with addCustomStat(), ignoring it', { name })
  }

  // --- Totals since start ---------------------------------------------------------------------

  /** An accepted report; `success` is the login outcome the report carries (the `success` field). */
  countReport (success: boolean): void {
    if (success) this.#reports.success++
    else this.#reports.failure++
  }

  get reports (): number { return this.#reports.success + this.#reports.failure }

  countReportRejected (reason: string): void { this.metrics.countReportRejected(reason) }
  declareHttpRefusal (reason: string): void { this.metrics.declareHttpRefusal(reason) }
  countHttpRefused (reason: string): void { this.metrics.countHttpRefused(reason) }
  countLuaError (fn: string): void { this.metrics.countLuaError(fn) }
  countShed (fn: string): void { this.metrics.countShed(fn) }
  countDeviceCache (hit: boolean): void {
    if (hit) this.#deviceCache.hits++
    else this.#deviceCache.misses++
  }

  recordBackgroundRun (name: string, result: BackgroundResult, durationMs?: number): void {
    this.metrics.recordBackgroundRun(name, result, durationMs === undefined ? undefined : sanitizeMs(durationMs) / 1000)
  }

  // --- Webhooks --------------------------------------------------------------------------------

  registerWebhook (id: number | string, url: string): void { this.metrics.registerWebhook(id, url) }
  countWebhookEvent (id: number | string, url: string, ok: boolean): void { this.metrics.countWebhookEvent(id, url, ok) }
  countWebhookDropped (name: string): void { this.metrics.countWebhookDropped(name) }
  observeWebhookAttempt (name: string, durationMs: number): void {
    this.metrics.observeWebhookAttemptSeconds(name, sanitizeMs(durationMs) / 1000)
  }

  setGaugeSource (name: GaugeSourceName, read: () => number): void { this.metrics.setGaugeSource(name, read) }

  // --- Views ---------------------------------------------------------------------------------

  userMsec (): number { return cpuMsec(this.#cpuUsage()).user }
  sysMsec (): number { return cpuMsec(this.#cpuUsage()).sys }
  uptime (): number { return uptimeSeconds(this.#startMs, this.#now()) }

  /** Plain-JSON state of this process, for summing with mergeStatsStates(). */
  exportState (): StatsState {
    const cpu = cpuMsec(this.#cpuUsage())
    return {
      reports: { ...this.#reports },
      userMsec: cpu.user,
      sysMsec: cpu.sys,
      uptime: this.uptime(),
      perf: this.#perf.exportState(),
      commands: this.#commands.exportState(),
      custom: this.#custom.exportState()
    }
  }

  /** Body of REST `GET stats`, for this process alone. */
  snapshot (): StatsSnapshot { return snapshotFromState(this.exportState()) }

  /** Where the daemon's totals come from: the process topology, once it is chosen. */
  setTotals (totals: DaemonTotals): void { this.#totals = totals }

  /** The daemon's figures (REST `stats`); the topology decides whose figures they include. */
  async totalSnapshot (): Promise<StatsSnapshot> { return await this.#totals.totalSnapshot() }

  /** `/metrics` for the whole daemon. */
  totalMetricsText (): Promise<string> { return this.#totals.totalMetricsText() }

  statsText (): string { return statsText(this.snapshot()) }
  perfStatsText (): string { return showPerfStatsText(this.snapshot()) }
  commandStatsText (): string { return showCommandStatsText(this.snapshot()) }
  customStatsText (): string { return showCustomStatsText(this.snapshot()) }

  /** A logger of this process's windowed figures; the caller starts and stops it. */
  createPeriodicLogger (periodMs?: number): PeriodicStatsLogger {
    return new PeriodicStatsLogger(() => this.#totals.totalSnapshot(), { viewSeconds: this.viewSeconds, periodMs })
  }

  get metricsContentType (): string { return METRICS_CONTENT_TYPE }
  metricsText (): Promise<string> { return this.metrics.metricsText() }
  metricsJson (): Promise<MetricsJson> { return this.metrics.metricsJson() }
}
