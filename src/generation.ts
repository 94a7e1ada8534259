import { hostname } from 'node:os'
import { AlertSettings, alertRoutePorts, type AlertHubConfig, type AlertRoute, type AlertRoutePorts } from './alerts/index.ts'
import { BlacklistSetup, WforceBlacklist } from './blacklist/index.ts'
import { DaemonSettings } from './config/settings.ts'
import { type DeviceParser } from './device/index.ts'
import { TrackalertError } from './errors.ts'
import { GeoIPRegistry } from './geoip/index.ts'
import { type ProcessHistory } from './history/process-history.ts'
import { type AttackerSources, Detector } from './detect/index.ts'
import { type HistoryStore } from './history/types.ts'
import { logger } from './log/index.ts'
import { type ApiModule, type ConsoleOutput, type DaemonPort, type HostServices } from './lua/api/index.ts'
import { luaAlertAddress, luaAlertFilter } from './lua/api/alert-calls.ts'
import { LuaDispatcher } from './lua/dispatcher.ts'
import { LuaScriptError } from './lua/lua-error.ts'
import { LuaStatePool } from './lua/pool.ts'
import { LuaRuntime, runConfigFile } from './lua/runtime.ts'
import { type LuaState } from './lua/state.ts'
import { CustomEndpointRunner } from './report/custom-endpoint.ts'
import { ReportPipeline, type Clock, type ReportRecorder } from './report/pipeline.ts'
import { Scheduler } from './scheduler/index.ts'
import { type DaemonStats } from './stats/index.ts'
import { WebhookDelivery, WebhookDispatcher, type WebhookObserver } from './webhooks/index.ts'
import { LuaLibrary, MailDelivery, type LuaLibraryCounters } from './lualib/index.ts'

/** Names this process in cluster-wide claims (which instance ran a tick). */
const INSTANCE = `${hostname()}:${process.pid}`

/** What outlives a reload: the services a generation borrows. */
export interface SharedServices {
  readonly stats: DaemonStats
  readonly devices: DeviceParser
  readonly output: ConsoleOutput
  readonly clock: Clock
  /** Lua library counters survive reloads so metrics never go backwards. */
  readonly lualibCounters: LuaLibraryCounters
  /** Outbound delivery (webhooks, mail) belongs to the process, so a reload never abandons a queued delivery. */
  readonly delivery: ProcessDelivery
  /** The whole daemon, however many processes it runs (the process topology). */
  readonly daemon: DaemonPort
  /** Login history belongs to the process too: a reload keeps its store open and its write queue. */
  readonly history: ProcessHistory
  /** Spray and stuffing sources this process raised findings on (compromised_by_attacker); outlives reloads. */
  readonly attackers: AttackerSources
}

/** The process's outbound delivery queues; each generation makes its configuration current in them. */
export class ProcessDelivery {
  readonly webhooks: WebhookDelivery
  readonly mail: MailDelivery
  /** wforce blacklist entries: what was added, the cap and queued entries outlive a reload. */
  readonly blacklist: WforceBlacklist

  constructor (stats: DaemonStats, counters: LuaLibraryCounters) {
    this.webhooks = new WebhookDelivery({ observer: webhookMetrics(stats) })
    this.mail = new MailDelivery(counters)
    this.blacklist = new WforceBlacklist()
  }

  /** Shutdown: the queues drain at once, webhooks for setWebHookDrainTimeoutSecs, mail and blacklist for `graceMs`. */
  async drain (graceMs: number): Promise<void> {
    await Promise.all([this.webhooks.drain(), this.mail.close(graceMs), this.blacklist.drain(graceMs)])
  }
}

function webhookMetrics (stats: DaemonStats): WebhookObserver {
  return {
    onResult: (hook, ok) => stats.countWebhookEvent(hook.id, hook.url, ok),
    onDrop: (hook) => stats.countWebhookDropped(hook.name),
    onAttempt: (hook, _ok, seconds) => stats.observeWebhookAttempt(hook.name, seconds * 1000)
  }
}

export interface GenerationOptions {
  readonly configFile: string
  readonly configName: string
  readonly extraApiModules?: readonly ApiModule[]
}

interface GenerationParts {
  readonly settings: DaemonSettings
  readonly runtime: LuaRuntime
  readonly configState: LuaState
  readonly pool: LuaStatePool
  readonly webhooks: WebhookDispatcher
  readonly scheduler: Scheduler
  readonly geoip: GeoIPRegistry
  readonly lualib: LuaLibrary
  /** Where accepted reports are recorded (setHistory), or null. */
  readonly recorder: ReportRecorder | null
  readonly blacklist: BlacklistSetup
  /** Built-in policies (enablePolicies), or null. */
  readonly detector: Detector | null
  readonly alerts: AlertSettings
}

