import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { Agent } from 'undici'
import { logger } from '../log/index.ts'
import { DeliveryQueue, realTimers, type AttemptOutcome, type DeliveryEnd, type DeliveryPolicy, type DeliveryRetry } from '../outbound/index.ts'
import { DropLog } from './drop-log.ts'
import { createWebhookAgent, postOnce, webhookAgentOptions, type WebhookAgentOptions } from './http-client.ts'
import { prepareRequest, resolveTarget, type CustomWebhook, type PreparedRequest } from './request.ts'
import { defaultWebhookSettings, type WebhookSettings } from './settings.ts'
import { type DrainResult, type HookState, type WebhookDeliveryOptions, type WebhookObserver } from './types.ts'

/** One runCustomWebHook() event on its way. */
interface WebhookJob {
  /** The hook as registered by the configuration that queued the event. */
  readonly origin: HookState
  readonly data: string
  /** X-Wforce-Delivery: made at the first attempt, the same on every later one. */
  deliveryId: string | undefined
  /** Body and headers for the hook they were built for (rebuilt if a reload redefined the hook). */
  prepared: { hook: CustomWebhook, request: PreparedRequest } | undefined
  /** The hook the last attempt went to; its figures get the result. */
  used: HookState | undefined
  settled: boolean
  /** Told how the delivery ended (the alert outbox waits for it). */
  readonly done: ((end: DeliveryEnd) => void) | undefined
}

function webhookPolicy (s: WebhookSettings): DeliveryPolicy {
  return {
    limit: s.queueSize,
    limitIncludesInFlight: false,
    concurrency: s.numThreads * s.connsPerThread,
    maxAttempts: s.maxAttempts,
    maxAgeMs: s.maxAgeMs,
    retryBaseDelayMs: s.retryBaseDelayMs,
    retryMaxDelayMs: s.retryMaxDelayMs
  }
}

/**
 * Custom webhook delivery for the whole process: one bounded, retrying queue and one keep-alive
 * pool, kept across configuration reloads. The configuration made current by activate() decides
 * where and how a queued event goes: an event is sent to the hook of its name in the current
 * configuration (its URL, secret, headers) and, when a reload removed that hook, to the hook it
 * was queued for. So a reload never abandons an event.
 */
export class WebhookDelivery {
  #settings: WebhookSettings = defaultWebhookSettings()
  #hooks: ReadonlyMap<string, HookState> = new Map()
  readonly #queue: DeliveryQueue<WebhookJob>
  readonly #observer: WebhookObserver
  readonly #now: () => number
  readonly #dropLog: DropLog
  #agentOptions: WebhookAgentOptions | undefined
  #agentKey = ''
  /** The pool, created (and undici loaded) by the first delivery after an activation. */
  #agent: Promise<Agent> | undefined
  #drained: Promise<DrainResult> | undefined

  constructor (options: WebhookDeliveryOptions = {}) {
    this.#observer = options.observer ?? {}
    this.#now = options.now ?? Date.now
    this.#dropLog = new DropLog(this.#now)
    const timers = options.timers ?? (options.now === undefined ? realTimers : { ...realTimers, now: options.now })
    this.#queue = new DeliveryQueue<WebhookJob>({
      attempt: (job) => this.#attempt(job),
      settle: (job, end, detail) => this.#settle(job, end, detail),
      retrying: (job, attempts, delayMs, detail) => {
        const hook = (job.used ?? job.origin).hook
        logger.info('Custom webhook attempt failed, will retry', { id: hook.id, name: hook.name, attempt: attempts, delay_ms: Math.round(delayMs), error: detail })
      }
    }, webhookPolicy(this.#settings), { timers, random: options.random })
  }

