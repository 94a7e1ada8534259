import { logger } from '../log/index.ts'
import { type DeliveryDone } from './outbox.ts'
import { type AlertRoutePorts, type DigestRoute } from './route-config.ts'
import { type Alert } from './types.ts'

/** Lines one digest mail lists at most; beyond, it says how many more there were. */
const MAX_LINES = 10_000

function line (a: Alert): string {
  const when = new Date(a.t * 1000).toISOString()
  const suppressed = a.suppressed > 0 ? ` (+${a.suppressed} suppressed)` : ''
  return `#${a.id} ${when} ${a.severity} ${a.type} login=${a.login ?? '-'} remote=${a.remote ?? '-'}${suppressed}`
}

/** The admin digest of one recipient list: gathers alerts, mails them every `everyS`, nothing when empty. */
export class Digest {
  #spec: DigestRoute
  #ports: AlertRoutePorts
  #pending: Alert[] = []
  /** The outbox callbacks of the alerts gathered (listed or only counted): told when their mail ends. */
  #done: DeliveryDone[] = []
  #overflow = 0
  #timer: NodeJS.Timeout | null = null

  constructor (spec: DigestRoute, ports: AlertRoutePorts) {
    this.#spec = spec
    this.#ports = ports
    this.#start()
  }

  reconfigure (spec: DigestRoute, ports: AlertRoutePorts): void {
    const restart = spec.everyS !== this.#spec.everyS
    this.#spec = spec
    this.#ports = ports
    if (restart) { this.stop(); this.#start() }
  }

  add (alert: Alert, done: DeliveryDone = () => {}): void {
    if (this.#pending.length < MAX_LINES) this.#pending.push(alert)
    else this.#overflow++
    this.#done.push(done)
  }

  stop (): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }

  send (): void {
    if (this.#pending.length === 0) return
    const count = this.#pending.length + this.#overflow
    const lines = this.#pending.map(line)
    if (this.#overflow > 0) lines.push(`… and ${this.#overflow} more (GET /command/alerts lists them)`)
    const subject = this.#spec.subject.replaceAll('{count}', String(count))
    const done = this.#done
    const queued = this.#ports.sendMail({ to: this.#spec.to, from: this.#spec.from, subject, text: `${count} alerts since the last digest:\n\n${lines.join('\n')}\n` },
      (outcome) => { for (const d of done) d(outcome) })
    if (!queued) {
      // Kept for the next round: a full queue or a missing relay must not lose the digest.
      logger.warn('alert digest not queued, kept for the next one', { to: this.#spec.to.join(','), alerts: count })
      return
    }
    this.#pending = []
    this.#done = []
    this.#overflow = 0
  }

  #start (): void {
    this.#timer = setInterval(() => { this.send() }, this.#spec.everyS * 1000)
    this.#timer.unref()
  }
}
