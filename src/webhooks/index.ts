export { WebhookDispatcher } from './dispatcher.ts'
export { WebhookDelivery } from './delivery.ts'
export { type WebhookObserver, type WebhookDispatcherOptions, type WebhookDeliveryOptions, type DrainResult, type HookState } from './types.ts'
export {
  parseCustomHookConfig, expandUrlDate, hasDateMacros, DEFAULT_CONTENT_TYPE, KAFKA_CONTENT_TYPE, type CustomHookConfig
} from './config.ts'
export { createCustomWebhook, prepareRequest, signBody, type CustomWebhook, type PreparedRequest, type RequestTarget } from './request.ts'
export { defaultWebhookSettings, mergeWebhookSettings, type WebhookSettings, type WebhookSettingsPatch } from './settings.ts'
export { formatCustomWebHooks, sumWebhookStats, type WebhookHookStats } from './show.ts'
