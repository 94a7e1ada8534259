export { type Alert, type AlertListener, type AlertSeverity } from './types.ts'
export { alertSeverities, parseAlertInput, type AlertInput, type RoutedAlert } from './input.ts'
export { alertDuration } from './duration.ts'
export { AlertHub, defaultAlertHubConfig, DEFAULT_RATE_LIMIT_S, type AlertFilter, type AlertHubConfig, type AlertHubOptions, type RoutedAlertListener } from './hub.ts'
export { registerAlertMetrics, type AlertMetrics } from './metrics.ts'
export { AlertRateLimiter, type Admission } from './rate-limit.ts'
export { DEFAULT_ALERT_BOUNDS, MemoryAlertStore, type AlertBounds, type AlertQuery, type AlertStore } from './store.ts'
export { parseAlertQuery, DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT } from './query.ts'
export { AlertRouter } from './router.ts'
export {
  DEFAULT_DIGEST_SUBJECT, DEFAULT_USER_SUBJECT, DEFAULT_USER_TEMPLATE, type AlertRoute, type AlertRoutePorts, type DigestRoute, type UserMailRoute
} from './route-config.ts'
export { fillTemplate } from './template.ts'
export { AlertSettings, applyAlertOptions, parseAlertRoute } from './settings.ts'
