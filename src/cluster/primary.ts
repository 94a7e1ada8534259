import cluster, { type Worker } from 'node:cluster'
import { type LiveHttpSettings } from '../config/settings.ts'
import { logger } from '../log/index.ts'
import { CONFIG_RELOADED, type PrimaryLink, type ProcessFigures } from './figures.ts'
import { PendingRequests, replyWhenDone, type Reply, type ToPrimary, type ToWorker } from './messages.ts'

/** What the primary's own process offers its workers. */
export interface PrimaryHost {
  ownFigures (): Promise<ProcessFigures>
  /** The whole daemon's reload (this process first, then the workers through this link). */
  reload (): Promise<string>
  reloadGeoIP (): Promise<string>
  /** A worker's Lua called shutdown(). */
  requestShutdown (): void
}

export interface ClusterPrimaryOptions {
  readonly workers: number
  readonly host: PrimaryHost
  /** How long a worker may take to answer a request (figures, reload). */
  readonly requestTimeoutMs?: number
  /** Delay before a worker that died is replaced. */
  readonly respawnDelayMs?: number
}

/**
 * The primary of a multi-process daemon: forks the HTTP-serving workers (they share the listening
 * sockets through node:cluster), replaces any that dies, and answers their requests for the other
 * processes' figures so that every view shows the daemon's totals.
 */
export class ClusterPrimary implements PrimaryLink {
  readonly #options: ClusterPrimaryOptions
  readonly #workers = new Set<Worker>()
  readonly #requests: PendingRequests
  #stopping = false
  /** Where the workers listen (the first ready worker's bound addresses; they all share them). */
  listening: Array<{ address: string, tls: boolean }> = []

  constructor (options: ClusterPrimaryOptions) {
    this.#options = options
    this.#requests = new PendingRequests(options.requestTimeoutMs ?? 15_000)
  }

  get size (): number { return this.#workers.size }

  /** Forks every worker and resolves once all are serving; rejects if one dies before that. */
  async start (): Promise<void> {
    const started = Array.from({ length: this.#options.workers }, () => this.#fork())
    const results = await Promise.allSettled(started)
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed !== undefined) {
      await this.stop(2000)
      throw failed.reason
    }
  }

  #fork (): Promise<void> {
    // Workers must not talk to systemd: only the primary reports READY/STOPPING.
    const worker = cluster.fork({ NOTIFY_SOCKET: '' })
    this.#workers.add(worker)
    return new Promise((resolve, reject) => {
      let ready = false
      worker.on('message', (msg: ToPrimary) => {
        if (msg.t === 'ready') {
          ready = true
          if (this.listening.length === 0) this.listening = msg.listening
          resolve()
          return
        }
        this.#onMessage(worker, msg)
      })
      worker.on('exit', (code, signal) => {
        this.#workers.delete(worker)
        const how = signal !== null ? `signal ${signal}` : `code ${String(code)}`
        if (!ready) { reject(new Error(`a worker process exited with ${how} before it was ready`)); return }
        if (this.#stopping) return
        logger.error('worker process died, starting a new one', { pid: worker.process.pid, exit: how })
        setTimeout(() => {
          if (this.#stopping) return
          this.#fork().catch((err: unknown) => logger.error('could not replace a worker process', { error: err as Error }))
        }, this.#options.respawnDelayMs ?? 1000).unref()
      })
    })
  }

  #onMessage (worker: Worker, msg: ToPrimary): void {
    const host = this.#options.host
    switch (msg.t) {
      case 'reply': this.#requests.settle(msg); return
      case 'shutdown': host.requestShutdown(); return
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
    return this.#requests.request(`worker ${String(worker.process.pid)} ${what}`, (id) => { worker.send(message(id)) })
  }

  /** The workers still connected, but `exclude` (the one asking, which counts or did its own part). */
  #connected (exclude?: Worker): Worker[] {
    return [...this.#workers].filter((w) => w !== exclude && w.isConnected())
  }

  /** Every worker's figures except `exclude`'s. */
  async #figures (exclude?: Worker): Promise<ProcessFigures[]> {
    const replies = await Promise.all(this.#connected(exclude).map((w) => this.#request(w, 'figures')))
    return replies.map((r) => r.figures as ProcessFigures)
  }

  async #broadcast (t: 'reload' | 'reload-geoip', exclude?: Worker): Promise<string[]> {
    const replies = await Promise.all(this.#connected(exclude).map((w) => this.#request(w, t)))
    return replies.map((r) => r.text ?? '')
  }

  collect (): Promise<ProcessFigures[]> { return this.#figures() }

  async reloadConfig (): Promise<string> {
    const texts = await this.#broadcast('reload')
    return texts.find((t) => t !== CONFIG_RELOADED) ?? CONFIG_RELOADED
  }

  async reloadGeoIPElsewhere (): Promise<void> { await this.#broadcast('reload-geoip') }

  async pushLiveSettings (live: LiveHttpSettings): Promise<void> {
    await Promise.all(this.#connected().map((w) => this.#send(w, 'settings', (id) => ({ t: 'settings', id, live }))))
  }

  requestShutdown (): void { this.#options.host.requestShutdown() }

  /** Asks every worker to finish its requests and exit; kills those still running after `graceMs`. */
  async stop (graceMs: number): Promise<void> {
    this.#stopping = true
    const exits = [...this.#workers].map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) { resolve(); return }
      w.once('exit', () => resolve())
      const timer = setTimeout(() => {
        logger.warn('worker process did not stop in time, killing it', { pid: w.process.pid })
        w.process.kill('SIGKILL')
      }, graceMs + 2000)
      timer.unref()
      w.once('exit', () => clearTimeout(timer))
      if (w.isConnected()) w.send({ t: 'stop' } satisfies ToWorker)
      else w.process.kill('SIGTERM')
    }))
    await Promise.all(exits)
    this.#requests.failAll('daemon stopping')
  }
}
