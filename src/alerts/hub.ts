import { logger } from '../log/index.ts'
import { type AlertInput, type RoutedAlert } from './input.ts'
import { type AlertMetrics } from './metrics.ts'
import { DeliveryTicket } from './outbox.ts'
import { AlertRateLimiter } from './rate-limit.ts'
import { DEFAULT_ALERT_BOUNDS, type AlertBounds, type AlertQuery, type AlertStore } from './store.ts'
import { type Alert, type AlertListener } from './types.ts'

/** The decision hook (Lua setAlertFilter): the alert as it should be, or null to drop it. */
export type AlertFilter = (input: AlertInput) => Promise<AlertInput | null>

/**
 * Something that needs the report attributes beside the alert (the routes). It opens a delivery
 * on `ticket` for each place it hands the alert to, so the outbox knows when the alert is routed.
 */
export interface RoutedAlertListener { onRoutedAlert (routed: RoutedAlert, ticket: DeliveryTicket): void }

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
  /** A promise when the store is chosen later (the daemon's, once its configuration says whether history is on). */
  readonly store: AlertStore | Promise<AlertStore>
  readonly metrics: AlertMetrics
}

/**
 * The daemon's one alert hub (in the process that speaks for the daemon; other processes forward
 * to it): runs the filter hook, de-duplicates, gives each alert its id, stores it, and hands it to
 * the listeners (routes, the blacklist). Ids increase in the order alerts are accepted.
 */
export class AlertHub {
  /** Set once the store is chosen and its last id read: submissions and queries wait for that. */
  #store: AlertStore | null = null
  /** Set as soon as the store is chosen, so close() lets it go even if its last id never came. */
  #chosen: AlertStore | null = null
  readonly #metrics: AlertMetrics
  readonly #limiter = new AlertRateLimiter(DEFAULT_RATE_LIMIT_S)
  readonly #listeners = new Set<AlertListener>()
  readonly #routed = new Set<RoutedAlertListener>()
  #config: AlertHubConfig = defaultAlertHubConfig
  /** Read from the store once, so ids keep increasing across restarts with a persistent store. */
  readonly #loaded: Promise<void>
  #lastId = 0

  constructor (options: AlertHubOptions) {
    this.#metrics = options.metrics
    this.#loaded = Promise.resolve(options.store).then(async (store) => {
      this.#chosen = store
      store.setBounds(this.#config.bounds)
      this.#lastId = await store.lastId()
      this.#store = store
    })
  }

  configure (config: AlertHubConfig): void {
    this.#config = config
    this.#limiter.windowS = config.rateLimitS
    this.#store?.setBounds(config.bounds)
  }

  /**
   * Start: alerts a previous run stored but did not finish delivering (the persistent outbox) go
   * to the routes again, oldest first. Call once the routes are configured. Resolves with how many.
   */
  async resumeDeliveries (): Promise<number> {
    const store = await this.#storeReady()
    const pending = await store.unrouted()
    if (pending.length > 0) logger.info('delivering alerts left undelivered by the previous run', { alerts: pending.length, first: pending[0].alert.id })
    for (const routed of pending) this.#route(store, routed)
    return pending.length
  }

  /** Shutdown, after the delivery queues drained: the last outbox marks are written. */
  async close (): Promise<void> {
    await this.#chosen?.close()
  }

  async #storeReady (): Promise<AlertStore> {
    await this.#loaded
    if (this.#store === null) throw new Error('alert store not loaded')
    return this.#store
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
    const store = await this.#storeReady()
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
    const attrs = decided.attrs ?? {}
    try {
      await store.append(alert, attrs)
    } catch (err) {
      // A database outage must not silence the alert: it is still routed, only not kept.
      logger.error('alert not stored', { id: alert.id, type: alert.type, error: err as Error })
    }
    this.#metrics.accepted(alert.type, alert.severity)
    const routed = { alert, attrs }
    // A listener that throws must not keep the alert from the others.
    for (const listener of this.#listeners) {
      try { listener.onAlert(alert) } catch (err) { logger.error('an alert listener failed', { id: alert.id, error: err as Error }) }
    }
    this.#route(store, routed)
    return alert
  }

  async query (query: AlertQuery): Promise<Alert[]> { return (await this.#storeReady()).query(query) }

  /** eraseHistory: forgets the login's stored alerts; resolves with how many went. */
  async eraseLogin (login: string): Promise<number> { return (await this.#storeReady()).eraseLogin(login) }

  /** Hands the alert to the routes; once every delivery they opened ended, the outbox marks it routed. */
  #route (store: AlertStore, routed: RoutedAlert): void {
    const { id, type } = routed.alert
    const ticket = new DeliveryTicket(() => {
      store.markRouted(id).catch((err: unknown) => logger.error('alert delivered but not marked so in the store (it may be sent again at restart)', { id, error: err as Error }))
    }, (outcome) => {
      if (outcome === 'delivered' || outcome === 'abandoned') return
      // The transport logged why; this line ties it to the alert.
      this.#metrics.undelivered(type)
      logger.error('alert delivery given up', { id, type, outcome })
    })
    for (const listener of this.#routed) {
      try { listener.onRoutedAlert(routed, ticket) } catch (err) { logger.error('an alert route failed', { id, error: err as Error }) }
    }
    ticket.seal()
  }
}
