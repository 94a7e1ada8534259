import { ClusterPrimary, type ForkWorker } from '../cluster/index.ts'
import { CONFIG_RELOADED, type LiveHttpSettings } from '../config/settings.ts'
import { RELOAD_SUCCESS } from '../geoip/index.ts'
import { logger } from '../log/index.ts'
import { type BlacklistAnswer } from '../lua/api/index.ts'
import { type Alert, type AlertInput, type AlertQuery } from '../alerts/index.ts'
import { type StatsSnapshot } from '../stats/index.ts'
import { type WebhookHookStats } from '../webhooks/index.ts'
import { Attached, eraseAlertsHere, queryHere, submitHere, ownFigures, ReloadGate, SummedFigures, type ReloadHooks } from './shared.ts'
import { type LocalProcess, type ServingInfo, type Topology } from './topology.ts'

export interface PrimaryTopologyOptions extends ReloadHooks {
  readonly workers: number
  /** Added to each worker's environment (the config path the primary resolved). */
  readonly env?: Readonly<Record<string, string>>
  /** Lua shutdown() in this process or in a worker: how the daemon ends is the caller's to decide. */
  readonly onShutdownRequest: () => void
  /** How a worker process starts (node:cluster's fork unless given). */
  readonly fork?: ForkWorker
  readonly requestTimeoutMs?: number
  readonly respawnDelayMs?: number
}

/**
 * The primary of a multi-process daemon: runs the console, the schedules and the periodic log,
 * serves no HTTP, and forks the workers that do (src/cluster carries the messages).
 */
export class PrimaryTopology implements Topology {
  readonly servesHttp = false
  readonly runsSchedules = true
  readonly runsConsole = true
  readonly speaksForDaemon = true
  readonly #options: PrimaryTopologyOptions
  readonly #local = new Attached()
  readonly #reloads: ReloadGate
  readonly #cluster: ClusterPrimary
  readonly #totals: SummedFigures
  #stopping = false

  constructor (options: PrimaryTopologyOptions) {
    this.#options = options
    this.#reloads = new ReloadGate(options)
    this.#cluster = new ClusterPrimary({
      workers: options.workers,
      env: options.env,
      fork: options.fork,
      requestTimeoutMs: options.requestTimeoutMs,
      respawnDelayMs: options.respawnDelayMs,
      host: {
        ownFigures: () => ownFigures(this.#local.get()),
        reload: () => this.reloadAll(),
        reloadGeoIP: () => this.#local.get().reloadGeoIPHere(),
        requestShutdown: () => this.requestShutdown(),
        blacklist: async (input) => this.blacklist(input),
        submitAlert: (input) => this.submitAlert(input),
        queryAlerts: (query) => this.queryAlerts(query),
        eraseAlerts: (login) => this.eraseAlerts(login)
      }
    })
    this.#totals = new SummedFigures(this.#local, () => this.#cluster.collect())
  }

  attach (local: LocalProcess): void { this.#local.set(local) }

  totalSnapshot (): Promise<StatsSnapshot> { return this.#totals.snapshot() }
  totalMetricsText (): Promise<string> { return this.#totals.metricsText() }
  totalWebhookStats (): Promise<WebhookHookStats[]> { return this.#totals.webhookStats() }

  /** The primary reloads first: a configuration broken for it is broken for the workers too. */
  reloadAll (): Promise<string> {
    return this.#reloads.run(async () => {
      const result = await this.#local.get().reloadHere()
      if (!result.ok) return result.message
      logger.info('this process reloaded its configuration', { role: 'primary', luaStates: result.luaStates })
      const workers = await this.#cluster.reloadConfig()
      if (workers !== CONFIG_RELOADED) return workers
      logger.notice('configuration reloaded', { processes: 'all' })
      return CONFIG_RELOADED
    })
  }

  /** The workers read the same files again; a failure there is logged where it happens. */
  async reloadGeoIPAll (): Promise<string> {
    const text = await this.#local.get().reloadGeoIPHere()
    if (text === RELOAD_SUCCESS) await this.#cluster.reloadGeoIPElsewhere()
    return text
  }

  requestShutdown (): void { this.#options.onShutdownRequest() }

  /** The primary owns the daemon's blacklist: the workers' requests come here too. */
  blacklist (input: unknown): BlacklistAnswer { return this.#local.get().blacklistHere(input) }
  submitAlert (input: AlertInput): void { submitHere(this.#local.get(), input) }
  queryAlerts (query: AlertQuery): Promise<Alert[]> { return queryHere(this.#local.get(), query) }
  eraseAlerts (login: string): Promise<number> { return eraseAlertsHere(this.#local.get(), login) }

  /** Forks the workers; the daemon is ready once all of them serve. */
  async start (serving: ServingInfo): Promise<void> {
    await this.#cluster.start()
    // A shutdown that came while the workers started: the daemon never became ready.
    if (this.#stopping) return
    for (const entry of this.#cluster.listening) logger.info('listening for HTTP commands', entry)
    logger.notice('trackalert ready', { luaStates: serving.luaStates, listeners: serving.listeners, workers: this.#options.workers })
  }

  pushLive (live: LiveHttpSettings): Promise<void> { return this.#cluster.pushLiveSettings(live) }

  async shutdownAll (graceMs: number): Promise<void> {
    this.#stopping = true
    await this.#cluster.stop(graceMs)
  }
}
