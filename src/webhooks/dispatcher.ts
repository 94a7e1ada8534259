import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { Agent } from 'undici'
import { TrackalertError } from '../errors.ts'
import { logger } from '../log/index.ts'
import { parseCustomHookConfig } from './config.ts'
import { DropLog } from './drop-log.ts'
import { createCustomWebhook, prepareRequest, resolveTarget, type CustomWebhook, type PreparedRequest } from './request.ts'
import { createWebhookAgent, postOnce, webhookAgentOptions, type WebhookAgentOptions } from './http-client.ts'
import { backoffDelay, type AttemptOutcome } from './retry-policy.ts'
import { RingQueue } from './ring-queue.ts'
import { defaultWebhookSettings, mergeWebhookSettings, type WebhookSettings, type WebhookSettingsPatch } from './settings.ts'
import { formatCustomWebHooks, type WebhookHookStats } from './show.ts'
import { type DrainResult, type WebhookDispatcherOptions, type WebhookObserver } from './types.ts'

interface HookState { hook: CustomWebhook, successes: number, failures: number, drops: number }

interface Delivery {
  readonly state: HookState
  readonly data: string
  readonly enqueuedAt: number
  attempts: number
  request: PreparedRequest | undefined
  timer: NodeJS.Timeout | undefined
}

/**
 * Queues custom webhook POSTs and delivers them over a pooled keep-alive client with at most
 * numThreads × connsPerThread requests in flight, retrying transient failures with backoff.
 * Nothing is lost silently: every event ends as a success, a logged failure, or a logged drop.
 */
export class WebhookDispatcher {
  #settings: WebhookSettings
  readonly #observer: WebhookObserver
  readonly #now: () => number
  readonly #random: () => number
  readonly #hooks = new Map<string, HookState>()
  readonly #ready = new RingQueue<Delivery>()
  readonly #backingOff = new Set<Delivery>()
  readonly #inFlight = new Set<Delivery>()
  readonly #dropLog: DropLog
  /** Set by start(): the pool's options, TLS files already read. */
  #agentOptions: WebhookAgentOptions | undefined
  /** The pool, created (and undici loaded) by the first delivery. */
  #agent: Promise<Agent> | undefined
  #maxConcurrent = 0
  #pumpScheduled = false
  #stopping = false
  #destroyed = false
  #onIdle: (() => void) | undefined
  #drained: Promise<DrainResult> | undefined

  constructor (options: WebhookDispatcherOptions = {}) {
    this.#settings = mergeWebhookSettings(defaultWebhookSettings(), options.settings ?? {})
    this.#observer = options.observer ?? {}
    this.#now = options.now ?? Date.now
    this.#random = options.random ?? Math.random
    this.#dropLog = new DropLog(this.#now)
  }

