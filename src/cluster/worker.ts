import { type Alert, type AlertInput, type AlertQuery } from '../alerts/index.ts'
import { type LiveHttpSettings } from '../config/settings.ts'
import { logger } from '../log/index.ts'
import { type ParentChannel } from './channel.ts'
import { type ProcessFigures } from './figures.ts'
import { PendingRequests, replyWhenDone, type Reply, type ToPrimary, type ToWorker } from './messages.ts'
import { TrackalertError } from '../errors.ts'

/** What a worker process offers the primary. */
export interface WorkerHost {
  ownFigures (): Promise<ProcessFigures>
  reloadLocal (): Promise<string>
  reloadGeoIP (): Promise<string>
  applyLiveSettings (live: LiveHttpSettings): void
  /** The primary asked this worker to stop, or went away. */
  stop (): void
}

/** A worker's side of the IPC channel to the primary (see ClusterPrimary). */
export class ClusterWorkerLink {
  readonly #host: WorkerHost
  readonly #parent: ParentChannel
  readonly #requests: PendingRequests
  readonly #onMessage = (msg: ToWorker): void => { this.#handle(msg) }
  readonly #onDisconnect = (): void => {
    logger.warn('the primary process went away; this worker stops')
    this.#requests.failAll('the primary process went away')
    this.#host.stop()
  }

  /** `parent` is the IPC channel to the primary: this process's own unless given (the unit tests). */
  constructor (host: WorkerHost, requestTimeoutMs = 15_000, parent: ParentChannel = process) {
    this.#host = host
    this.#parent = parent
    this.#requests = new PendingRequests(requestTimeoutMs)
  }

  /**
   * Starts listening to the primary, before this worker's listeners open: a request served then may
   * already ask the primary for the other processes' figures, and the answer must not be lost.
   */
  connect (): void {
    this.#parent.on('message', this.#onMessage)
    this.#parent.on('disconnect', this.#onDisconnect)
  }

  /** Tells the primary this worker serves, and where: from now on it is asked for its figures. */
  announceReady (listening: Array<{ address: string, tls: boolean }>): void {
    this.#send({ t: 'ready', listening })
  }

  detach (): void {
    this.#parent.off('message', this.#onMessage)
    this.#parent.off('disconnect', this.#onDisconnect)
  }

  /**
   * Before this worker is ready: hands the primary the reason it cannot start, so the primary's
   * log and exit say it. Resolves false when there is no primary to tell.
   */
  static reportStartupFailure (message: string, parent: ParentChannel = process): Promise<boolean> {
    return new Promise((resolve) => {
      if (parent.send === undefined || !parent.connected) { resolve(false); return }
      parent.send({ t: 'failed', message } satisfies ToPrimary, undefined, {}, (err) => { resolve(err === null) })
    })
  }

  #send (msg: ToPrimary): void {
    if (this.#parent.send !== undefined && this.#parent.connected) this.#parent.send(msg)
  }

  #handle (msg: ToWorker): void {
    const host = this.#host
    switch (msg.t) {
      case 'reply': this.#requests.settle(msg); return
      case 'stop': host.stop(); return
      case 'figures': this.#answer(msg.id, host.ownFigures().then((figures) => ({ figures }))); return
      case 'reload': this.#answer(msg.id, host.reloadLocal().then((text) => ({ text }))); return
      case 'reload-geoip': this.#answer(msg.id, host.reloadGeoIP().then((text) => ({ text }))); return
      case 'settings':
        host.applyLiveSettings(msg.live)
        this.#answer(msg.id, Promise.resolve({}))
    }
  }

  #answer (id: number, work: Promise<Omit<Reply, 't' | 'id'>>): void {
    replyWhenDone(id, work, (reply) => { this.#send(reply) })
  }

  #request (t: 'collect' | 'reload' | 'reload-geoip' | 'blacklist', input?: unknown): Promise<Reply> {
    return this.#requests.request(`primary ${t}`, (id) => {
      if (this.#parent.send === undefined || !this.#parent.connected) throw new TrackalertError('TA_ERR_CLUSTER', 'not connected to the primary process')
      this.#parent.send((t === 'blacklist' ? { t, id, input } : { t, id }) satisfies ToPrimary)
    })
  }

  async collect (): Promise<ProcessFigures[]> { return (await this.#request('collect')).list ?? [] }
  async reloadConfig (): Promise<string> { return (await this.#request('reload')).text ?? '' }
  async reloadGeoIPElsewhere (): Promise<void> { await this.#request('reload-geoip') }
  requestShutdown (): void { this.#send({ t: 'shutdown' }) }
  async blacklist (input: unknown): Promise<{ ok: boolean, reason: string }> {
    return (await this.#request('blacklist', input)).blacklist ?? { ok: false, reason: 'no answer from the primary process' }
  }

  /** Fire and forget, as raiseAlert is: the hub in the primary logs what it cannot accept. */
  submitAlert (input: AlertInput): void { this.#send({ t: 'alert', input }) }

  async queryAlerts (query: AlertQuery): Promise<Alert[]> {
    const reply = await this.#requests.request('primary alerts', (id) => {
      if (this.#parent.send === undefined || !this.#parent.connected) throw new TrackalertError('TA_ERR_CLUSTER', 'not connected to the primary process')
      this.#parent.send({ t: 'alerts', id, query } satisfies ToPrimary)
    })
    return reply.alerts ?? []
  }

  async eraseAlerts (login: string): Promise<number> {
    const reply = await this.#requests.request('primary erase alerts', (id) => {
      if (this.#parent.send === undefined || !this.#parent.connected) throw new TrackalertError('TA_ERR_CLUSTER', 'not connected to the primary process')
      this.#parent.send({ t: 'erase-alerts', id, login } satisfies ToPrimary)
    })
    return reply.removed ?? 0
  }
}
