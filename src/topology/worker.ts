import { ClusterWorkerLink, type ParentChannel } from '../cluster/index.ts'
import { CONFIG_RELOADED, type LiveHttpSettings } from '../config/settings.ts'
import { RELOAD_SUCCESS } from '../geoip/index.ts'
import { logger } from '../log/index.ts'
import { type BlacklistAnswer } from '../lua/api/index.ts'
import { type Alert, type AlertInput, type AlertQuery } from '../alerts/index.ts'
import { type StatsSnapshot } from '../stats/index.ts'
import { type WebhookHookStats } from '../webhooks/index.ts'
import { Attached, ownFigures, SummedFigures } from './shared.ts'
import { type LocalProcess, type ServingInfo, type Topology } from './topology.ts'

export interface WorkerTopologyOptions {
  /** The primary asked this worker to stop, or went away. */
  readonly stop: () => void
  readonly requestTimeoutMs?: number
  /** The IPC channel to the primary: this process's own unless given. */
  readonly parent?: ParentChannel
}

/**
 * A worker of a multi-process daemon: serves HTTP and reports; the console, the schedules and
 * whatever concerns the whole daemon are the primary's, which this process asks over IPC.
 */
export class WorkerTopology implements Topology {
  readonly servesHttp = true
  readonly runsSchedules = false
  readonly runsConsole = false
  readonly speaksForDaemon = false
  readonly #local = new Attached()
  readonly #link: ClusterWorkerLink
  readonly #totals: SummedFigures

  constructor (options: WorkerTopologyOptions) {
    // The primary asks a worker for nothing until it announced itself ready (start).
    this.#link = new ClusterWorkerLink({
      ownFigures: () => ownFigures(this.#local.get()),
      reloadLocal: () => this.#reloadHere(),
      reloadGeoIP: () => this.#local.get().reloadGeoIPHere(),
      applyLiveSettings: (live) => { this.#local.get().applyLiveSettings(live) },
      stop: options.stop
    }, options.requestTimeoutMs, options.parent)
    this.#totals = new SummedFigures(this.#local, () => this.#link.collect())
  }

  /**
   * Starts listening to the primary, before the listeners open: a request served then may
   * already ask for the other processes' figures, and the answer must not be lost.
   */
  connect (): void { this.#link.connect() }

  /** Stops listening to the primary (the worker has closed). */
  detach (): void { this.#link.detach() }

  attach (local: LocalProcess): void { this.#local.set(local) }

  totalSnapshot (): Promise<StatsSnapshot> { return this.#totals.snapshot() }
  totalMetricsText (): Promise<string> { return this.#totals.metricsText() }
  totalWebhookStats (): Promise<WebhookHookStats[]> { return this.#totals.webhookStats() }

  /** The primary reloads the whole daemon, this worker included. */
  reloadAll (): Promise<string> { return this.#link.reloadConfig() }

  async reloadGeoIPAll (): Promise<string> {
    const text = await this.#local.get().reloadGeoIPHere()
    if (text === RELOAD_SUCCESS) await this.#link.reloadGeoIPElsewhere()
    return text
  }

  requestShutdown (): void { this.#link.requestShutdown() }

  /** The primary owns the daemon's blacklist. */
  blacklist (input: unknown): Promise<BlacklistAnswer> { return this.#link.blacklist(input) }
  /** The hub runs in the primary. */
  submitAlert (input: AlertInput): void { this.#link.submitAlert(input) }
  queryAlerts (query: AlertQuery): Promise<Alert[]> { return this.#link.queryAlerts(query) }
  eraseAlerts (login: string): Promise<number> { return this.#link.eraseAlerts(login) }

  /** Tells the primary this worker serves, and where: from now on it is asked for its figures. */
  async start (serving: ServingInfo): Promise<void> {
    this.#link.announceReady([...serving.listening])
  }

  /** A worker runs no console: the primary pushes the console's changes. */
  async pushLive (_live: LiveHttpSettings): Promise<void> {}

  /** The primary stops the workers; a worker started no process. */
  async shutdownAll (_graceMs: number): Promise<void> {}

  /** This worker's part of a daemon-wide reload. */
  async #reloadHere (): Promise<string> {
    const result = await this.#local.get().reloadHere()
    if (!result.ok) return result.message
    logger.info('this process reloaded its configuration', { role: 'worker', luaStates: result.luaStates })
    return CONFIG_RELOADED
  }
}
