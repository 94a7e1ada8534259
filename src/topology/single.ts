import { CONFIG_RELOADED, type LiveHttpSettings } from '../config/settings.ts'
import { logger } from '../log/index.ts'
import { type BlacklistAnswer } from '../lua/api/index.ts'
import { type Alert, type AlertInput, type AlertQuery } from '../alerts/index.ts'
import { type StatsSnapshot } from '../stats/index.ts'
import { type WebhookHookStats } from '../webhooks/index.ts'
import { Attached, eraseAlertsHere, queryHere, submitHere, ReloadGate, type ReloadHooks } from './shared.ts'
import { type LocalProcess, type ServingInfo, type Topology } from './topology.ts'

export interface SingleProcessOptions extends ReloadHooks {
  /** Lua shutdown(): how the process ends is the caller's to decide. */
  readonly onShutdownRequest: () => void
}

/** The whole daemon in one process: every total is this process's own, every action happens here. */
export class SingleProcess implements Topology {
  readonly servesHttp = true
  readonly runsSchedules = true
  readonly runsConsole = true
  readonly speaksForDaemon = true
  readonly #options: SingleProcessOptions
  readonly #local = new Attached()
  readonly #reloads: ReloadGate

  constructor (options: SingleProcessOptions) {
    this.#options = options
    this.#reloads = new ReloadGate(options)
  }

  attach (local: LocalProcess): void { this.#local.set(local) }

  totalSnapshot (): StatsSnapshot { return this.#local.get().stats.snapshot() }
  totalMetricsText (): Promise<string> { return this.#local.get().stats.metricsText() }
  totalWebhookStats (): WebhookHookStats[] { return this.#local.get().webhookStats() }

  reloadAll (): Promise<string> {
    return this.#reloads.run(async () => {
      const result = await this.#local.get().reloadHere()
      if (!result.ok) return result.message
      logger.notice('configuration reloaded', { luaStates: result.luaStates })
      return CONFIG_RELOADED
    })
  }

  reloadGeoIPAll (): Promise<string> { return this.#local.get().reloadGeoIPHere() }

  requestShutdown (): void { this.#options.onShutdownRequest() }

  blacklist (input: unknown): BlacklistAnswer { return this.#local.get().blacklistHere(input) }
  submitAlert (input: AlertInput): void { submitHere(this.#local.get(), input) }
  queryAlerts (query: AlertQuery): Promise<Alert[]> { return queryHere(this.#local.get(), query) }
  eraseAlerts (login: string): Promise<number> { return eraseAlertsHere(this.#local.get(), login) }

  async start (serving: ServingInfo): Promise<void> {
    logger.notice('trackalert ready', { luaStates: serving.luaStates, listeners: serving.listeners })
  }

  /** Nobody else serves the REST API. */
  async pushLive (_live: LiveHttpSettings): Promise<void> {}

  /** This process started no other. */
  async shutdownAll (_graceMs: number): Promise<void> {}
}
