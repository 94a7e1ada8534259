import { type Alert, type AlertInput, type AlertQuery } from '../alerts/index.ts'
import { CONFIG_RELOADED, type LiveHttpSettings } from '../config/settings.ts'
import { logger } from '../log/index.ts'
import { forkClusterWorker, type ForkWorker, type WorkerProcess as Worker } from './channel.ts'
import { type ProcessFigures } from './figures.ts'
import { PeerGoneError, PendingRequests, replyWhenDone, type Reply, type ToPrimary, type ToWorker } from './messages.ts'
import { TrackalertError } from '../errors.ts'

/** What the primary's own process offers its workers. */
export interface PrimaryHost {
  ownFigures (): Promise<ProcessFigures>
  /** The whole daemon's reload (this process first, then the workers through this link). */
  reload (): Promise<string>
  reloadGeoIP (): Promise<string>
  /** A worker's Lua called shutdown(). */
  requestShutdown (): void
  /** A worker's Lua called wforceBlacklist{}. */
  blacklist (input: unknown): Promise<{ ok: boolean, reason: string }>
  /** An alert raised in a worker, for the daemon's hub (in this process). */
  submitAlert (input: AlertInput): void
  queryAlerts (query: AlertQuery): Promise<Alert[]>
  eraseAlerts (login: string): Promise<number>
}

export interface ClusterPrimaryOptions {
  readonly workers: number
  readonly host: PrimaryHost
  /** Added to each worker's environment (e.g. the config path the primary resolved). */
  readonly env?: Readonly<Record<string, string>>
  /** How long a worker may take to answer a request (figures, reload). */
  readonly requestTimeoutMs?: number
  /** Delay before a worker that died is replaced. */
  readonly respawnDelayMs?: number
  /** How a worker process starts (node:cluster's fork unless given). */
  readonly fork?: ForkWorker
}

/**
 * A worker listens to the primary only once its config is loaded (it then says `ready`): until
 * then a request would be lost, so it is left out, and what it missed meanwhile it gets once ready.
 */
interface WorkerState {
  ready: boolean
  missedReload: boolean
  missedGeoIP: boolean
}

/**
 * The primary of a multi-process daemon: forks the HTTP-serving workers (they share the listening
 * sockets through node:cluster), replaces any that dies, and answers their requests for the other
 * processes' figures so that every view shows the daemon's totals.
 */
export class ClusterPrimary {
  readonly #options: ClusterPrimaryOptions
  readonly #workers = new Map<Worker, WorkerState>()
  readonly #requests: PendingRequests
  #stopping = false
  /** The console's last change to the REST settings since the last reload, for workers started later. */
  #live: LiveHttpSettings | null = null
  /** Where the workers listen (the first ready worker's bound addresses; they all share them). */
  listening: Array<{ address: string, tls: boolean }> = []

  constructor (options: ClusterPrimaryOptions) {
    this.#options = options
    this.#requests = new PendingRequests(options.requestTimeoutMs ?? 15_000)
  }

  get size (): number { return this.#workers.size }

  /** Forks every worker and resolves once all are serving; rejects as soon as one fails before that. */
  async start (): Promise<void> {
    try {
      await Promise.all(Array.from({ length: this.#options.workers }, () => this.#fork()))
    } catch (err) {
      await this.stop(2000)
      throw err
    }
  }

  #fork (): Promise<void> {
    // Workers must not talk to systemd: only the primary reports READY/STOPPING.
    const worker = (this.#options.fork ?? forkClusterWorker)({ ...this.#options.env, NOTIFY_SOCKET: '' })
    const state: WorkerState = { ready: false, missedReload: false, missedGeoIP: false }
    this.#workers.set(worker, state)
    const pid = String(worker.process.pid)
    return new Promise((resolve, reject) => {
      let failure: string | null = null
      worker.on('message', (msg: ToPrimary) => {
        if (msg.t === 'ready') {
          if (this.listening.length === 0) this.listening = msg.listening
          void this.#catchUp(worker, state)
            .catch((err: unknown) => logger.warn('a new worker process could not catch up with the daemon', { pid, error: err as Error }))
            .then(() => { state.ready = true; resolve() })
          return
        }
        if (msg.t === 'failed') {
          failure = `worker process ${pid}: ${msg.message}`
          reject(new TrackalertError('TA_ERR_CLUSTER', failure))
          return
        }
        this.#onMessage(worker, msg)
      })
      worker.on('exit', (code, signal) => {
        this.#workers.delete(worker)
        this.#requests.failTo(worker, `worker process ${pid} exited`)
        const how = signal !== null ? `signal ${signal}` : `code ${String(code)}`
        if (!state.ready) { reject(new TrackalertError('TA_ERR_CLUSTER', failure ?? `worker process ${pid} exited with ${how} before it was ready`)); return }
        if (this.#stopping) return
        logger.error('worker process died, starting a new one', { pid, exit: how })
        setTimeout(() => {
          if (this.#stopping) return
          this.#fork().catch((err: unknown) => logger.error('could not replace a worker process', { error: err as Error }))
        }, this.#options.respawnDelayMs ?? 1000).unref()
      })
    })
  }

  /** Replays to a worker that just became ready the reloads and console changes it was not asked for. */
  async #catchUp (worker: Worker, state: WorkerState): Promise<void> {
    let sent: LiveHttpSettings | null = null
    // Loops because another reload or console change may come while this one is sent.
    for (;;) {
      if (state.missedReload || state.missedGeoIP) {
        const t = state.missedReload ? 'reload' : 'reload-geoip'
        state.missedReload = false
        state.missedGeoIP = false
        await this.#request(worker, t)
        sent = null // a reload goes back to the file's settings
        continue
      }
      const live = this.#live
      if (live === null || live === sent) return
      await this.#send(worker, 'settings', (id) => ({ t: 'settings', id, live }))
      sent = live
    }
  }

  #onMessage (worker: Worker, msg: ToPrimary): void {
    const host = this.#options.host
    switch (msg.t) {
      case 'reply': this.#requests.settle(msg); return
      case 'shutdown': host.requestShutdown(); return
      case 'blacklist': this.#answer(worker, msg.id, host.blacklist(msg.input).then((blacklist) => ({ blacklist }))); return
      case 'alert': host.submitAlert(msg.input); return
      case 'alerts': this.#answer(worker, msg.id, host.queryAlerts(msg.query).then((alerts) => ({ alerts }))); return
      case 'erase-alerts': this.#answer(worker, msg.id, host.eraseAlerts(msg.login).then((removed) => ({ removed }))); return
      case 'collect':
        this.#answer(worker, msg.id, Promise.all([host.ownFigures(), this.#figures(worker)]).then(([own, others]) => ({ list: [own, ...others] })))
        return
      case 'reload':
        this.#answer(worker, msg.id, host.reload().then((text) => ({ text })))
        return
      case 'reload-geoip':
        this.#answer(worker, msg.id, host.reloadGeoIP().then(async (text) => {
          await this.#broadcast('reload-geoip', worker)
          return { text }
        }))
    }
  }

  #answer (worker: Worker, id: number, work: Promise<Omit<Reply, 't' | 'id'>>): void {
    replyWhenDone(id, work, (reply) => { if (worker.isConnected()) worker.send(reply) })
  }

  #request (worker: Worker, t: 'figures' | 'reload' | 'reload-geoip'): Promise<Reply> {
    return this.#send(worker, t, (id) => ({ t, id }))
  }

