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

export interface WebhookDispatcherOptions {
  settings?: Partial<WebhookSettings>
  observer?: WebhookObserver
  /** Wall clock in ms (date macros, delivery age, drop-log throttling). */
  now?: () => number
  /** Jitter source in [0, 1). */
  random?: () => number
}

export interface DrainResult {
  /** Everything queued was delivered or finally failed within the timeout. */
  completed: boolean
  /** Deliveries abandoned at the timeout (also logged and counted as failures). */
  remaining: number
}
