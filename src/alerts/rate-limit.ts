import { type AlertInput } from './input.ts'

/** The outcome for one alert: let through with the count suppressed before it, or suppressed. */
export type Admission = { readonly admit: true, readonly suppressed: number } | { readonly admit: false }

interface KeyState {
  /** Event time of the last alert let through. */
  last: number
  suppressed: number
}

/** Keys remembered at most; the least recently admitted go first beyond it. */
const MAX_KEYS = 200_000

/**
 * De-duplication per (login, type), or per (remote, type) for IP-level alerts (no login): after an
 * alert is let through, others of its key are suppressed until `windowS` seconds of EVENT time have
 * passed, so a replay gives the same alerts as real time. An alert at exactly last + window passes.
 * Alerts older than the last one let through (out-of-order reports) are suppressed too. A window
 * of 0 lets every alert through.
 */
export class AlertRateLimiter {
  readonly #keys = new Map<string, KeyState>()
  #windowS: number

  constructor (windowS: number) { this.#windowS = windowS }

  set windowS (s: number) { this.#windowS = s }

  static keyOf (input: Pick<AlertInput, 'type' | 'login' | 'remote'>): string {
    return input.login !== null ? `login\0${input.login}\0${input.type}` : `remote\0${input.remote ?? ''}\0${input.type}`
  }

  admit (input: Pick<AlertInput, 'type' | 'login' | 'remote' | 't'>): Admission {
    const key = AlertRateLimiter.keyOf(input)
    const state = this.#keys.get(key)
    if (state !== undefined && this.#windowS > 0 && input.t < state.last + this.#windowS) {
      state.suppressed++
      return { admit: false }
    }
    const suppressed = state?.suppressed ?? 0
    // Re-inserted so the map stays in order of last admission, oldest first, for eviction.
    this.#keys.delete(key)
    this.#keys.set(key, { last: input.t, suppressed: 0 })
    if (this.#keys.size > MAX_KEYS) this.#keys.delete(this.#keys.keys().next().value as string)
    return { admit: true, suppressed }
  }
}
