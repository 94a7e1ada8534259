import { type DeliveryTimers } from '../outbound/index.ts'
import { type WebhookDelivery } from './delivery.ts'
import { type CustomWebhook } from './request.ts'
import { type WebhookSettings } from './settings.ts'

/** Metric hooks; called synchronously, so keep them cheap. A throwing observer is ignored. */
export interface WebhookObserver {
  /** Every HTTP attempt, with its duration. */
  onAttempt?: (hook: CustomWebhook, ok: boolean, seconds: number) => void
  /** Once per delivery: success, or failure after retries / a non-retryable error / shutdown. */
  onResult?: (hook: CustomWebhook, ok: boolean) => void
  /** An event refused because the queue was full or the dispatcher was shutting down. */
  onDrop?: (hook: CustomWebhook) => void
}

/** A registered hook with the figures showCustomWebHooks() prints for it. */
export interface HookState {
  readonly hook: CustomWebhook
  successes: number
  failures: number
  drops: number
}

/** The process-wide delivery side: metrics, clock and jitter. */
export interface WebhookDeliveryOptions {
  observer?: WebhookObserver
  /** Wall clock in ms (date macros, delivery age, drop-log throttling); also the queue's clock unless `timers` is given. */
  now?: () => number
  /** Jitter source in [0, 1). */
  random?: () => number
  /** Retry and drain timers (tests inject a manual clock). */
  timers?: DeliveryTimers
}

export interface WebhookDispatcherOptions extends WebhookDeliveryOptions {
  settings?: Partial<WebhookSettings>
  /**
   * The process's delivery queue. Without it the dispatcher makes its own (a standalone
   * dispatcher, as in tests); with it, observer, now, random and timers are the delivery's.
   */
  delivery?: WebhookDelivery
}

export interface DrainResult {
  /** Everything queued was delivered or finally failed within the timeout. */
  completed: boolean
  /** Deliveries abandoned at the timeout (also logged and counted as failures). */
  remaining: number
}
