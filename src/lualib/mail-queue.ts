import type { Transporter } from 'nodemailer'
import { lazyImport } from '../lazy-import.ts'
import { logger } from '../log/index.ts'
import { backoffDelay, buildTlsConnectOptions, defaultTlsSettings, type OutboundTlsSettings } from '../webhooks/index.ts'
import { type LuaLibraryCounters } from './counters.ts'

/** setMailRelay{...}; durations in milliseconds. */
export interface MailRelaySettings {
  readonly host: string
  readonly port: number
  /** TLS from the first byte (SMTPS, usually port 465). */
  readonly secure: boolean
  /** true: STARTTLS required; false: never STARTTLS; undefined: STARTTLS when offered. */
  readonly starttls?: boolean
  readonly user?: string
  readonly password?: string
  /** Default From address. */
  readonly from?: string
  /** Bound on each SMTP step (connect, greeting, every command). */
  readonly timeoutMs: number
  /** Mails accepted but not yet delivered (waiting, retrying or being sent); beyond it sendMail drops. */
  readonly queueSize: number
  /** Delivery attempts per mail, the first included. */
  readonly attempts: number
  /** SMTP connections kept to the relay: at most this many mails are sent at once. */
  readonly connections: number
  /** First retry delay; doubles per attempt (with jitter), capped at retryMaxMs. */
  readonly retryDelayMs: number
  readonly retryMaxMs: number
}

const loadNodemailer = lazyImport(() => import('nodemailer'))

export const MAIL_DEFAULTS = {
  port: 25, secure: false, timeoutMs: 10000, queueSize: 1000, attempts: 3, connections: 2, retryDelayMs: 2000, retryMaxMs: 60000
} as const

export interface MailMessage {
  readonly to: readonly string[]
  readonly cc?: readonly string[]
  readonly bcc?: readonly string[]
  readonly subject: string
  readonly text?: string
  readonly html?: string
  readonly from?: string
  readonly replyTo?: string
  readonly headers?: Record<string, string>
}

interface Job {
  readonly message: MailMessage
  attempts: number
}

export interface MailQueueOptions {
  readonly random?: () => number
}

/**
 * Mail delivery off the Lua call path: sendMail queues and returns; a few SMTP connections (a
 * nodemailer pool) work the queue; temporary failures (4xx replies, network trouble) are retried
 * with backoff, permanent ones (5xx replies) are not. The queue is bounded: a full queue drops new
 * mail and counts it, so a dead relay cannot eat the daemon's memory.
 */
export class MailQueue {
  #settings: MailRelaySettings | null = null
  #tls: OutboundTlsSettings = defaultTlsSettings()
  #transport: Transporter | null = null
  readonly #ready: Job[] = []
  readonly #timers = new Map<NodeJS.Timeout, Job>()
  #sending = 0
  #closed = false
  readonly #counters: LuaLibraryCounters
  readonly #random: () => number
  readonly #idle: Array<() => void> = []

  constructor (counters: LuaLibraryCounters, options: MailQueueOptions = {}) {
    this.#counters = counters
    this.#random = options.random ?? Math.random
  }

