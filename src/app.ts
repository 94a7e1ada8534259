import { ConsoleServer } from './console/index.ts'
import { ConsoleBuffer, ConsoleExecutor } from './console-session.ts'
import { DeviceParser } from './device/index.ts'
import { Generation, type GenerationOptions, type SharedServices } from './generation.ts'
import { HttpFrontend } from './http/server.ts'
import { logger } from './log/index.ts'
import { type ApiModule } from './lua/api/index.ts'
import { systemClock, type Clock } from './report/pipeline.ts'
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
}

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
  readonly #console: ConsoleExecutor
  #gen: Generation | null = null
  #consoleServer: ConsoleServer | null = null
  #ready = false
  #closing: Promise<void> | null = null
  #reloading: Promise<string> | null = null
  #periodic: PeriodicStatsLogger | null = null
  /** shutdown() ran while the config loaded: start() must not open listeners. */
  #stopRequested = false

  private constructor (options: AppOptions) {
    this.#options = options
    this.devices = new DeviceParser({ regexesFile: options.regexesFile, onCacheLookup: (hit) => this.stats.countDeviceCache(hit) })
    this.http = new HttpFrontend(() => this.current.settings, {
      stats: this.stats,
      current: () => this.current,
      maxBody: () => this.current.settings.maxBodyBytes,
      isReady: () => this.#ready
    })
    this.#console = new ConsoleExecutor(this.#buffer, () => this.current.configState)
  }

  static async start (options: AppOptions): Promise<App> {
    const app = new App(options)
    app.#gen = await Generation.load(app.#generationOptions(), app.#shared())
    if (!app.#stopRequested) await app.#open()
    return app
  }

  /** The generation serving requests now. */
  get current (): Generation {
    if (this.#gen === null) throw new Error('configuration not loaded')
    return this.#gen
  }

  get ready (): boolean { return this.#ready }

  /** True once Lua called shutdown(); when that happened during start(), nothing was opened. */
  get stopRequested (): boolean { return this.#stopRequested }

  /** Runs one console line in the config state (console socket and foreground console). */
  runConsoleLine (line: string): Promise<string> { return this.#console.execute(line) }

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
      requestShutdown: () => {
        this.#stopRequested = true
        if (this.#options.onShutdownRequest !== undefined) this.#options.onShutdownRequest()
        else void this.close()
      },
      reloadConfig: () => this.reload()
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
    gen.start()
    if (settings.listeners.length === 0) logger.warn('no listeners configured (addListener): the REST API is not reachable')
    await this.http.listen(settings.listeners)
    if (settings.controlSocket !== null) {
      if (settings.consoleKey === null) logger.warn('controlSocket() without setKey(): consoles cannot connect until a key is set')
      this.#consoleServer = new ConsoleServer({ key: () => this.current.settings.consoleKey ?? undefined, execute: (line) => this.runConsoleLine(line) })
      await this.#consoleServer.listen(settings.controlSocket.host, settings.controlSocket.port)
    }
    settings.started = true
    this.#periodic = stats.createPeriodicLogger()
    this.#periodic.start()
    this.#ready = true
    logger.notice('trackalert ready', { luaStates: gen.pool.size, listeners: settings.listeners.length })
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
      const old = this.current
      let next: Generation
      try {
        next = await Generation.load(this.#generationOptions(), this.#shared())
      } catch (err) {
        const message = `reload failed, still running the previous configuration: ${(err as Error).message}`
        logger.error(message)
        return message
      }
      const restartOnly = describeRestartOnly(old, next)
      next.settings.started = true
      this.http.setCustomEndpoints(next.settings.customEndpoints)
      next.start()
      this.#gen = next
      void old.retire(10_000).catch((err: unknown) => logger.error('retiring the previous configuration failed', { error: err as Error }))
      if (restartOnly.length > 0) logger.warn('reloaded, but these settings only change at restart', { settings: restartOnly.join(', ') })
      logger.notice('configuration reloaded', { luaStates: next.pool.size })
      return 'reloadConfig() successful'
    } finally {
      this.#options.onReloadEnd?.()
    }
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
  return out
}
