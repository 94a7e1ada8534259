import { DaemonSettings } from './config/settings.ts'
import { TrackalertError } from './errors.ts'
import { HttpFrontend } from './http/server.ts'
import { logger } from './log/index.ts'
import { type ApiModule, type HostServices } from './lua/api/index.ts'
import { LuaDispatcher } from './lua/dispatcher.ts'
import { LuaScriptError } from './lua/lua-error.ts'
import { LuaStatePool } from './lua/pool.ts'
import { LuaRuntime, runConfigFile } from './lua/runtime.ts'
import { type LuaState } from './lua/state.ts'
import { ReportPipeline, systemClock, type Clock } from './report/pipeline.ts'
import { DaemonStats, type PeriodicStatsLogger } from './stats/index.ts'

export interface AppOptions {
  /** Absolute path of trackalert.conf. */
  readonly configFile: string
  /** How the file is named in error messages (the path as the operator gave it). */
  readonly configName: string
  readonly clock?: Clock
  /** Called when Lua asks for shutdown(); the CLI decides how the process ends. */
  readonly onShutdownRequest?: () => void
  readonly extraApiModules?: readonly ApiModule[]
}

/**
 * The composition root: builds the services, runs the configuration in the config state and in
 * every report state, then opens the listeners. close() is idempotent.
 */
export class App {
  readonly settings = new DaemonSettings()
  readonly stats: DaemonStats
  readonly runtime: LuaRuntime
  readonly configState: LuaState
  readonly pool: LuaStatePool
  readonly dispatcher: LuaDispatcher
  readonly pipeline: ReportPipeline
  readonly http: HttpFrontend
  #ready = false
  #closing: Promise<void> | null = null
  #periodic: PeriodicStatsLogger | null = null

  private constructor (parts: { stats: DaemonStats, runtime: LuaRuntime, configState: LuaState, settings: DaemonSettings, pool: LuaStatePool, clock: Clock }) {
    this.settings = parts.settings
    this.stats = parts.stats
    this.runtime = parts.runtime
    this.configState = parts.configState
    this.pool = parts.pool
    this.dispatcher = new LuaDispatcher(this.pool, this.stats)
    this.pipeline = new ReportPipeline(this.runtime.lua, this.dispatcher, this.stats, parts.clock)
    this.http = new HttpFrontend(this.settings, {
      stats: this.stats,
      pipeline: this.pipeline,
      dispatcher: this.dispatcher,
      lua: this.runtime.lua,
      maxBody: () => this.settings.maxBodyBytes,
      isReady: () => this.#ready
    })
  }

  get ready (): boolean { return this.#ready }

  static async start (options: AppOptions): Promise<App> {
    const settings = new DaemonSettings()
    const stats = new DaemonStats()
    let app: App | null = null
    const services: HostServices = {
      settings,
      stats,
      requestShutdown: () => {
        if (options.onShutdownRequest !== undefined) options.onShutdownRequest()
        else void app?.close()
      }
    }
    const runtime = await LuaRuntime.create(services, options.extraApiModules ?? [])
    const configState = runtime.createState('config', 0, settings.luaTimeLimitMs)
    await loadConfig(configState, options)
    for (const name of ['report', 'stats', 'readyz', 'livez', ...settings.customEndpoints]) stats.registerCommand(name)
    const states: LuaState[] = []
    for (let i = 1; i <= settings.numLuaStates; i++) {
      const state = runtime.createState('report', i, settings.luaTimeLimitMs)
      await loadConfig(state, options)
      states.push(state)
    }
    configState.timeLimitMs = settings.luaTimeLimitMs
    app = new App({ stats, runtime, configState, settings, pool: new LuaStatePool(states), clock: options.clock ?? systemClock })
    await app.#open()
    return app
  }

  async #open (): Promise<void> {
    const { settings, stats } = this
    if (!settings.reportDefined) logger.warn('no report function set (setReport): reports are accepted and only counted')
    this.pipeline.hasReport = settings.reportDefined
    this.http.setCustomEndpoints(settings.customEndpoints)
    stats.setGaugeSource('active_http_connections', () => this.http.activeConnections)
    stats.setGaugeSource('web_queue_size', () => this.pool.queued)
    stats.setGaugeSource('lua_states_busy', () => this.pool.busy)
    if (settings.listeners.length === 0) logger.warn('no listeners configured (addListener): the REST API is not reachable')
    await this.http.listen(settings.listeners)
    settings.started = true
    this.#periodic = stats.createPeriodicLogger()
    this.#periodic.start()
    this.#ready = true
    logger.notice('trackalert ready', { luaStates: this.pool.size, listeners: settings.listeners.length })
  }

  /** Graceful stop: no new connections, in-flight requests finish (bounded by `graceMs`). */
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
  }
}

async function loadConfig (state: LuaState, options: AppOptions): Promise<void> {
  try {
    await runConfigFile(state, options.configFile, options.configName)
  } catch (err) {
    const detail = err instanceof LuaScriptError ? err.message : (err as Error).message
    throw new TrackalertError('TA_ERR_CONFIG_LOAD', `error loading configuration: ${detail}`, { cause: err })
  }
}
