import { logger } from '../log/index.ts'
import { type AlertInput, type RoutedAlert } from './input.ts'
import { type AlertMetrics } from './metrics.ts'
import { AlertRateLimiter } from './rate-limit.ts'
import { DEFAULT_ALERT_BOUNDS, type AlertBounds, type AlertQuery, type AlertStore } from './store.ts'
import { type Alert, type AlertListener } from './types.ts'

/** The decision hook (Lua setAlertFilter): the alert as it should be, or null to drop it. */
export type AlertFilter = (input: AlertInput) => Promise<AlertInput | null>

/** Something that needs the report attributes beside the alert (the routes). */
export interface RoutedAlertListener { onRoutedAlert (routed: RoutedAlert): void }

/** What one configuration sets (setAlertOptions, setAlertFilter); a reload sets it again. */
export interface AlertHubConfig {
  /** De-duplication window per key, seconds of event time. */
  readonly rateLimitS: number
  readonly bounds: AlertBounds
  readonly filter: AlertFilter | null
}

export const DEFAULT_RATE_LIMIT_S = 3600

export const defaultAlertHubConfig: AlertHubConfig = { rateLimitS: DEFAULT_RATE_LIMIT_S, bounds: DEFAULT_ALERT_BOUNDS, filter: null }

export interface AlertHubOptions {
  readonly store: AlertStore
  readonly metrics: AlertMetrics
}

/**
 * The daemon's one alert hub (in the process that speaks for the daemon; other processes forward
 * to it): runs the filter hook, de-duplicates, gives each alert its id, stores it, and hands it to
 * the listeners (routes, the blacklist). Ids increase in the order alerts are accepted.
 */
export class AlertHub {
  readonly #store: AlertStore
  readonly #metrics: AlertMetrics
  readonly #limiter = new AlertRateLimiter(DEFAULT_RATE_LIMIT_S)
  readonly #listeners = new Set<AlertListener>()
  readonly #routed = new Set<RoutedAlertListener>()
  #config: AlertHubConfig = defaultAlertHubConfig
  /** Read from the store once, so ids keep increasing across restarts with a persistent store. */
  readonly #loaded: Promise<void>
  #lastId = 0

  constructor (options: AlertHubOptions) {
    this.#store = options.store
    this.#metrics = options.metrics
    this.#loaded = options.store.lastId().then((id) => { this.#lastId = id })
  }

  configure (config: AlertHubConfig): void {
    this.#config = config
    this.#limiter.windowS = config.rateLimitS
    this.#store.setBounds(config.bounds)
  }

  subscribe (listener: AlertListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  subscribeRouted (listener: RoutedAlertListener): () => void {
    this.#routed.add(listener)
    return () => { this.#routed.delete(listener) }
  }

  /** Resolves with the accepted alert, or null when the filter dropped it or it was suppressed. */
  async submit (input: AlertInput): Promise<Alert | null> {
    const filter = this.#config.filter
    const decided = filter === null ? input : await filter(input)
    if (decided === null) return null
    const admission = this.#limiter.admit(decided)
    if (!admission.admit) {
      this.#metrics.suppressed(decided.type)
      return null
    }
    await this.#loaded
    // Taken synchronously after the last await: concurrent submissions get distinct, increasing ids.
    const alert: Alert = {
      id: ++this.#lastId,
      type: decided.type,
      severity: decided.severity,
      login: decided.login,
      remote: decided.remote,
      t: decided.t,
      ...(decided.risk !== undefined ? { risk: decided.risk } : {}),
      evidence: decided.evidence,
      suppressed: admission.suppressed
    }
    await this.#store.append(alert)
    this.#metrics.accepted(alert.type, alert.severity)
    this.#notify({ alert, attrs: decided.attrs ?? {} })
    return alert
  }

  query (query: AlertQuery): Promise<Alert[]> { return this.#store.query(query) }

  #notify (routed: RoutedAlert): void {
    // A listener that throws must not keep the alert from the others.
    for (const listener of this.#listeners) {
      try { listener.onAlert(routed.alert) } catch (err) { logger.error('an alert listener failed', { id: routed.alert.id, error: err as Error }) }
    }
    for (const listener of this.#routed) {
      try { listener.onRoutedAlert(routed) } catch (err) { logger.error('an alert route failed', { id: routed.alert.id, error: err as Error }) }
    }
  }
}