/**
 * Everything built from one load of the configuration: settings, the Lua states, and the services
 * the config defines (webhooks, schedules, GeoIP databases). A reload builds a new generation and
 * retires the old one once its in-flight work is done.
 */
export class Generation {
  readonly settings: DaemonSettings
  readonly runtime: LuaRuntime
  readonly configState: LuaState
  readonly pool: LuaStatePool
  readonly dispatcher: LuaDispatcher
  readonly pipeline: ReportPipeline
  readonly customEndpoints: CustomEndpointRunner
  readonly webhooks: WebhookDispatcher
  readonly scheduler: Scheduler
  readonly geoip: GeoIPRegistry
  readonly lualib: LuaLibrary
  readonly blacklist: BlacklistSetup
  readonly alerts: AlertSettings
  #retired: Promise<void> | null = null
  readonly #history: ProcessHistory

  private constructor (parts: GenerationParts, shared: SharedServices) {
    this.settings = parts.settings
    this.runtime = parts.runtime
    this.configState = parts.configState
    this.pool = parts.pool
    this.webhooks = parts.webhooks
    this.scheduler = parts.scheduler
    this.geoip = parts.geoip
    this.lualib = parts.lualib
    this.blacklist = parts.blacklist
    this.alerts = parts.alerts
    this.dispatcher = new LuaDispatcher(this.pool, shared.stats, this.settings.maxLuaCallsInFlight, { maxQueueWaitMs: this.settings.maxQueueWaitMs })
    this.pipeline = new ReportPipeline(this.runtime.lua, this.dispatcher, shared.stats, shared.clock)
    this.pipeline.enricher = shared.devices
    this.pipeline.hasReport = this.settings.reportDefined
    this.customEndpoints = new CustomEndpointRunner(this.runtime.lua, this.dispatcher)
    this.pipeline.recorder = parts.recorder
    this.pipeline.detector = parts.detector
    this.#history = shared.history
  }

  get lua (): LuaRuntime['lua'] { return this.runtime.lua }

  /** Loads the configuration into a config state and `numLuaStates` report states. */
  static async load (options: GenerationOptions, shared: SharedServices): Promise<Generation> {
    const settings = new DaemonSettings()
    const { stats } = shared
    const webhooks = new WebhookDispatcher({ delivery: shared.delivery.webhooks })
    const scheduler = new Scheduler({ onRun: (name, result, ms) => stats.recordBackgroundRun(name, result, ms) })
    const geoip = new GeoIPRegistry()
    const blacklist = new BlacklistSetup(shared.delivery.blacklist)
    const alerts = new AlertSettings()
    const services: HostServices = {
      settings, stats, webhooks, scheduler, geoip, devices: shared.devices, output: shared.output, daemon: shared.daemon,
      history: shared.history, alerts, blacklist
    }
    const lualib = new LuaLibrary({ counters: shared.lualibCounters, mailDelivery: shared.delivery.mail })
    const runtime = await LuaRuntime.create(services, [...lualib.modules, ...(options.extraApiModules ?? [])])
    const configState = runtime.createState('config', 0, settings.luaTimeLimitMs)
    await loadConfig(configState, options)
    // The setCurl*() settings cover every outbound HTTPS client: webhooks and the Lua library alike.
    try {
      lualib.setOutboundTls(webhooks.settings.tls)
    } catch (err) {
      throw new TrackalertError('TA_ERR_CONFIG_LOAD', `error loading configuration: ${(err as Error).message}`, { cause: err })
    }
    const historyCommands = settings.history === null ? [] : ['history', 'eraseHistory']
    for (const name of ['report', 'stats', 'readyz', 'livez', ...historyCommands, ...settings.customEndpoints]) stats.registerCommand(name)
    const states: LuaState[] = []
    for (let i = 1; i <= settings.numLuaStates; i++) {
      const state = runtime.createState('report', i, settings.luaTimeLimitMs)
      await loadConfig(state, options)
      states.push(state)
    }
    checkAlertMail(alerts, lualib)
    configState.timeLimitMs = settings.luaTimeLimitMs
    const clusterWide = scheduler.clusterWideNames
    if (clusterWide.length > 0 && settings.history?.backend !== 'postgres') {
      throw new TrackalertError('TA_ERR_CONFIG_LOAD', `error loading configuration: setBackgroundClusterWide("${clusterWide[0]}") needs the instances' shared database: setHistory{ backend = "postgres", url = ... }`)
    }
    // Last: a store opened here is the process's, whatever happens to this configuration later.
    const recorder = await shared.history.attach(settings.history, options.configFile, (name) => geoip.get(name))
    if (!settings.reportDefined && shared.daemon.speaksForDaemon) logger.warn('no report function set (setReport): reports are accepted and only counted')
    const detector = recorder === null || settings.policies.enabled.length === 0
      ? null
      : new Detector({ engine: settings.policies, history: recorder, attackers: shared.attackers, submit: (input) => { shared.daemon.submitAlert(input) } })
    return new Generation({ settings, runtime, configState, pool: new LuaStatePool(states), webhooks, scheduler, geoip, lualib, recorder, detector, alerts, blacklist }, shared)
  }

