import type { Transporter } from 'nodemailer'
import { lazyImport } from '../lazy-import.ts'
import { logger } from '../log/index.ts'
import { buildTlsConnectOptions, DeliveryQueue, type AttemptOutcome, type DeliveryEnd, type DeliveryPolicy, type DeliveryRetry, type DeliveryTimers, type EnqueueResult, type OutboundTlsSettings } from '../outbound/index.ts'
import { type LuaLibraryCounters } from './counters.ts'
import { MAIL_DEFAULTS, type MailMessage, type MailRelaySettings } from './mail-types.ts'

/** A relay as one configuration defines it: setMailRelay{...} plus the outbound TLS settings. */
export interface MailRelay {
  readonly settings: MailRelaySettings
  readonly tls: OutboundTlsSettings
}

interface MailJob {
  readonly message: MailMessage
  /** The relay of the configuration that queued the mail; used when the current one has none. */
  readonly relay: MailRelay
  /** Told how the delivery ended (the alert outbox waits for it). */
  readonly done: ((end: DeliveryEnd) => void) | undefined
}

const loadNodemailer = lazyImport(() => import('nodemailer'))

function mailPolicy (s: Pick<MailRelaySettings, 'queueSize' | 'connections' | 'attempts' | 'retryDelayMs' | 'retryMaxMs'>): DeliveryPolicy {
  return {
    limit: s.queueSize,
    limitIncludesInFlight: true,
    concurrency: s.connections,
    maxAttempts: s.attempts,
    maxAgeMs: Infinity,
    retryBaseDelayMs: s.retryDelayMs,
    retryMaxDelayMs: s.retryMaxMs
  }
}

export interface MailDeliveryOptions {
  readonly random?: () => number
  readonly timers?: DeliveryTimers
}

/**
 * Mail delivery for the whole process, kept across configuration reloads: one bounded queue, a
 * few SMTP connections (a nodemailer pool) per relay in use. Temporary failures (4xx replies,
 * network trouble) are retried with backoff, permanent ones (5xx replies) are not. A queued mail
 * goes out through the relay of the current configuration; when a reload removed setMailRelay, through
 * the relay it was queued for. A full queue drops new mail and counts it.
 */
export class MailDelivery {
  #current: MailRelay | null = null
  readonly #transports = new Map<string, Promise<Transporter>>()
  readonly #queue: DeliveryQueue<MailJob>
  readonly #counters: LuaLibraryCounters
  #closing: Promise<void> | null = null

  constructor (counters: LuaLibraryCounters, options: MailDeliveryOptions = {}) {
    this.#counters = counters
    this.#queue = new DeliveryQueue<MailJob>({
      attempt: (job) => this.#attempt(job),
      settle: (job, end, detail, attempts) => this.#settle(job, end, detail, attempts),
      retrying: (job, attempts, delayMs, detail) => {
        this.#counters.mailRetries++
        logger.info('mail delivery failed, will retry', { to: job.message.to.join(','), attempt: attempts, delayMs: Math.round(delayMs), error: detail })
      }
    }, mailPolicy(MAIL_DEFAULTS), options)
  }

  get current (): MailRelay | null { return this.#current }
  get closed (): boolean { return this.#queue.closed }
  /** Mails not delivered yet: waiting, backing off before a retry, or being sent. */
  get size (): number { return this.#queue.size }

  /**
   * Makes a configuration's relay current (null: it defines none, and queued mails keep theirs).
   * Pools of relays no longer current close once idle.
   */
  activate (relay: MailRelay | null): void {
    this.#current = relay
    if (relay === null) return
    this.#queue.configure(mailPolicy(relay.settings))
    const keep = relayKey(relay)
    for (const [key, transport] of this.#transports) {
      if (key === keep) continue
      this.#transports.delete(key)
      // Mails being sent on the old pool finish there; nodemailer closes a pool once it is idle.
      void transport.then((t) => t.close()).catch(() => {})
    }
  }

  /** Queues a mail; counts it, or counts and logs the drop. `done` and `retry`: as WebhookDelivery.enqueue's. */
  enqueue (message: MailMessage, relay: MailRelay, done?: (end: DeliveryEnd) => void, retry?: DeliveryRetry): EnqueueResult {
    const result = this.#queue.enqueue({ message, relay, done }, retry)
    if (result === 'queued') {
      this.#counters.mailQueued++
    } else {
      if (result === 'closed') done?.('abandoned')
      this.#counters.mailDropped++
      logger.warn(result === 'closed' ? 'mail dropped: shutting down' : 'mail dropped: queue full', { to: message.to.join(','), queueSize: this.#queue.policy.limit })
    }
    return result
  }

  whenIdle (): Promise<void> { return this.#queue.whenIdle() }

  /**
   * Stops accepting mail, lets the queue drain for up to `graceMs` (retries left are tried at once),
   * then drops what is left, counting it, and closes the connections. Idempotent.
   */
  close (graceMs = 10000): Promise<void> {
    this.#closing ??= (async () => {
      const { abandoned } = await this.#queue.drain(graceMs)
      if (abandoned.length > 0) logger.warn('mails dropped at shutdown', { count: abandoned.length })
      const transports = [...this.#transports.values()]
      this.#transports.clear()
      for (const t of transports) void t.then((x) => x.close()).catch(() => {})
    })()
    return this.#closing
  }

  async #attempt (job: MailJob): Promise<AttemptOutcome> {
    const relay = this.#current ?? job.relay
    const m = job.message
    try {
      await (await this.#transport(relay)).sendMail({
        from: m.from ?? relay.settings.from,
        to: [...m.to],
        cc: m.cc === undefined ? undefined : [...m.cc],
        bcc: m.bcc === undefined ? undefined : [...m.bcc],
        replyTo: m.replyTo,
        subject: m.subject,
        text: m.text,
        html: m.html,
        headers: m.headers
      })
      return { ok: true, retryable: false, detail: '', retryAfterMs: undefined }
    } catch (err) {
      const e = err as Error & { responseCode?: number }
      const permanent = e.responseCode !== undefined && e.responseCode >= 500
      return { ok: false, retryable: !permanent, detail: e.message, retryAfterMs: undefined }
    }
  }

  #settle (job: MailJob, end: DeliveryEnd, detail: string, attempts: number): void {
    if (end === 'delivered') {
      this.#counters.mailSent++
    } else if (end === 'abandoned') {
      this.#counters.mailDropped++
    } else {
      this.#counters.mailFailed++
      logger.error('mail delivery failed', { to: job.message.to.join(','), attempts, error: detail })
    }
    try { job.done?.(end) } catch (err) { logger.error('mail completion callback failed', { error: err as Error }) }
  }

  #transport (relay: MailRelay): Promise<Transporter> {
    const key = relayKey(relay)
    let transport = this.#transports.get(key)
    if (transport === undefined) {
      transport = createTransport(relay)
      this.#transports.set(key, transport)
      // A failed creation (bad TLS file) fails this attempt; the next one tries again.
      transport.catch(() => { if (this.#transports.get(key) === transport) this.#transports.delete(key) })
    }
    return transport
  }
}

function relayKey (relay: MailRelay): string {
  return JSON.stringify(relay)
}

async function createTransport ({ settings, tls }: MailRelay): Promise<Transporter> {
  const nodemailer = (await loadNodemailer()).default
  return nodemailer.createTransport({
    pool: true,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.starttls === true,
    ignoreTLS: settings.starttls === false,
    auth: settings.user === undefined ? undefined : { user: settings.user, pass: settings.password ?? '' },
    maxConnections: settings.connections,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    tls: buildTlsConnectOptions(tls)
  })
}
