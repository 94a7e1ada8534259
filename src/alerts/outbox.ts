import { type DeliveryEnd } from '../outbound/index.ts'

/**
 * How one delivery of an alert ended, as the routes report it: a `DeliveryEnd` of the webhook or
 * mail queue, or 'dropped' when it never got queued (queue full, no address: counted and logged).
 * Only 'abandoned' (the queue was cut off at shutdown) leaves the alert to deliver again.
 */
export type DeliveryOutcome = DeliveryEnd | 'dropped'

/** Told once when a delivery ends; later calls are ignored (a queue settles each job once, but be safe). */
export type DeliveryDone = (outcome: DeliveryOutcome) => void

/**
 * The persistent outbox's bookkeeping for one alert: the routes open a delivery per webhook, mail
 * or digest they hand it to, and the alert counts as routed once every one ended — not abandoned —
 * and the hub sealed the ticket (all routes ran). Then `onRouted` runs, once.
 */
export class DeliveryTicket {
  /** Deliveries not ended yet, plus one held by the hub until seal(). */
  #open = 1
  #abandoned = false
  readonly #onRouted: () => void
  readonly #onEnd: (outcome: DeliveryOutcome) => void

  /** `onEnd` hears every delivery's outcome (the hub counts and logs those given up). */
  constructor (onRouted: () => void, onEnd: (outcome: DeliveryOutcome) => void = () => {}) {
    this.#onRouted = onRouted
    this.#onEnd = onEnd
  }

  /** A delivery begins; call what it returns when it ends. */
  open (): DeliveryDone {
    this.#open++
    let ended = false
    return (outcome) => {
      if (ended) return
      ended = true
      if (outcome === 'abandoned') this.#abandoned = true
      this.#onEnd(outcome)
      this.#release()
    }
  }

  /** Every route has seen the alert: no more deliveries open after this. */
  seal (): void { this.#release() }

  #release (): void {
    if (--this.#open === 0 && !this.#abandoned) this.#onRouted()
  }
}

/** For callers that route without an outbox (tests, a store that keeps nothing). */
export const untracked = (): DeliveryTicket => new DeliveryTicket(() => {})
