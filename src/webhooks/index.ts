export { WebhookDispatcher } from './dispatcher.ts'
export { type WebhookObserver, type WebhookDispatcherOptions, type DrainResult } from './types.ts'
export {
  parseCustomHookConfig, expandUrlDate, hasDateMacros, DEFAULT_CONTENT_TYPE, KAFKA_CONTENT_TYPE, type CustomHookConfig
} from './config.ts'
export { createCustomWebhook, prepareRequest, signBody, type CustomWebhook, type PreparedRequest, type RequestTarget } from './request.ts'
export { defaultWebhookSettings, mergeWebhookSettings, type WebhookSettings, type WebhookSettingsPatch } from './settings.ts'
export { formatCustomWebHooks, sumWebhookStats, type WebhookHookStats } from './show.ts'
export { defaultTlsSettings, buildTlsConnectOptions, type OutboundTlsSettings, type TlsConnectOptions } from './tls.ts'
export { isRetryableStatus, backoffDelay } from './retry-policy.ts'
export { loadUndici } from './http-client.ts'
export { Deadline } from './deadline.ts'
