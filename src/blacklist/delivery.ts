import type { Agent } from 'undici'
import { logger } from '../log/index.ts'
import {
  DeliveryQueue, defaultTlsSettings, realTimers, type AttemptOutcome, type DeliveryEnd, type DeliveryPolicy,
  type DeliveryTimers, type OutboundTlsSettings
} from '../outbound/index.ts'
import { type WforceBlacklistConfig } from './config.ts'
import { entryKey, type BlacklistEntry } from './entry.ts'
import { addBLEntry, createWforceAgent, getBL, type HeldEntry } from './wforce-client.ts'

/** One entry for one wforce instance. */
export interface BlacklistJob {
  readonly url: string
  readonly entry: BlacklistEntry
  /** The configuration that queued it: its password serves when a reload dropped the URL. */
  readonly origin: WforceBlacklistConfig
}

/** ok: accepting entries; down: unreachable (or 5xx); refusing: answers 4xx (password, entry). */
export type WforceHealth = 'ok' | 'down' | 'refusing'

export interface BlacklistDeliveryOptions {
  timers?: DeliveryTimers
  random?: () => number
  /** First retry delay (doubles per attempt up to retryMaxDelayMs). */
  retryBaseDelayMs?: number
  retryMaxDelayMs?: number
  /** A delivery ended without the entry reaching its instance. */
  onFailed?: (job: BlacklistJob) => void
}

export interface BlacklistDeliveryCounts { added: number, failed: number, outages: number, retries: number }

/**
 * The process's addBLEntry queue, kept across reloads like the webhook queue: an entry accepted
 * is retried (bounded by its own expiry: a block that would already have ended is not worth
 * sending) until delivered. Each instance's trouble is logged once when it starts and once when
 * it ends, however many entries wait meanwhile.
 */
export class BlacklistDelivery {
  #config: WforceBlacklistConfig | null = null
  #tls: OutboundTlsSettings = defaultTlsSettings()
  #agent: Promise<Agent> | undefined
  #agentKey = ''
  readonly #queue: DeliveryQueue<BlacklistJob>
  readonly #health = new Map<string, WforceHealth>()
  readonly #options: BlacklistDeliveryOptions
  readonly counts: BlacklistDeliveryCounts = { added: 0, failed: 0, outages: 0, retries: 0 }

  constructor (options: BlacklistDeliveryOptions = {}) {
    this.#options = options
    this.#queue = new DeliveryQueue<BlacklistJob>({
      attempt: (job) => this.#attempt(job),
      settle: (job, end, detail) => this.#settle(job, end, detail),
      retrying: () => { this.counts.retries++ }
    }, this.#policy(3600), { timers: options.timers ?? realTimers, random: options.random })
  }

  #policy (expireSecs: number): DeliveryPolicy {
    return {
      limit: 10_000,
      limitIncludesInFlight: false,
      concurrency: 4,
      // Retries are bounded by age, not count: an outage of any length is ridden out until the block would have ended.
      maxAttempts: 1_000_000,
      maxAgeMs: expireSecs * 1000,
      retryBaseDelayMs: this.#options.retryBaseDelayMs ?? 1000,
      retryMaxDelayMs: this.#options.retryMaxDelayMs ?? 30_000
    }
  }

  /** Makes a configuration current; queued entries stay and use it from their next attempt. */
  activate (config: WforceBlacklistConfig | null, tls: OutboundTlsSettings): void {
    this.#config = config
    this.#tls = tls
    if (config !== null) this.#queue.configure(this.#policy(config.expireSecs))
    const key = JSON.stringify([tls, config?.timeoutMs])
    if (key === this.#agentKey) return
    this.#agentKey = key
    const old = this.#agent
    this.#agent = undefined
    if (old !== undefined) void old.then((agent) => agent.close()).catch(() => {})
  }

  health (url: string): WforceHealth { return this.#health.get(url) ?? 'ok' }

  /** False when the queue is full or closed (the caller counts it as failed). */
  enqueue (job: BlacklistJob): boolean {
    return this.#queue.enqueue(job) === 'queued'
  }

  get waiting (): number { return this.#queue.waiting }
  get inFlight (): number { return this.#queue.inFlight }
  whenIdle (): Promise<void> { return this.#queue.whenIdle() }

  /** What `url` blocks now; a failure counts toward its health like a failed addBLEntry. */
  async fetchHeld (url: string, config: WforceBlacklistConfig): Promise<HeldEntry[] | null> {
    try {
      const held = await getBL(this.#pool(), url, config, config.timeoutMs)
      this.#observe(url, { ok: true, retryable: false, detail: 'getBL', retryAfterMs: undefined }, 'getBL')
      return held
    } catch (err) {
      const detail = (err as Error).message
      this.#observe(url, { ok: false, retryable: !/HTTP status 4/.test(detail), detail, retryAfterMs: undefined }, 'getBL')
      return null
    }
  }

  async drain (timeoutMs: number): Promise<void> {
    const { abandoned } = await this.#queue.drain(timeoutMs)
    if (abandoned.length > 0) logger.error('wforce blacklist entries abandoned at shutdown', { count: abandoned.length })
    const pool = await this.#agent?.catch(() => undefined)
    await (abandoned.length > 0 ? pool?.destroy() : pool?.close())
  }

  #pool (): Promise<Agent> {
    this.#agent ??= createWforceAgent(this.#tls, this.#config?.timeoutMs ?? 5000)
    return this.#agent
  }

  async #attempt (job: BlacklistJob): Promise<AttemptOutcome> {
    const config = this.#config !== null && this.#config.urls.includes(job.url) ? this.#config : job.origin
    const outcome = await addBLEntry(this.#pool(), job.url, config, job.entry, config.timeoutMs)
    this.#observe(job.url, outcome, entryKey(job.entry))
    return outcome
  }

  /** Logs changes of an instance's health only: one line when trouble starts, one when it ends. */
  #observe (url: string, outcome: AttemptOutcome, what: string): void {
    const before = this.health(url)
    const now: WforceHealth = outcome.ok ? 'ok' : outcome.retryable ? 'down' : 'refusing'
    if (now === before) return
    this.#health.set(url, now)
    if (now === 'ok') logger.info('wforce accepts blacklist requests again', { url })
    else if (now === 'down') {
      this.counts.outages++
      logger.warn('wforce unreachable: blacklist entries wait in the queue and are retried; logged once per outage', { url, error: outcome.detail })
    } else logger.error('wforce refuses blacklist requests (check the password and the entry); logged once until it accepts one', { url, request: what, error: outcome.detail })
  }

  #settle (job: BlacklistJob, end: DeliveryEnd, detail: string): void {
    if (end === 'delivered') {
      this.counts.added++
      logger.debug('wforce blacklist entry added', { url: job.url, entry: entryKey(job.entry) })
      return
    }
    this.counts.failed++
    // Expiry and refusals are already explained by the health lines; this names the entry lost.
    if (end !== 'abandoned') logger.debug('wforce blacklist entry not delivered', { url: job.url, entry: entryKey(job.entry), error: detail })
    this.#options.onFailed?.(job)
  }
}
