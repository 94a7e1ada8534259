import { type MailMessage } from '../lualib/mail-types.ts'
import { type DeliveryRetry } from '../outbound/index.ts'
import { type RoutedAlert } from './input.ts'
import { type DeliveryDone } from './outbox.ts'
import { type AlertRoutePorts } from './route-config.ts'

/**
 * How long an alert delivery (webhook, user mail, digest) keeps trying: until it is `maxAgeS` old,
 * with backoff delays capped at `maxDelayS`. setAlertOptions{ delivery_max_age, delivery_max_delay }.
 */
export interface AlertDeliveryLimits {
  readonly maxAgeS: number
  readonly maxDelayS: number
}

/**
 * A day: an alert outlives a receiver's outage of a night or a weekend afternoon, while one older
 * than that is news to nobody. Five minutes between tries: a receiver back from maintenance gets
 * its alerts within minutes, and a down one sees at most 12 requests an hour per alert.
 */
export const DEFAULT_ALERT_DELIVERY: AlertDeliveryLimits = { maxAgeS: 86_400, maxDelayS: 300 }

/** The per-delivery retry limits the webhook and mail queues apply to an alert's deliveries. */
export function alertDeliveryRetry (limits: AlertDeliveryLimits): DeliveryRetry {
  return {
    // Age alone ends an alert's retries, however many attempts that takes.
    maxAttempts: Infinity,
    maxAgeMs: limits.maxAgeS * 1000,
    retryMaxDelayMs: limits.maxDelayS * 1000,
    // With history on, the outbox sends it again at the next start instead of giving it up.
    abandonAtShutdown: true
  }
}

/** The process's webhook and mail queues and the Lua address functions, as the alert routes use them. */
export interface AlertTransports {
  readonly webhooks: { run (name: string, body: string, done?: DeliveryDone, retry?: DeliveryRetry): boolean }
  readonly mail: { readonly configured: boolean, enqueue (message: MailMessage, done?: DeliveryDone, retry?: DeliveryRetry): boolean }
  userAddress (index: number, routed: RoutedAlert): Promise<string | null>
}

/**
 * The routes' ports: every delivery they queue carries the alert retry limits, so alerts outlast
 * outages that plain runCustomWebHook events (upstream's 3 attempts within 60 s) do not.
 */
export function alertRoutePorts (transports: AlertTransports, limits: AlertDeliveryLimits): AlertRoutePorts {
  const retry = alertDeliveryRetry(limits)
  return {
    runWebhook: (name, body, done) => transports.webhooks.run(name, body, done, retry),
    sendMail: (message, done) => transports.mail.configured && transports.mail.enqueue(message, done, retry),
    userAddress: (index, routed) => transports.userAddress(index, routed)
  }
}
