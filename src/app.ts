import { CONFIG_RELOADED, type PeerLink, type PrimaryLink, type ProcessFigures } from './cluster/figures.ts'
import { applyLiveHttpSettings, liveHttpSettings, sameLiveHttpSettings, type LiveHttpSettings } from './config/settings.ts'
import { ConsoleServer } from './console/index.ts'
import { ConsoleBuffer, ConsoleExecutor } from './console-session.ts'
import { DeviceParser } from './device/index.ts'
import { Generation, ProcessDelivery, type GenerationOptions, type SharedServices } from './generation.ts'
import { HistoryService, storeIdentity } from './history/service.ts'
import { HttpFrontend } from './http/server.ts'
import { logger } from './log/index.ts'
import { type ApiModule } from './lua/api/index.ts'
import { systemClock, type Clock } from './report/pipeline.ts'
import { checkStartupSettings } from './startup-checks.ts'
import { DaemonStats, registerLuaLibraryMetrics, type PeriodicStatsLogger } from './stats/index.ts'
import { LuaLibraryCounters } from './lualib/index.ts'

export interface AppOptions {
  /** Absolute path of trackalert.conf. */
  readonly configFile: string
  /** How the file is named in error messages (the path as the operator gave it). */
  readonly configName: string
  /** `-R/--regexes`: device parsing rules (uap-core's by default). */
  readonly regexesFile?: string
  readonly clock?: Clock
  /** Called when Lua asks for shutdown(); the CLI decides how the process ends. */
  readonly onShutdownRequest?: () => void
  readonly extraApiModules?: readonly ApiModule[]
  /** Hooks around a reload (sd_notify RELOADING=1 / READY=1). */
  readonly onReloadStart?: () => void
  readonly onReloadEnd?: () => void
  /** This process is a worker of a multi-process daemon (serves HTTP; no console, no schedules). */
  readonly worker?: boolean
  /**
   * A worker's link to its primary, joined before the listeners open so that the first request
   * served already sees the whole daemon (see setPeerLink).
   */
  readonly peerLink?: PeerLink
  /** This process may become the primary of a multi-process daemon when `setNumWorkerThreads(n > 1)`. */
  readonly multiProcess?: boolean
  /** Started with -s, -D or -d (no foreground console): a config that can receive nothing is refused. */
  readonly unattended?: boolean
}

/**
 * single: the whole daemon in one process. primary: console, schedules and the periodic log, no
 * HTTP; forks the workers. worker: HTTP and report states only.
 */
export type ProcessRole = 'single' | 'primary' | 'worker'

