import { buildTlsConnectOptions, defaultTlsSettings, type DeliveryEnd, type DeliveryRetry, type OutboundTlsSettings } from '../outbound/index.ts'
import { type LuaLibraryCounters } from './counters.ts'
import { MailDelivery, type MailRelay } from './mail-delivery.ts'
import { type MailMessage, type MailRelaySettings } from './mail-types.ts'
import { TrackalertError } from '../errors.ts'

export { MAIL_DEFAULTS, type MailMessage, type MailRelaySettings } from './mail-types.ts'

export interface MailQueueOptions {
  readonly random?: () => number
  /** The process's mail delivery; without it the queue makes its own (a standalone library, as in tests). */
  readonly delivery?: MailDelivery
}

/**
 * sendMail's side of one configuration load: the relay setMailRelay defined and the outbound TLS
 * settings. Mails go to the process's MailDelivery, which outlives this configuration; activate()
 * makes this relay the one queued mails go out through.
 */
export class MailQueue {
  #settings: MailRelaySettings | null = null
  #tls: OutboundTlsSettings = defaultTlsSettings()
  readonly #delivery: MailDelivery
  /** A standalone queue applies its relay at once and drains its delivery on close(). */
  readonly #ownsDelivery: boolean

  constructor (counters: LuaLibraryCounters, options: MailQueueOptions = {}) {
    this.#ownsDelivery = options.delivery === undefined
    this.#delivery = options.delivery ?? new MailDelivery(counters, { random: options.random })
  }

  get configured (): boolean { return this.#settings !== null }
  get closed (): boolean { return this.#delivery.closed }
  get settings (): MailRelaySettings | null { return this.#settings }

  /** Mails not delivered yet in this process: waiting, backing off before a retry, or being sent. */
  get size (): number { return this.#delivery.size }

  configure (settings: MailRelaySettings): void {
    this.#settings = settings
    if (this.#ownsDelivery) this.activate()
  }

  setOutboundTls (tls: OutboundTlsSettings): void {
    buildTlsConnectOptions(tls)
    this.#tls = { ...tls }
    if (this.#ownsDelivery && this.#settings !== null) this.activate()
  }

  /** Makes this configuration's relay (or its lack of one) current for every queued mail. */
  activate (): void {
    this.#delivery.activate(this.#relay())
  }

  /** Queues a mail; false when it was dropped (queue full or shutting down). `done` hears how it ended; `retry` overrides the relay's retry limits. */
  enqueue (message: MailMessage, done?: (end: DeliveryEnd) => void, retry?: DeliveryRetry): boolean {
    const relay = this.#relay()
    if (relay === null) throw new TrackalertError('TA_ERR_OUTBOUND', 'no mail relay configured (setMailRelay{host = ...})')
    return this.#delivery.enqueue(message, relay, done, retry) === 'queued'
  }

  /** Resolves when nothing is queued, backing off or being sent. */
  whenIdle (): Promise<void> { return this.#delivery.whenIdle() }

  /**
   * A standalone queue stops accepting mail and drains for up to `graceMs` (see MailDelivery.close).
   * The process's delivery is left alone: it outlives this configuration and drains at shutdown.
   */
  async close (graceMs = 10000): Promise<void> {
    if (this.#ownsDelivery) await this.#delivery.close(graceMs)
  }

  #relay (): MailRelay | null {
    return this.#settings === null ? null : { settings: this.#settings, tls: this.#tls }
  }
}
