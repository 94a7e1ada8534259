import { EventEmitter } from 'node:events'
import { type AlertHub } from '../../src/alerts/index.ts'
import { type ParentChannel, type WorkerProcess } from '../../src/cluster/index.ts'
import { type LiveHttpSettings } from '../../src/config/settings.ts'
import { RELOAD_SUCCESS } from '../../src/geoip/index.ts'
import { DaemonStats } from '../../src/stats/index.ts'
import { type LocalProcess, type LocalReload } from '../../src/topology/index.ts'
import { type WebhookHookStats } from '../../src/webhooks/index.ts'

/**
 * The process a topology runs in, reduced to what a topology asks of it: real statistics, and
 * reloads that count themselves and succeed unless told otherwise.
 */
export class TestProcess implements LocalProcess {
  readonly stats = new DaemonStats({ defaultMetrics: false })
  reloads = 0
  geoipReloads = 0
  reloadResult: LocalReload = { ok: true, luaStates: 3 }
  geoipResult = RELOAD_SUCCESS
  readonly live: LiveHttpSettings[] = []
  readonly hooks: WebhookHookStats[]
  /** The alert hub, for a process that speaks for the daemon in tests that raise alerts. */
  alerts: AlertHub | null = null

  constructor (hookSuccesses = 0) {
    this.hooks = [{ id: 1, name: 'alerts', url: 'http://127.0.0.1:1/', successes: hookSuccesses, failures: 0, drops: 0 }]
    this.stats.registerCommand('report')
  }

  webhookStats (): WebhookHookStats[] { return this.hooks.map((h) => ({ ...h })) }

  async reloadHere (): Promise<LocalReload> {
    this.reloads++
    return this.reloadResult
  }

  async reloadGeoIPHere (): Promise<string> {
    this.geoipReloads++
    return this.geoipResult
  }

  applyLiveSettings (live: LiveHttpSettings): void { this.live.push(live) }

  /** wforceBlacklist{} requests decided in this process. */
  readonly blacklisted: unknown[] = []
  blacklistHere (input: unknown): { ok: boolean, reason: string } {
    this.blacklisted.push(input)
    return { ok: true, reason: `decided in the process with ${this.hooks[0].successes} hook successes` }
  }

  /** `n` accepted reports, as the report pipeline counts them. */
  report (n: number): void {
    for (let i = 0; i < n; i++) {
      this.stats.countReport(true)
      this.stats.countCommand('report')
    }
  }
}

/** What crosses a process boundary: node's IPC sends JSON, so nothing but plain data arrives. */
const overIpc = (message: unknown): unknown => JSON.parse(JSON.stringify(message)) as unknown

/** The worker's end of an in-process IPC channel pair (see IpcWorker). */
class IpcParent extends EventEmitter implements ParentChannel {
  connected = true
  readonly #worker: IpcWorker

  constructor (worker: IpcWorker) {
    super()
    this.#worker = worker
  }

  send = (message: unknown, _handle?: undefined, _options?: object, callback?: (error: Error | null) => void): boolean => {
    if (!this.connected) throw new Error('channel closed')
    const copy = overIpc(message)
    setImmediate(() => {
      this.#worker.emit('message', copy)
      callback?.(null)
    })
    return true
  }
}

/**
 * The primary's end of an in-process IPC channel pair, standing in for a forked worker process:
 * messages go across asynchronously and serialised, as over node:cluster's channel, and the
 * "process" exits when told to stop or killed.
 */
export class IpcWorker extends EventEmitter implements WorkerProcess {
  readonly parent: IpcParent
  readonly process: { readonly pid: number, kill: (signal: NodeJS.Signals) => boolean }
  #dead = false

  constructor (pid: number) {
    super()
    this.parent = new IpcParent(this)
    this.process = { pid, kill: (signal) => { this.exit(null, signal); return true } }
  }

  send (message: unknown): boolean {
    if (!this.parent.connected) throw new Error('channel closed')
    const copy = overIpc(message)
    setImmediate(() => { this.parent.emit('message', copy) })
    return true
  }

  isConnected (): boolean { return this.parent.connected }
  isDead (): boolean { return this.#dead }

  /** The worker process ends: its channel closes, then the primary sees it exit. */
  exit (code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#dead) return
    this.#dead = true
    this.parent.connected = false
    setImmediate(() => {
      this.parent.emit('disconnect')
      this.emit('exit', code, signal)
    })
  }
}
