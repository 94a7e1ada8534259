import { TrackalertError } from '../errors.ts'
import { defaultTlsSettings, type OutboundTlsSettings } from '../outbound/index.ts'

/** Delivery settings. Durations are milliseconds; the Lua setters take seconds and convert. */
export interface WebhookSettings {
  /** setNumWebHookThreads(n). Upstream default 5. */
  numThreads: number
  /** setNumWebHookConnsPerThread(m). Upstream default 10. At most numThreads × connsPerThread requests run at once. */
  connsPerThread: number
  /** setWebHookQueueSize(n): events waiting (queued or backing off) before new ones are dropped. */
  queueSize: number
  /** setWebHookTimeoutSecs(s): bound on one attempt, connect to last response byte. */
  timeoutMs: number
  /** Attempts per delivery, the first included. */
  maxAttempts: number
  /** No retry is started once a delivery is this old; stale alerts are worth less than fresh ones. */
  maxAgeMs: number
  /** How long close()/drain() waits for the backlog before giving up on it. */
  drainTimeoutMs: number
  /** First retry delay; doubles per attempt, with jitter. */
  retryBaseDelayMs: number
  /** Cap on one backoff delay. */
  retryMaxDelayMs: number
  /** How long an idle keep-alive connection is kept. */
  keepAliveTimeoutMs: number
  tls: OutboundTlsSettings
}

/** A partial change of settings; TLS fields merge with the ones set earlier. */
export type WebhookSettingsPatch = Partial<Omit<WebhookSettings, 'tls'>> & { tls?: Partial<OutboundTlsSettings> }

export function defaultWebhookSettings (): WebhookSettings {
  return {
    numThreads: 5,
    connsPerThread: 10,
    queueSize: 50000,
    timeoutMs: 5000,
    maxAttempts: 3,
    maxAgeMs: 60000,
    drainTimeoutMs: 10000,
    retryBaseDelayMs: 500,
    retryMaxDelayMs: 10000,
    keepAliveTimeoutMs: 30000,
    tls: defaultTlsSettings()
  }
}

const positiveIntegers = ['numThreads', 'connsPerThread', 'queueSize', 'maxAttempts'] as const
const positiveDurations = ['timeoutMs', 'keepAliveTimeoutMs'] as const
const nonNegativeDurations = ['maxAgeMs', 'drainTimeoutMs', 'retryBaseDelayMs', 'retryMaxDelayMs'] as const

/** Merges `patch` into `base` (TLS fields merge too) after validating every value it sets. */
export function mergeWebhookSettings (base: WebhookSettings, patch: WebhookSettingsPatch): WebhookSettings {
  for (const key of positiveIntegers) {
    const v = patch[key]
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
      throw new TrackalertError('TA_ERR_CONFIG_INVALID', `webhook setting ${key} must be a positive integer, got ${String(v)}`)
    }
  }
  for (const key of positiveDurations) {
    const v = patch[key]
    if (v !== undefined && (!Number.isFinite(v) || v <= 0)) {
      throw new TrackalertError('TA_ERR_CONFIG_INVALID', `webhook setting ${key} must be a positive duration, got ${String(v)}`)
    }
  }
  for (const key of nonNegativeDurations) {
    const v = patch[key]
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) {
      throw new TrackalertError('TA_ERR_CONFIG_INVALID', `webhook setting ${key} must not be negative, got ${String(v)}`)
    }
  }
  const merged: WebhookSettings = { ...base }
  for (const key of Object.keys(patch) as Array<keyof WebhookSettings>) {
    if (key === 'tls' || patch[key] === undefined) continue
    ;(merged as unknown as Record<string, unknown>)[key] = patch[key]
  }
  merged.tls = { ...base.tls, ...(patch.tls ?? {}) }
  return merged
}
