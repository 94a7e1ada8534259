export { defaultTlsSettings, buildTlsConnectOptions, type OutboundTlsSettings, type TlsConnectOptions } from './tls.ts'
export { Deadline } from './deadline.ts'
export { backoffDelay, isRetryableStatus, parseRetryAfter, type AttemptOutcome } from './retry-policy.ts'
export { loadUndici } from './undici.ts'
export { RingQueue } from './ring-queue.ts'
export {
  DeliveryQueue, realTimers, type DeliveryPolicy, type DeliveryRetry, type DeliveryHandler, type DeliveryEnd, type DeliveryTimers,
  type DeliveryCounts, type DrainOutcome, type EnqueueResult
} from './delivery-queue.ts'
