import assert from 'node:assert'
import { applyLiveHttpSettings, liveHttpSettings, sameLiveHttpSettings } from './config/settings.ts'
import { AlertHub, AlertRouter, MemoryAlertStore, registerAlertMetrics, type AlertStore } from './alerts/index.ts'
import { ConsoleServer } from './console/index.ts'
import { ConsoleBuffer, ConsoleExecutor } from './console-session.ts'
import { DeviceParser } from './device/index.ts'
import { Generation, ProcessDelivery, type GenerationOptions, type SharedServices } from './generation.ts'
import { openHistoryAlertStore } from './history/alert-store.ts'
import { ProcessHistory } from './history/process-history.ts'
import { AttackerSources } from './detect/index.ts'
import { HttpFrontend } from './http/server.ts'
import { logger } from './log/index.ts'
import { type ApiModule } from './lua/api/index.ts'
import { systemClock, type Clock } from './report/pipeline.ts'
import { checkStartupSettings } from './startup-checks.ts'
import { DaemonStats, registerBlacklistMetrics, registerLuaLibraryMetrics, type PeriodicStatsLogger } from './stats/index.ts'
import { LuaLibraryCounters } from './lualib/index.ts'
import { fixedTopology, SingleProcess, type LocalProcess, type LocalReload, type Topology, type TopologyChoice } from './topology/index.ts'

export interface AppOptions {
  /** Absolute path of trackalert.conf. */
  readonly configFile: string
  /** How the file is named in error messages (the path as the operator gave it). */
  readonly configName: string
  /** `-R/--regexes`: device parsing rules (uap-core's by default). */
  readonly regexesFile?: string
  readonly clock?: Clock
  readonly extraApiModules?: readonly ApiModule[]
  /**
   * How this process works with the rest of the daemon (src/topology), chosen by the CLI. Unless
   * given, the process is the whole daemon and Lua shutdown() closes the app.
   */
  readonly topology?: TopologyChoice
  /** Started with -s, -D or -d (no foreground console): a config that can receive nothing is refused. */
  readonly unattended?: boolean
}

/**
 * The composition root. Statistics, device parsing, the HTTP front end and the console live as
 * long as the process; everything the configuration defines lives in the current Generation,
 * which a reload replaces without dropping requests. What this process does for the daemon
 * (serve HTTP, run the console and schedules) its topology says.
 */
export class App {
  readonly stats = new DaemonStats()
  readonly devices: DeviceParser
  readonly http: HttpFrontend
  readonly #options: AppOptions
  readonly #buffer = new ConsoleBuffer()
  readonly #lualibCounters = new LuaLibraryCounters()
  /** Webhook and mail queues live as long as the process: a reload must not abandon deliveries. */
  readonly #delivery = new ProcessDelivery(this.stats, this.#lualibCounters)
  /** Login history too: its store stays open and its queue keeps queued reports across reloads. */
  readonly #history: ProcessHistory
  readonly #attackers = new AttackerSources()
  readonly #console: ConsoleExecutor
  #topology: Topology
  #gen: Generation | null = null
  #consoleServer: ConsoleServer | null = null
  #ready = false
  #closing: Promise<void> | null = null
  #periodic: PeriodicStatsLogger | null = null
  /** shutdown() ran while the config loaded: start() must not open listeners. */
  #stopRequested = false
  /** The daemon's alert hub and its routes: in the process that speaks for the daemon only. */
  readonly #alerts: AlertParts | null