  #send (worker: Worker, what: string, message: (id: number) => ToWorker): Promise<Reply> {
    return this.#requests.request(`worker ${String(worker.process.pid)} ${what}`, (id) => { worker.send(message(id)) }, worker)
  }

  /** The workers ready and still connected, but `exclude` (the one asking, which counts or did its own part). */
  #serving (exclude?: Worker): Worker[] {
    return [...this.#workers].filter(([w, s]) => s.ready && w !== exclude && w.isConnected()).map(([w]) => w)
  }

  /** Every serving worker's figures except `exclude`'s; one that exits meanwhile is left out too. */
  async #figures (exclude?: Worker): Promise<ProcessFigures[]> {
    const settled = await Promise.allSettled(this.#serving(exclude).map((w) => this.#request(w, 'figures')))
    const out: ProcessFigures[] = []
    for (const r of settled) {
      if (r.status === 'fulfilled') out.push(r.value.figures as ProcessFigures)
      else if (!(r.reason instanceof PeerGoneError)) throw r.reason
    }
    return out
  }

  async #broadcast (t: 'reload' | 'reload-geoip', exclude?: Worker): Promise<string[]> {
    for (const s of this.#workers.values()) {
      if (s.ready) continue
      if (t === 'reload') s.missedReload = true
      else s.missedGeoIP = true
    }
    const replies = await Promise.all(this.#serving(exclude).map((w) => this.#request(w, t)))
    return replies.map((r) => r.text ?? '')
  }

  collect (): Promise<ProcessFigures[]> { return this.#figures() }

  async reloadConfig (): Promise<string> {
    this.#live = null // the primary reloaded first: the console's changes are gone everywhere
    const texts = await this.#broadcast('reload')
    return texts.find((t) => t !== CONFIG_RELOADED) ?? CONFIG_RELOADED
  }

  async reloadGeoIPElsewhere (): Promise<void> { await this.#broadcast('reload-geoip') }

  async pushLiveSettings (live: LiveHttpSettings): Promise<void> {
    this.#live = live
    await Promise.all(this.#serving().map((w) => this.#send(w, 'settings', (id) => ({ t: 'settings', id, live }))))
  }

  /** Asks every worker to finish its requests and exit; kills those still running after `graceMs`. */
  async stop (graceMs: number): Promise<void> {
    this.#stopping = true
    const exits = [...this.#workers].map(([w, state]) => new Promise<void>((resolve) => {
      if (w.isDead()) { resolve(); return }
      w.once('exit', () => resolve())
      const timer = setTimeout(() => {
        logger.warn('worker process did not stop in time, killing it', { pid: w.process.pid })
        w.process.kill('SIGKILL')
      }, graceMs + 2000)
      timer.unref()
      w.once('exit', () => clearTimeout(timer))
      // A worker still starting would never read the message; it has no SIGTERM handler yet either,
      // so the signal ends it at once.
      if (state.ready && w.isConnected()) w.send({ t: 'stop' } satisfies ToWorker)
      else w.process.kill('SIGTERM')
    }))
    await Promise.all(exits)
    this.#requests.failAll('daemon stopping')
  }
}