/**
 * The composition root. Statistics, device parsing, the HTTP front end and the console live as
 * long as the process; everything the configuration defines lives in the current Generation,
 * which a reload replaces without dropping requests.
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
  readonly #console: ConsoleExecutor
  #gen: Generation | null = null
  #consoleServer: ConsoleServer | null = null
  #ready = false
  #closing: Promise<void> | null = null
  #reloading: Promise<string> | null = null
  #periodic: PeriodicStatsLogger | null = null
  /** shutdown() ran while the config loaded: start() must not open listeners. */
  #stopRequested = false
  #role: ProcessRole
  #link: PeerLink | null = null
  /** Set on the primary only: the link that also carries console changes to the workers. */
  #primaryLink: PrimaryLink | null = null
  /** Login history outlives reloads: its store stays open and its queue keeps queued reports. */
  #history: HistoryService | null = null

  private constructor (options: AppOptions) {
    this.#options = options
    this.#role = options.worker === true ? 'worker' : 'single'
    this.devices = new DeviceParser({ regexesFile: options.regexesFile, onCacheLookup: (hit) => this.stats.countDeviceCache(hit) })
    this.http = new HttpFrontend(() => this.current.settings, {
      stats: this.stats,
      current: () => this.current,
      maxBody: () => this.current.settings.maxBodyBytes,
      isReady: () => this.#ready,
      history: () => this.#activeHistory()?.reader ?? null
    })
    this.#console = new ConsoleExecutor(this.#buffer, () => this.current.configState)
    if (options.peerLink !== undefined) this.setPeerLink(options.peerLink)
  }

  static async start (options: AppOptions): Promise<App> {
    const app = new App(options)
    app.#gen = await Generation.load(app.#generationOptions(), app.#shared())
    if (options.multiProcess === true && options.worker !== true && app.#gen.settings.numWorkerThreads > 1) app.#role = 'primary'
    if (app.#stopRequested) return app
    try {
      if (app.#role !== 'worker') checkStartupSettings(app.#gen.settings, { configName: options.configName, unattended: options.unattended === true })
      await app.#attachHistory(app.#gen)
    } catch (err) {
      await app.#gen.retire(0)
      throw err
    }
    await app.#open()
    return app
  }

  /** The generation serving requests now. */
  get current (): Generation {
    if (this.#gen === null) throw new Error('configuration not loaded')
    return this.#gen
  }

  get ready (): boolean { return this.#ready }

  get role (): ProcessRole { return this.#role }

  /** Joins this process to the rest of a multi-process daemon: every view then shows totals. */
  setPeerLink (link: PeerLink | PrimaryLink): void {
    this.#link = link
    if ('pushLiveSettings' in link) this.#primaryLink = link
    this.stats.setPeers(() => link.collect())
  }

  /** This process's figures, for the other processes' totals. */
  async ownFigures (): Promise<ProcessFigures> {
    return { state: this.stats.exportState(), metrics: await this.stats.metricsJson(), webhooks: this.current.webhooks.stats() }
  }

  /** True once Lua called shutdown(); when that happened during start(), nothing was opened. */
  get stopRequested (): boolean { return this.#stopRequested }

  /** Runs one console line in the config state (console socket and foreground console). */
  async runConsoleLine (line: string): Promise<string> {
    const primary = this.#primaryLink
    if (primary === null) return this.#console.execute(line)
    // The workers serve the REST API: what the console changed there (setACL, password…) goes to them.
    const before = liveHttpSettings(this.current.settings)
    const reply = await this.#console.execute(line)
    const after = liveHttpSettings(this.current.settings)
    if (!sameLiveHttpSettings(before, after)) await primary.pushLiveSettings(after)
    return reply
  }

  /** A worker's copy of what the primary's console changed. */
  applyLiveSettings (live: LiveHttpSettings): void { applyLiveHttpSettings(this.current.settings, live) }

  #generationOptions (): GenerationOptions {
    return { configFile: this.#options.configFile, configName: this.#options.configName, extraApiModules: this.#options.extraApiModules }
  }

  #shared (): SharedServices {
    return {
      stats: this.stats,
      devices: this.devices,
      output: this.#buffer,
      clock: this.#options.clock ?? systemClock,
      lualibCounters: this.#lualibCounters,
      delivery: this.#delivery,
      requestShutdown: () => {
        this.#stopRequested = true
        if (this.#role === 'worker' && this.#link !== null) { this.#link.requestShutdown(); return }
        if (this.#options.onShutdownRequest !== undefined) this.#options.onShutdownRequest()
        else void this.close()
      },
      reloadConfig: () => (this.#role === 'worker' && this.#link !== null ? this.#link.reloadConfig() : this.reload()),
      peers: () => this.#link,
      isWorker: this.#role === 'worker',
      history: () => this.#activeHistory()
    }
  }

  /** The history service while the current configuration enables it. */
  #activeHistory (): HistoryService | null {
    return this.#gen?.settings.history === null ? null : this.#history
  }

  /** Opens the store on first use; later generations reuse it (a different store needs a restart). */
  async #attachHistory (gen: Generation): Promise<void> {
    const options = gen.settings.history
    if (options === null) { gen.pipeline.recorder = null; return }
    if (this.#history === null) {
      this.#history = await HistoryService.open(options, {
        configFile: this.#options.configFile,
        registry: this.stats.metrics.registry,
        clock: this.#options.clock ?? systemClock,
        prunes: this.#role !== 'worker',
        lazyGeo: this.#role === 'primary'
      })
    } else if (this.#history.identity !== storeIdentity(options, this.#options.configFile)) {
      logger.warn('setHistory: a different store takes effect at restart; still recording to the current one', { store: this.#history.store.location })
    }
    this.#history.configure(options, (name) => gen.geoip.get(name))
    gen.pipeline.recorder = this.#history
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
    const role = this.#role
    gen.start({ schedules: role !== 'worker' })
    if (role !== 'primary') {
      await this.http.listen(settings.listeners, role === 'single')
    }
    if (role !== 'worker' && settings.controlSocket !== null) {
      if (settings.consoleKey === null && !settings.consoleKeyRejected) logger.warn('controlSocket() without setKey(): consoles cannot connect until a key is set')
      this.#consoleServer = new ConsoleServer({ key: () => this.current.settings.consoleKey ?? undefined, execute: (line) => this.runConsoleLine(line) })
      await this.#consoleServer.listen(settings.controlSocket.host, settings.controlSocket.port)
    }
    settings.started = true
    if (role !== 'worker') {
      this.#periodic = stats.createPeriodicLogger()
      this.#periodic.start()
    }
    this.#ready = true
    // A primary is ready once its workers are (the CLI logs it then).
    if (role === 'single') logger.notice('trackalert ready', { luaStates: gen.pool.size, listeners: settings.listeners.length })
  }

  /**
   * Loads the configuration again into a new generation. New requests go to it once it is ready;
   * in-flight ones finish on the old states. A broken config is logged and the old one keeps serving.
   */
  reload (): Promise<string> {
    this.#reloading ??= this.#reload().finally(() => { this.#reloading = null })
    return this.#reloading
  }

  async #reload (): Promise<string> {
    this.#options.onReloadStart?.()
    try {
      const local = await this.#reloadHere()
      const primary = this.#primaryLink
      if (local !== CONFIG_RELOADED || primary === null) return local
      // The primary reloads first: a config broken for it is broken for the workers too.
      const workers = await primary.reloadConfig()
      if (workers !== CONFIG_RELOADED) return workers
      logger.notice('configuration reloaded', { processes: 'all' })
      return CONFIG_RELOADED
    } finally {
      this.#options.onReloadEnd?.()
    }
  }

  /** A worker's part of a daemon-wide reload: this process only. */
  reloadLocal (): Promise<string> { return this.#reloadHere() }

  async #reloadHere (): Promise<string> {
    const old = this.current
    let next: Generation
    try {
      next = await Generation.load(this.#generationOptions(), this.#shared())
      await this.#attachHistory(next).catch(async (err: unknown) => { await next.retire(0); throw err })
    } catch (err) {
      const message = `reload failed, still running the previous configuration: ${(err as Error).message}`
      logger.error(message)
      return message
    }
    const restartOnly = describeRestartOnly(old, next)
    next.settings.started = true
    this.http.setCustomEndpoints(next.settings.customEndpoints)
    next.start({ schedules: this.#role !== 'worker' })
    this.#gen = next
    void old.retire(10_000).catch((err: unknown) => logger.error('retiring the previous configuration failed', { error: err as Error }))
    if (restartOnly.length > 0) logger.warn('reloaded, but these settings only change at restart', { settings: restartOnly.join(', ') })
    if (this.#role === 'single') logger.notice('configuration reloaded', { luaStates: next.pool.size })
    else logger.info('this process reloaded its configuration', { role: this.#role, luaStates: next.pool.size })
    return CONFIG_RELOADED
  }

  /** Graceful stop: no new connections; in-flight requests, background runs and webhooks finish (bounded). */
  close (graceMs = 10_000): Promise<void> {
    this.#closing ??= this.#close(graceMs)
    return this.#closing
  }

  async #close (graceMs: number): Promise<void> {
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
    await this.#gen?.retire(graceMs)
    await this.#delivery.drain(graceMs)
    await this.#history?.close()
  }
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