  private constructor (options: AppOptions, topology: Topology) {
    this.#options = options
    // Retention runs where the schedules run: in one process of the daemon.
    this.#history = new ProcessHistory({ registry: this.stats.metrics.registry, clock: options.clock ?? systemClock, prunes: () => this.#topology.runsSchedules })
    this.devices = new DeviceParser({ regexesFile: options.regexesFile, onCacheLookup: (hit) => this.stats.countDeviceCache(hit) })
    this.http = new HttpFrontend(() => this.current.settings, {
      stats: this.stats,
      current: () => this.current,
      maxBody: () => this.current.settings.maxBodyBytes,
      isReady: () => this.#ready,
      history: () => this.#history.active()?.reader ?? null,
      alerts: (query) => this.#topology.queryAlerts(query),
      eraseAlerts: (login) => this.#topology.eraseAlerts(login)
    })
    this.#console = new ConsoleExecutor(this.#buffer, () => this.current.configState)
    this.#topology = topology
    this.#alerts = topology.speaksForDaemon ? this.#createAlertHub() : null
    this.#useTopology(topology)
  }

  /**
   * The daemon's alert hub (see src/alerts). Its store is chosen once the configuration loaded
   * (#chooseAlertStore): alerts submitted before wait for it.
   */
  #createAlertHub (): AlertParts {
    let choose: (store: AlertStore) => void = () => {}
    const store = new Promise<AlertStore>((resolve) => { choose = resolve })
    const hub = new AlertHub({ store, metrics: registerAlertMetrics(this.stats.metrics.registry) })
    const router = new AlertRouter()
    hub.subscribeRouted(router)
    // The wforce blacklist acts on accepted alerts; it lives as long as the process, as the hub does.
    hub.subscribe(this.#delivery.blacklist)
    return { hub, router, choose }
  }

  /**
   * With history on at start, alerts, their ids and the outbox live in the history database and
   * survive a restart; else in memory. Chosen once: turning history on by a reload takes effect
   * for alerts at the next restart.
   */
  async #chooseAlertStore (): Promise<void> {
    if (this.#alerts === null) return
    const history = this.#history.active()
    this.#alerts.choose(history === null ? new MemoryAlertStore() : await openHistoryAlertStore(history, this.#options.configFile))
  }