  /**
   * Makes this configuration the one the process delivers webhooks and mail under (queued ones
   * included) and starts the background schedules when this process runs them (one process
   * of a multi-process daemon does, so that each runs once).
   */
  start ({ schedules = true, blacklist = true }: { schedules?: boolean, blacklist?: boolean } = {}): void {
    this.webhooks.start()
    this.lualib.activate()
    // One process owns the daemon's blacklist (the others forward wforceBlacklist{} to it);
    // the setCurl*() TLS settings cover wforce too.
    if (blacklist) this.blacklist.activate(this.webhooks.settings.tls)
    if (schedules) this.scheduler.start((name) => this.dispatcher.runAsync('background', name, null), (name, tickMs) => this.#claimTick(name, tickMs))
  }

  /** Cluster-wide background functions: the shared PostgreSQL history database decides which instance runs a tick. */
  async #claimTick (name: string, tickMs: number): Promise<boolean> {
    const store = this.#history.active()?.store as (HistoryStore & { claimTick?: (name: string, tickMs: number, instance: string) => Promise<boolean> }) | undefined
    if (store?.claimTick === undefined) throw new TrackalertError('TA_ERR_HISTORY', 'cluster-wide background functions need setHistory{ backend = "postgres" }')
    return store.claimTick(name, tickMs, INSTANCE)
  }

  /** The alert hub's settings under this configuration (setAlertOptions, setAlertFilter). */
  alertHubConfig (): AlertHubConfig {
    const { rateLimitS, bounds, filter } = this.alerts
    return { rateLimitS, bounds, filter: filter ? luaAlertFilter(this.lua, this.dispatcher) : null }
  }

  /** The routes (setAlertRoute) and how they reach this configuration's webhooks, mail relay and Lua. */
  alertRoutes (): { routes: readonly AlertRoute[], ports: AlertRoutePorts } {
    const ports = alertRoutePorts({
      webhooks: this.webhooks,
      mail: this.lualib.mail,
      userAddress: (index, routed) => luaAlertAddress(this.lua, this.dispatcher, index, routed)
    }, this.alerts.delivery)
    return { routes: this.alerts.routes, ports }
  }

  /**
   * Stops schedules, lets in-flight Lua calls finish, closes the Lua library's connections.
   * Queued webhooks and mail are the process's: they stay queued (see ProcessDelivery). Idempotent.
   */
  retire (graceMs: number): Promise<void> {
    this.#retired ??= (async () => {
      await this.scheduler.stop(graceMs)
      const deadline = Date.now() + graceMs
      while (this.pool.busy > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
      await this.lualib.close(graceMs)
    })()
    return this.#retired
  }
}

/** A route that mails needs a relay and a sender, known once the whole file ran (setMailRelay may come later). */
function checkAlertMail (alerts: AlertSettings, lualib: LuaLibrary): void {
  for (const route of alerts.routes) {
    for (const [what, from] of [['user_mail', route.userMail?.from], ['admin_digest', route.digest?.from]] as const) {
      if (what === 'user_mail' ? route.userMail === null : route.digest === null) continue
      const fail = (why: string): TrackalertError => new TrackalertError('TA_ERR_CONFIG_LOAD', `error loading configuration: setAlertRoute: ${what} ${why}`)
      if (!lualib.mail.configured) throw fail('needs a mail relay (setMailRelay{host = ...})')
      if (from === undefined && lualib.mail.settings?.from === undefined) throw fail("needs a sender: give 'from' here or in setMailRelay")
    }
  }
}

async function loadConfig (state: LuaState, options: GenerationOptions): Promise<void> {
  state.loadingConfig = true
  try {
    await runConfigFile(state, options.configFile, options.configName)
  } catch (err) {
    const detail = err instanceof LuaScriptError || err instanceof TrackalertError ? err.message : (err as Error).message
    throw new TrackalertError('TA_ERR_CONFIG_LOAD', `error loading configuration: ${detail}`, { cause: err })
  } finally {
    state.loadingConfig = false
  }
}