  get configured (): boolean { return this.#settings !== null }
  get closed (): boolean { return this.#closed }
  get settings (): MailRelaySettings | null { return this.#settings }

  /** Mails not delivered yet: waiting, backing off before a retry, or being sent. */
  get size (): number { return this.#ready.length + this.#timers.size + this.#sending }

  configure (settings: MailRelaySettings): void {
    this.#settings = settings
    this.#resetTransport()
  }

  setOutboundTls (tls: OutboundTlsSettings): void {
    buildTlsConnectOptions(tls)
    this.#tls = { ...tls }
    this.#resetTransport()
  }

  /** Queues a mail; false when it was dropped (queue full or shutting down). */
  enqueue (message: MailMessage): boolean {
    const settings = this.#settings
    if (settings === null) throw new Error('no mail relay configured (setMailRelay{host = ...})')
    if (this.#closed || this.size >= settings.queueSize) {
      this.#counters.mailDropped++
      logger.warn(this.#closed ? 'mail dropped: shutting down' : 'mail dropped: queue full', { to: message.to.join(','), queueSize: settings.queueSize })
      return false
    }
    this.#counters.mailQueued++
    this.#ready.push({ message, attempts: 0 })
    this.#pump()
    return true
  }

  #pump (): void {
    const settings = this.#settings
    if (settings === null) return
    while (this.#sending < settings.connections && this.#ready.length > 0) {
      const job = this.#ready.shift() as Job
      this.#sending++
      void this.#send(job, settings).finally(() => {
        this.#sending--
        this.#pump()
        this.#checkIdle()
      })
    }
  }

  async #send (job: Job, settings: MailRelaySettings): Promise<void> {
    job.attempts++
    const m = job.message
    try {
      await (await this.#getTransport(settings)).sendMail({
        from: m.from ?? settings.from,
        to: [...m.to],
        cc: m.cc === undefined ? undefined : [...m.cc],
        bcc: m.bcc === undefined ? undefined : [...m.bcc],
        replyTo: m.replyTo,
        subject: m.subject,
        text: m.text,
        html: m.html,
        headers: m.headers
      })
      this.#counters.mailSent++
    } catch (err) {
      const e = err as Error & { responseCode?: number }
      const permanent = e.responseCode !== undefined && e.responseCode >= 500
      if (permanent || job.attempts >= settings.attempts || this.#closed) {
        this.#counters.mailFailed++
        logger.error('mail delivery failed', { to: m.to.join(','), attempts: job.attempts, error: e.message })
        return
      }
      this.#counters.mailRetries++
      const delay = backoffDelay(job.attempts, settings.retryDelayMs, settings.retryMaxMs, this.#random)
      logger.info('mail delivery failed, will retry', { to: m.to.join(','), attempt: job.attempts, delayMs: Math.round(delay), error: e.message })
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        this.#ready.push(job)
        this.#pump()
      }, delay)
      this.#timers.set(timer, job)
    }
  }

  async #getTransport (settings: MailRelaySettings): Promise<Transporter> {
    if (this.#transport === null) {
      const nodemailer = (await loadNodemailer()).default
      // Another send may have opened the pool while the library loaded.
      if (this.#transport !== null) return this.#transport
      this.#transport = nodemailer.createTransport({
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
        tls: buildTlsConnectOptions(this.#tls)
      })
    }
    return this.#transport
  }

  #resetTransport (): void {
    const old = this.#transport
    this.#transport = null
    // Mails being sent on the old pool finish there; nodemailer closes a pool once it is idle.
    old?.close()
  }

  #checkIdle (): void {
    if (this.size > 0) return
    for (const resolve of this.#idle.splice(0)) resolve()
  }

  /** Resolves when nothing is queued, backing off or being sent. */
  whenIdle (): Promise<void> {
    if (this.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /**
   * Stops accepting mail, lets the queue drain for up to `graceMs` (retries left are tried at once),
   * then drops what is left, counting it.
   */
  async close (graceMs = 10000): Promise<void> {
    this.#closed = true
    for (const [timer, job] of this.#timers) {
      clearTimeout(timer)
      this.#ready.push(job)
    }
    this.#timers.clear()
    this.#pump()
    let grace: NodeJS.Timeout | undefined
    await Promise.race([this.whenIdle(), new Promise<void>((resolve) => { grace = setTimeout(resolve, graceMs) })])
    clearTimeout(grace)
    const left = this.#ready.length
    if (left > 0) {
      this.#ready.length = 0
      this.#counters.mailDropped += left
      logger.warn('mails dropped at shutdown', { count: left })
    }
    this.#transport?.close()
    this.#transport = null
  }
}