  /** The hub the blacklist and the policies subscribe to; null in a process that does not speak for the daemon. */
  get alertHub (): AlertHub | null { return this.#alerts?.hub ?? null }

  /** Makes a configuration's alert options, filter and routes the hub's (start and each reload). */
  #configureAlerts (gen: Generation): void {
    if (this.#alerts === null) return
    this.#alerts.hub.configure(gen.alertHubConfig())
    const { routes, ports } = gen.alertRoutes()
    this.#alerts.router.configure(routes, ports)
  }

  static async start (options: AppOptions): Promise<App> {
    let app: App | null = null
    const choice = options.topology ?? fixedTopology(new SingleProcess({ onShutdownRequest: () => { void app?.close() } }))
    app = new App(options, choice.first)
    app.#gen = await Generation.load(app.#generationOptions(), app.#shared())
    const chosen = choice.choose(app.#gen.settings)
    assert.equal(chosen.speaksForDaemon, choice.first.speaksForDaemon, 'the process topology changed whether this process speaks for the daemon')
    app.#useTopology(chosen)
    if (app.#stopRequested) return app
    if (chosen.speaksForDaemon) {
      try {
        checkStartupSettings(app.#gen.settings, { configName: options.configName, unattended: options.unattended === true })
        await app.#chooseAlertStore()
      } catch (err) {
        await app.#gen.retire(0)
        await app.#alerts?.hub.close()
        await app.#history.close()
        throw err
      }
    }
    await app.#open()
    return app
  }

  /** The generation serving requests now. */
  get current (): Generation {
    assert(this.#gen !== null, 'configuration not loaded')
    return this.#gen
  }

  get ready (): boolean { return this.#ready }

  /** True once Lua called shutdown(); when that happened during start(), nothing was opened. */
  get stopRequested (): boolean { return this.#stopRequested }

  /**
   * Brings up the rest of the daemon now that this process serves (a primary forks its workers)
   * and says so; resolves once the whole daemon serves.
   */
  startDaemon (): Promise<void> {
    const { settings } = this.current
    return this.#topology.start({ luaStates: settings.numLuaStates, listeners: settings.listeners.length, listening: this.http.listening })
  }

  /** Runs one console line in the config state (console socket and foreground console). */
  async runConsoleLine (line: string): Promise<string> {
    // What the console changes that the REST API reads (setACL, password…) goes to every process serving it.
    const before = liveHttpSettings(this.current.settings)
    const reply = await this.#console.execute(line)
    const after = liveHttpSettings(this.current.settings)
    if (!sameLiveHttpSettings(before, after)) await this.#topology.pushLive(after)
    return reply
  }

  #useTopology (topology: Topology): void {
    this.#topology = topology
    topology.attach(this.#localProcess())
    this.stats.setTotals(topology)
  }

  /** This process, as its topology sees it. */
  #localProcess (): LocalProcess {
    return {
      stats: this.stats,
      webhookStats: () => this.#gen?.webhooks.stats() ?? [],
      reloadHere: () => this.#reloadHere(),
      reloadGeoIPHere: () => this.current.geoip.reloadAllAsync(),
      applyLiveSettings: (live) => { applyLiveHttpSettings(this.current.settings, live) },
      blacklistHere: (input) => this.#delivery.blacklist.request(input),
      alerts: this.#alerts?.hub ?? null
    }
  }

  #generationOptions (): GenerationOptions {
    return { configFile: this.#options.configFile, configName: this.#options.configName, extraApiModules: this.#options.extraApiModules }
  }

  #shared (): SharedServices {
    const topology = (): Topology => this.#topology
    return {
      stats: this.stats,
      devices: this.devices,
      output: this.#buffer,
      clock: this.#options.clock ?? systemClock,
      lualibCounters: this.#lualibCounters,
      delivery: this.#delivery,
      history: this.#history,
      attackers: this.#attackers,
      // Read through the app: the topology chosen after the first load serves every later call.
      daemon: {
        get speaksForDaemon () { return topology().speaksForDaemon },
        totalSnapshot: () => topology().totalSnapshot(),
        totalWebhookStats: () => topology().totalWebhookStats(),
        reloadAll: () => this.reload(),
        reloadGeoIPAll: () => topology().reloadGeoIPAll(),
        requestShutdown: () => {
          this.#stopRequested = true
          topology().requestShutdown()
        },
        blacklist: (input) => topology().blacklist(input),
        submitAlert: (input) => { topology().submitAlert(input) },
        eraseAlerts: (login) => topology().eraseAlerts(login)
      }
    }
  }

  async #open (): Promise<void> {
    const gen = this.current
    const { settings } = gen
    const { stats } = this
    this.http.setCustomEndpoints(settings.customEndpoints)
    stats.setGaugeSource('active_http_connections', () => this.http.activeConnections)
    stats.setGaugeSource('web_queue_size', () => this.current.dispatcher.queued)
    stats.setGaugeSource('lua_states_busy', () => this.current.pool.busy)
    stats.setGaugeSource('webhook_queue_size', () => this.current.webhooks.queueSize())
    registerLuaLibraryMetrics(stats.metrics.registry, () => this.current.lualib.metrics())
    registerBlacklistMetrics(stats.metrics.registry, () => this.#delivery.blacklist.figures())
    const topology = this.#topology
    if (topology.servesHttp) this.#history.preloadPlaces()
    gen.start({ schedules: topology.runsSchedules, blacklist: topology.speaksForDaemon })
    this.#configureAlerts(gen)
    // The outbox: what the previous run stored but did not finish delivering goes out again.
    this.#alerts?.hub.resumeDeliveries().catch((err: unknown) => logger.error('resuming alert deliveries failed', { error: err as Error }))
    if (topology.servesHttp) await this.http.listen(settings.listeners, topology.speaksForDaemon)
    if (topology.runsConsole && settings.controlSocket !== null) {
      if (settings.consoleKey === null && !settings.consoleKeyRejected) logger.warn('controlSocket() without setKey(): consoles cannot connect until a key is set')
      this.#consoleServer = new ConsoleServer({ key: () => this.current.settings.consoleKey ?? undefined, execute: (line) => this.runConsoleLine(line) })
      await this.#consoleServer.listen(settings.controlSocket.host, settings.controlSocket.port)
    }
    settings.started = true
    if (topology.speaksForDaemon) {
      this.#periodic = stats.createPeriodicLogger()
      this.#periodic.start()
    }
    this.#ready = true
  }

  /**
   * Loads the configuration again everywhere (SIGHUP, console reloadConfig()): into a new
   * generation in each process. New requests go to it once it is ready; in-flight ones finish on
   * the old states. A broken config is logged and the old one keeps serving.
   */
  reload (): Promise<string> { return this.#topology.reloadAll() }

  /** This process's part of a reload (see Topology.reloadAll for the daemon's). */
  async #reloadHere (): Promise<LocalReload> {
    const old = this.current
    let next: Generation
    try {
      next = await Generation.load(this.#generationOptions(), this.#shared())
    } catch (err) {
      const message = `reload failed, still running the previous configuration: ${(err as Error).message}`
      logger.error(message)
      return { ok: false, message }
    }
    const restartOnly = describeRestartOnly(old, next)
    next.settings.started = true
    if (this.#topology.servesHttp) this.#history.preloadPlaces()
    this.http.setCustomEndpoints(next.settings.customEndpoints)
    next.start({ schedules: this.#topology.runsSchedules, blacklist: this.#topology.speaksForDaemon })
    this.#gen = next
    this.#configureAlerts(next)
    void old.retire(10_000).catch((err: unknown) => logger.error('retiring the previous configuration failed', { error: err as Error }))
    if (restartOnly.length > 0) logger.warn('reloaded, but these settings only change at restart', { settings: restartOnly.join(', ') })
    return { ok: true, luaStates: next.pool.size }
  }

  /** Graceful stop: no new connections; in-flight requests, background runs and webhooks finish (bounded). */
  close (graceMs = 10_000): Promise<void> {
    this.#closing ??= this.#close(graceMs)
    return this.#closing
  }

  async #close (graceMs: number): Promise<void> {
    // The processes this one started go first (a primary's workers finish their requests).
    await this.#topology.shutdownAll(graceMs)
    this.#ready = false
    this.#periodic?.stop()
    const closed = this.http.close()
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref())
    if (await Promise.race([closed.then(() => 'closed' as const), timer]) === 'timeout') {
      logger.warn('graceful shutdown period over: closing remaining connections', { graceMs })
      this.http.destroyConnections()
      await closed
    }
    await this.#consoleServer?.close()
    // Digests gathered so far go into the mail queue before it drains.
    this.#alerts?.router.close()
    await this.#gen?.retire(graceMs)
    await this.#delivery.drain(graceMs)
    // After the queues drained: the outbox marks of the last deliveries are written.
    await this.#alerts?.hub.close()
    await this.#history.close()
  }
}

interface AlertParts {
  readonly hub: AlertHub
  readonly router: AlertRouter
  /** Gives the hub its store (once, at start). */
  readonly choose: (store: AlertStore) => void
}

/** Listener and console-socket settings are bound at start; a reload cannot move them. */
function describeRestartOnly (old: Generation, next: Generation): string[] {
  const out: string[] = []
  const listeners = (g: Generation): string => g.settings.listeners
    .map((l) => `${l.address.text}:${l.address.port}:${l.tls === null ? '' : `${l.tls.certFile}:${l.tls.keyFile}:${l.tls.minVersion ?? ''}`}`).join(',')
  if (listeners(old) !== listeners(next)) out.push('addListener/webserver')
  const cs = (g: Generation): string => (g.settings.controlSocket === null ? '' : `${g.settings.controlSocket.host}:${g.settings.controlSocket.port}`)
  if (cs(old) !== cs(next)) out.push('controlSocket')
  if (old.settings.numWorkerThreads !== next.settings.numWorkerThreads) out.push('setNumWorkerThreads')
  return out
}
