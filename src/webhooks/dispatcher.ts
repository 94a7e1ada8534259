import { TrackalertError } from '../errors.ts'
import { type DeliveryEnd, type DeliveryRetry } from '../outbound/index.ts'
import { logger } from '../log/index.ts'
import { parseCustomHookConfig } from './config.ts'
import { WebhookDelivery } from './delivery.ts'
import { webhookAgentOptions } from './http-client.ts'
import { createCustomWebhook, type CustomWebhook } from './request.ts'
import { defaultWebhookSettings, mergeWebhookSettings, type WebhookSettings, type WebhookSettingsPatch } from './settings.ts'
import { formatCustomWebHooks, type WebhookHookStats } from './show.ts'
import { type DrainResult, type HookState, type WebhookDispatcherOptions } from './types.ts'

/**
 * The custom webhooks of one configuration load: the hooks addCustomWebHook() defined, the
 * set*WebHook*() settings and each hook's figures. Events go to the process's WebhookDelivery,
 * which outlives this configuration; start() makes this configuration the one it delivers under.
 * Nothing is lost silently: every event ends as a success, a logged failure, or a logged drop.
 */
export class WebhookDispatcher {
  #settings: WebhookSettings
  readonly #hooks = new Map<string, HookState>()
  readonly #delivery: WebhookDelivery
  /** A standalone dispatcher (no delivery given) activates itself on first use. */
  readonly #ownsDelivery: boolean
  #started = false

  constructor (options: WebhookDispatcherOptions = {}) {
    this.#settings = mergeWebhookSettings(defaultWebhookSettings(), options.settings ?? {})
    this.#ownsDelivery = options.delivery === undefined
    this.#delivery = options.delivery ?? new WebhookDelivery(options)
  }

  get settings (): Readonly<WebhookSettings> { return this.#settings }

  /** Changes settings (the Lua set* functions); only before start(), as upstream's are config-time only. */
  configure (patch: WebhookSettingsPatch): void {
    if (this.#started) {
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

  /**
   * Makes these hooks and settings the ones the process delivers under (queued events included).
   * Reads the TLS files, so call it at startup to fail early. Idempotent.
   */
  start (): void {
    if (this.#started) return
    const agentOptions = webhookAgentOptions(this.#settings)
    this.#started = true
    this.#delivery.activate(this.#hooks, this.#settings, agentOptions)
  }

  /**
   * runCustomWebHook(name, data): queues a POST of `data` and returns at once.
   * Returns false when the event was not queued (unknown hook, queue full, shutting down).
   * `done` hears how a delivery ended and `retry` overrides its retry limits (see WebhookDelivery.enqueue).
   */
  run (name: string, data: string, done?: (end: DeliveryEnd) => void, retry?: DeliveryRetry): boolean {
    const state = this.#hooks.get(name)
    if (state === undefined) {
      logger.error('Attempting to run custom webhook but no such webhook exists', { name })
      return false
    }
    if (!this.#started && this.#ownsDelivery) {
      try {
        this.start()
      } catch (err) {
        state.failures++
        logger.error('Custom webhook delivery failed', { id: state.hook.id, name, url: state.hook.url, error: `cannot start webhook client: ${(err as Error).message}` })
        return false
      }
    }
    return this.#delivery.enqueue(state, data, done, retry)
  }

  /** Events waiting to be sent in this process: queued plus waiting for a retry (not those in flight). */
  queueSize (): number { return this.#delivery.queueSize() }

  /** Requests on the wire right now. */
  inFlight (): number { return this.#delivery.inFlight() }

  stats (): WebhookHookStats[] {
    return [...this.#hooks.values()].map((s) => ({
      id: s.hook.id, name: s.hook.name, url: s.hook.url, successes: s.successes, failures: s.failures, drops: s.drops
    }))
  }

  showCustomWebHooks (): string { return formatCustomWebHooks(this.stats()) }

  /** Drains the delivery queue (see WebhookDelivery.drain): for shutdown, not for a reload. */
  drain (timeoutMs?: number): Promise<DrainResult> {
    return this.#delivery.drain(timeoutMs)
  }

  /** Graceful shutdown with the configured drain timeout; idempotent. */
  async close (): Promise<void> {
    await this.drain()
  }
}