  get settings (): Readonly<WebhookSettings> { return this.#settings }

  /** Changes settings (the Lua set* functions); only before start(), as upstream's are config-time only. */
  configure (patch: WebhookSettingsPatch): void {
    if (this.#agentOptions !== undefined || this.#stopping) {
      throw new TrackalertError('TA_ERR_CONFIG_INVALID', 'webhook settings cannot change after webhooks have started')
    }
    this.#settings = mergeWebhookSettings(this.#settings, patch)
  }

  /** addCustomWebHook(name, keys): validates and registers; ids count from 1 in definition order. */
  addHook (name: string, keys: Readonly<Record<string, string>>): CustomWebhook {
    const config = parseCustomHookConfig(name, keys)
    if (this.#hooks.has(name)) {
      throw new TrackalertError('TA_ERR_WEBHOOK_CONFIG', `custom webhook "${name}" is already defined`)
    }
    const hook = createCustomWebhook(this.#hooks.size + 1, config)
    this.#hooks.set(name, { hook, successes: 0, failures: 0, drops: 0 })
    logger.info('Registering custom webhook', { id: hook.id, name, url: hook.url })
    return hook
  }

  hasHook (name: string): boolean { return this.#hooks.has(name) }

  hooks (): CustomWebhook[] { return [...this.#hooks.values()].map((s) => s.hook) }

  /** Prepares the connection pool; reads TLS files, so call it at startup to fail early. Idempotent. */
  start (): void {
    if (this.#agentOptions !== undefined) return
    if (this.#stopping) throw new TrackalertError('TA_ERR_CONFIG_INVALID', 'webhook dispatcher is closed')
    this.#agentOptions = webhookAgentOptions(this.#settings)
    this.#maxConcurrent = this.#settings.numThreads * this.#settings.connsPerThread
  }

  /**
   * runCustomWebHook(name, data): queues a POST of `data` and returns at once.
   * Returns false when the event was not queued (unknown hook, queue full, shutting down).
   */
  run (name: string, data: string): boolean {
    const state = this.#hooks.get(name)
    if (state === undefined) {
      logger.error('Attempting to run custom webhook but no such webhook exists', { name })
      return false
    }
    if (this.#stopping) return this.#drop(state, 'shutting down')
    if (this.#ready.length + this.#backingOff.size >= this.#settings.queueSize) return this.#drop(state, 'queue full')
    const delivery: Delivery = { state, data, enqueuedAt: this.#now(), attempts: 0, request: undefined, timer: undefined }
    if (this.#agentOptions === undefined) {
      try {
        this.start()
      } catch (err) {
        this.#finish(delivery, false, `cannot start webhook client: ${(err as Error).message}`)
        return false
      }
    }
    this.#ready.push(delivery)
    this.#schedulePump()
    return true
  }

  /** Events waiting to be sent: queued plus waiting for a retry (not those in flight). */
  queueSize (): number { return this.#ready.length + this.#backingOff.size }

  /** Requests on the wire right now. */
  inFlight (): number { return this.#inFlight.size }

  stats (): WebhookHookStats[] {
    return [...this.#hooks.values()].map((s) => ({
      id: s.hook.id, name: s.hook.name, url: s.hook.url, successes: s.successes, failures: s.failures, drops: s.drops
    }))
  }

  showCustomWebHooks (): string { return formatCustomWebHooks(this.stats()) }

  /**
   * Stops accepting events, waits up to `timeoutMs` for queued deliveries and retries to finish,
   * then logs and counts as failed whatever is left and closes the pool. Repeat calls share one run.
   */
  drain (timeoutMs = this.#settings.drainTimeoutMs): Promise<DrainResult> {
    this.#drained ??= this.#drain(timeoutMs)
    return this.#drained
  }

  /** Graceful shutdown with the configured drain timeout; idempotent. */
  async close (): Promise<void> {
    await this.drain()
  }

  async #drain (timeoutMs: number): Promise<DrainResult> {
    this.#stopping = true
    if (!this.#idle()) {
      let timer: NodeJS.Timeout | undefined
      await new Promise<void>((resolve) => {
        this.#onIdle = resolve
        timer = setTimeout(resolve, timeoutMs)
      })
      clearTimeout(timer)
      this.#onIdle = undefined
    }
    const left = [...this.#ready.drainAll(), ...this.#backingOff, ...this.#inFlight]
    this.#dropLog.flush()
    if (left.length === 0) {
      await (await this.#createdPool())?.close()
      return { completed: true, remaining: 0 }
    }
    this.#destroyed = true
    const perHook = new Map<string, number>()
    for (const d of left) {
      if (d.timer !== undefined) clearTimeout(d.timer)
      perHook.set(d.state.hook.name, (perHook.get(d.state.hook.name) ?? 0) + 1)
      this.#finish(d, false, undefined)
    }
    this.#backingOff.clear()
    this.#inFlight.clear()
    logger.error('Custom webhook deliveries abandoned at shutdown', {
      count: left.length,
      hooks: [...perHook].map(([name, n]) => `${name}=${n}`).join(' ')
    })
    await (await this.#createdPool())?.destroy()
    return { completed: false, remaining: left.length }
  }

  /** The pool, created by the first delivery (loading undici then, not at startup). */
  #pool (): Promise<Agent> {
    this.#agent ??= createWebhookAgent(this.#agentOptions as WebhookAgentOptions)
    return this.#agent
  }

  /** The pool if a delivery created it (a failed creation was already reported per delivery). */
  async #createdPool (): Promise<Agent | undefined> {
    return await this.#agent?.catch(() => undefined)
  }

  #idle (): boolean {
    return this.#ready.length === 0 && this.#backingOff.size === 0 && this.#inFlight.size === 0
  }

  #drop (state: HookState, reason: string): false {
    state.drops++
    this.#emit('onDrop', state.hook, false, 0)
    this.#dropLog.record(state.hook.name, reason)
    return false
  }

  #schedulePump (): void {
    if (this.#pumpScheduled || this.#destroyed) return
    this.#pumpScheduled = true
    // Deferred so runCustomWebHook() never does request work inside the Lua call.
    setImmediate(() => this.#pump())
  }

  #pump (): void {
    this.#pumpScheduled = false
    while (!this.#destroyed && this.#inFlight.size < this.#maxConcurrent && this.#ready.length > 0) {
      const d = this.#ready.shift() as Delivery
      if (d.attempts > 0 && this.#now() - d.enqueuedAt >= this.#settings.maxAgeMs) {
        this.#finish(d, false, `expired after ${d.attempts} attempt(s) waiting in the queue`)
        continue
      }
      void this.#attempt(d)
    }
    this.#checkIdle()
  }

  async #attempt (d: Delivery): Promise<void> {
    if (d.request === undefined) {
      try {
        d.request = prepareRequest(d.state.hook, d.data, randomUUID())
      } catch (err) {
        this.#finish(d, false, `${(err as Error).message} (not retried)`)
        return
      }
    }
    this.#inFlight.add(d)
    d.attempts++
    const started = performance.now()
    const target = resolveTarget(d.state.hook, this.#now())
    const outcome = await postOnce(this.#pool(), target, d.request, this.#settings.timeoutMs)
    if (this.#destroyed) return // accounted for by the shutdown path
    this.#inFlight.delete(d)
    const seconds = (performance.now() - started) / 1000
    this.#emit('onAttempt', d.state.hook, outcome.ok, seconds)
    if (outcome.ok) {
      this.#finish(d, true, undefined)
    } else if (!outcome.retryable) {
      this.#finish(d, false, `${outcome.detail} (not retried)`)
    } else if (d.attempts >= this.#settings.maxAttempts) {
      this.#finish(d, false, `${outcome.detail} (gave up after ${d.attempts} attempts)`)
    } else {
      this.#retryLater(d, outcome)
    }
    this.#schedulePump()
  }

  #retryLater (d: Delivery, outcome: AttemptOutcome): void {
    const s = this.#settings
    const delay = Math.max(backoffDelay(d.attempts, s.retryBaseDelayMs, s.retryMaxDelayMs, this.#random), outcome.retryAfterMs ?? 0)
    if (this.#now() + delay - d.enqueuedAt > s.maxAgeMs) {
      this.#finish(d, false, `${outcome.detail} (gave up after ${d.attempts} attempts: max age reached)`)
      return
    }
    logger.info('Custom webhook attempt failed, will retry', {
      id: d.state.hook.id, name: d.state.hook.name, attempt: d.attempts, delay_ms: Math.round(delay), error: outcome.detail
    })
    this.#backingOff.add(d)
    d.timer = setTimeout(() => {
      d.timer = undefined
      this.#backingOff.delete(d)
      this.#ready.push(d)
      this.#schedulePump()
    }, delay)
    d.timer.unref()
  }

  /** Final outcome of one delivery; `detail` undefined on failure means shutdown (logged in bulk). */
  #finish (d: Delivery, ok: boolean, detail: string | undefined): void {
    const hook = d.state.hook
    if (ok) {
      d.state.successes++
      logger.debug('Custom webhook delivered', { id: hook.id, name: hook.name, url: hook.url, attempts: d.attempts })
    } else {
      d.state.failures++
      if (detail !== undefined) {
        logger.error('Custom webhook delivery failed', {
          id: hook.id, name: hook.name, url: hook.url, delivery: d.request?.headers['x-wforce-delivery'] ?? '', error: detail
        })
      }
    }
    this.#emit('onResult', hook, ok, 0)
    this.#checkIdle()
  }

  #checkIdle (): void {
    if (this.#onIdle !== undefined && this.#idle()) this.#onIdle()
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