  get settings (): Readonly<WebhookSettings> { return this.#settings }

  /**
   * Makes a configuration's hooks and settings current (startup, and each reload once the new
   * configuration loaded). Queued events stay; they follow the new settings from their next attempt.
   */
  activate (hooks: ReadonlyMap<string, HookState>, settings: WebhookSettings, agentOptions: WebhookAgentOptions): void {
    this.#hooks = hooks
    this.#settings = settings
    this.#queue.configure(webhookPolicy(settings))
    const key = JSON.stringify([settings.numThreads, settings.connsPerThread, settings.keepAliveTimeoutMs, settings.timeoutMs, settings.tls, agentOptions])
    if (key === this.#agentKey) return
    this.#agentKey = key
    this.#agentOptions = agentOptions
    const old = this.#agent
    this.#agent = undefined
    // Requests on the old pool finish there; close() waits for them, then frees the sockets.
    if (old !== undefined) void old.then((agent) => agent.close()).catch(() => {})
  }

  /**
   * Queues an event for `state`'s hook; false (counted and logged as a drop) when refused.
   * `done` hears how it ended; a refusal because the queue is closing counts as 'abandoned'.
   * `retry` replaces the webhook retry limits for this event (alerts retry longer).
   */
  enqueue (state: HookState, data: string, done?: (end: DeliveryEnd) => void, retry?: DeliveryRetry): boolean {
    const result = this.#queue.enqueue({ origin: state, data, deliveryId: undefined, prepared: undefined, used: undefined, settled: false, done }, retry)
    if (result === 'queued') return true
    if (result === 'closed') done?.('abandoned')
    state.drops++
    this.#emit('onDrop', state.hook, false, 0)
    this.#dropLog.record(state.hook.name, result === 'full' ? 'queue full' : 'shutting down')
    return false
  }

  /** Events waiting to be sent: queued plus waiting for a retry (not those in flight). */
  queueSize (): number { return this.#queue.waiting }

  /** Requests on the wire right now. */
  inFlight (): number { return this.#queue.inFlight }

  /**
   * Stops accepting events, waits up to `timeoutMs` for the queue (retries are tried at once),
   * then logs and counts as failed whatever is left and closes the pool. Repeat calls share one run.
   */
  drain (timeoutMs = this.#settings.drainTimeoutMs): Promise<DrainResult> {
    this.#drained ??= this.#drain(timeoutMs)
    return this.#drained
  }

  async #drain (timeoutMs: number): Promise<DrainResult> {
    const { abandoned } = await this.#queue.drain(timeoutMs)
    this.#dropLog.flush()
    const pool = await this.#agent?.catch(() => undefined)
    if (abandoned.length === 0) {
      await pool?.close()
      return { completed: true, remaining: 0 }
    }
    const perHook = new Map<string, number>()
    for (const job of abandoned) perHook.set(job.origin.hook.name, (perHook.get(job.origin.hook.name) ?? 0) + 1)
    logger.error('Custom webhook deliveries abandoned at shutdown', {
      count: abandoned.length,
      hooks: [...perHook].map(([name, n]) => `${name}=${n}`).join(' ')
    })
    await pool?.destroy()
    return { completed: false, remaining: abandoned.length }
  }

  #pool (): Promise<Agent> {
    this.#agentOptions ??= webhookAgentOptions(this.#settings)
    this.#agent ??= createWebhookAgent(this.#agentOptions)
    return this.#agent
  }

  async #attempt (job: WebhookJob): Promise<AttemptOutcome> {
    const state = this.#hooks.get(job.origin.hook.name) ?? job.origin
    job.used = state
    const hook = state.hook
    if (job.prepared?.hook !== hook) {
      job.deliveryId ??= randomUUID()
      try {
        job.prepared = { hook, request: prepareRequest(hook, job.data, job.deliveryId) }
      } catch (err) {
        return { ok: false, retryable: false, detail: (err as Error).message, retryAfterMs: undefined }
      }
    }
    const started = performance.now()
    const outcome = await postOnce(this.#pool(), resolveTarget(hook, this.#now()), job.prepared.request, this.#settings.timeoutMs)
    // An attempt cut off by a drain timeout was already accounted for as abandoned.
    if (!job.settled) this.#emit('onAttempt', hook, outcome.ok, (performance.now() - started) / 1000)
    return outcome
  }

  #settle (job: WebhookJob, end: DeliveryEnd, detail: string): void {
    job.settled = true
    const state = job.used ?? this.#hooks.get(job.origin.hook.name) ?? job.origin
    const hook = state.hook
    const ok = end === 'delivered'
    if (ok) {
      state.successes++
      logger.debug('Custom webhook delivered', { id: hook.id, name: hook.name, url: hook.url })
    } else {
      state.failures++
      // Abandoned deliveries are logged in one line by the drain.
      if (end !== 'abandoned') {
        logger.error('Custom webhook delivery failed', { id: hook.id, name: hook.name, url: hook.url, delivery: job.deliveryId ?? '', error: detail })
      }
    }
    this.#emit('onResult', hook, ok, 0)
    try { job.done?.(end) } catch (err) { logger.error('webhook completion callback failed', { error: err as Error }) }
  }

  #emit (event: keyof WebhookObserver, hook: CustomWebhook, ok: boolean, seconds: number): void {
    try {
      if (event === 'onAttempt') this.#observer.onAttempt?.(hook, ok, seconds)
      else if (event === 'onResult') this.#observer.onResult?.(hook, ok)
      else this.#observer.onDrop?.(hook)
    } catch (err) {
      // Metrics must never break delivery.
      logger.debug('webhook observer threw', { error: err })
    }
  }
}
