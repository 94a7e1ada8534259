import { logger } from '../log/index.ts'
import { Digest } from './digest.ts'
import { type RoutedAlert } from './input.ts'
import { type RoutedAlertListener } from './hub.ts'
import { type DeliveryDone, type DeliveryTicket } from './outbox.ts'
import { type AlertRoute, type AlertRoutePorts } from './route-config.ts'
import { fillTemplate } from './template.ts'
import { alertSeverities } from './input.ts'

const rank = (s: string): number => alertSeverities.indexOf(s as never)

/** The configuration a reload makes current: its routes and how they reach the outside. */
interface RouterGeneration {
  readonly routes: readonly AlertRoute[]
  readonly ports: AlertRoutePorts
}

/**
 * Sends accepted alerts where setAlertRoute says: custom webhooks, a mail to the user, an admin
 * digest. Lives as long as the hub's process: a reload swaps the routes, and a digest whose
 * recipients stay keeps the alerts it gathered (one whose recipients went is sent at once).
 */
export class AlertRouter implements RoutedAlertListener {
  #current: RouterGeneration = { routes: [], ports: nullPorts }
  readonly #digests = new Map<string, Digest>()

  configure (routes: readonly AlertRoute[], ports: AlertRoutePorts): void {
    this.#current = { routes, ports }
    const wanted = new Map<string, AlertRoute>()
    for (const route of routes) if (route.digest !== null) wanted.set(digestKey(route), route)
    for (const [key, digest] of this.#digests) {
      if (wanted.has(key)) continue
      digest.stop()
      digest.send()
      this.#digests.delete(key)
    }
    for (const [key, route] of wanted) {
      const spec = route.digest
      if (spec === null) continue
      const existing = this.#digests.get(key)
      if (existing !== undefined) existing.reconfigure(spec, ports)
      else this.#digests.set(key, new Digest(spec, ports))
    }
  }

  /**
   * Opens a delivery on `ticket` for each webhook, mail and digest the alert goes to; one refused
   * by its queue (full, unknown hook) ends as dropped: it was counted and logged, not retried.
   */
  onRoutedAlert (routed: RoutedAlert, ticket: DeliveryTicket): void {
    const { routes, ports } = this.#current
    const { alert } = routed
    for (const route of routes) {
      if (route.types !== null && !route.types.includes(alert.type)) continue
      if (rank(alert.severity) < rank(route.minSeverity)) continue
      if (route.webhooks.length > 0) {
        const body = JSON.stringify(alert)
        for (const hook of route.webhooks) {
          const done = ticket.open()
          if (!ports.runWebhook(hook, body, done)) {
            logger.warn('alert not queued on its webhook', { id: alert.id, webhook: hook })
            done('dropped')
          }
        }
      }
      if (route.userMail !== null && alert.login !== null) void this.#mailUser(route, routed, ports, ticket.open())
      if (route.digest !== null) {
        const digest = this.#digests.get(digestKey(route))
        if (digest !== undefined) digest.add(alert, ticket.open())
      }
    }
  }

  /** Shutdown: every digest sends what it gathered (the mail queue drains after this). */
  close (): void {
    for (const digest of this.#digests.values()) {
      digest.stop()
      digest.send()
    }
    this.#digests.clear()
  }

  async #mailUser (route: AlertRoute, routed: RoutedAlert, ports: AlertRoutePorts, done: DeliveryDone): Promise<void> {
    const spec = route.userMail
    if (spec === null) return done('dropped')
    const { alert } = routed
    try {
      const address = spec.addressFunction
        ? await ports.userAddress(route.index, routed)
        : addressOf(routed.attrs[spec.addressAttr ?? ''])
      if (address === null) {
        logger.info('no address to mail the user an alert', { id: alert.id, login: alert.login })
        done('dropped')
        return
      }
      const queued = ports.sendMail({ to: [address], from: spec.from, subject: fillTemplate(spec.subject, routed), text: fillTemplate(spec.template, routed) }, done)
      if (!queued) {
        logger.warn('alert mail to the user not queued (mail queue full or closed)', { id: alert.id })
        done('dropped')
      }
    } catch (err) {
      logger.error('alert mail to the user failed', { id: alert.id, error: err as Error })
      done('dropped')
    }
  }
}

function addressOf (v: unknown): string | null {
  if (typeof v === 'string' && v.includes('@')) return v
  // Report attributes may be lists (attrs_mv): the first address wins.
  if (Array.isArray(v)) return addressOf(v[0])
  return null
}

function digestKey (route: AlertRoute): string { return route.digest === null ? '' : route.digest.to.join(',') }

const nullPorts: AlertRoutePorts = {
  runWebhook: () => false,
  sendMail: () => false,
  userAddress: async () => null
}
