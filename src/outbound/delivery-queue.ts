import { TrackalertError } from '../errors.ts'
import { backoffDelay, type AttemptOutcome } from './retry-policy.ts'
import { RingQueue } from './ring-queue.ts'

/** How a queue of one kind of delivery (webhook POSTs, mails) behaves; changeable at any time. */
export interface DeliveryPolicy {
  /** Deliveries the queue holds before refusing new ones. */
  readonly limit: number
  /** Whether deliveries on the wire count against `limit` (mail: yes; webhooks: only waiting ones). */
  readonly limitIncludesInFlight: boolean
  /** Attempts running at once. */
  readonly concurrency: number
  /** Attempts per delivery, the first included. */
  readonly maxAttempts: number
  /** No attempt is started once a delivery is this old (Infinity: no age limit). */
  readonly maxAgeMs: number
  /** First retry delay; doubles per attempt, with jitter, capped at retryMaxDelayMs. */
  readonly retryBaseDelayMs: number
  readonly retryMaxDelayMs: number
}

/**
 * A delivery's own retry limits, over the queue's policy: alerts retry far longer than plain
 * custom webhook events on the same queue. maxAttempts may be Infinity (age alone ends it).
 */
export type DeliveryRetry = Readonly<Partial<Pick<DeliveryPolicy, 'maxAttempts' | 'maxAgeMs' | 'retryMaxDelayMs'>> & {
  /** A failure while draining ends it 'abandoned', not 'exhausted': its owner (the alert outbox) keeps it for the next start. */
  abandonAtShutdown?: boolean
}>

/**
 * How a delivery ended. delivered; rejected: the receiver refused it for good; exhausted: attempts
 * used up (or a failure while draining); expired: too old to try again; abandoned: still queued or
 * on the wire when a drain timed out.
 */
export type DeliveryEnd = 'delivered' | 'rejected' | 'exhausted' | 'expired' | 'abandoned'

/** The transport side: sends one attempt, hears how each delivery ended. */
export interface DeliveryHandler<J> {
  /** One attempt; `attempt` counts from 1. A rejection counts as a retryable failure. */
  attempt (job: J, attempt: number): Promise<AttemptOutcome>
  /** Called exactly once per accepted delivery. `detail` says why it failed ('' when delivered). */
  settle (job: J, end: DeliveryEnd, detail: string, attempts: number): void
  /** An attempt failed and another follows after `delayMs`. */
  retrying? (job: J, attempts: number, delayMs: number, detail: string): void
}

/** The clock and timers the queue uses (injected by tests, so backoff is checked without waiting). */
export interface DeliveryTimers {
  now (): number
  setTimeout (callback: () => void, ms: number): unknown
  clearTimeout (handle: unknown): void
}

export const realTimers: DeliveryTimers = {
  now: Date.now,
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout)
}

/** Running totals; they only grow. */
export interface DeliveryCounts {
  accepted: number
  /** Refused at enqueue: queue full or draining. */
  refused: number
  delivered: number
  /** Ended rejected, exhausted or expired. */
  failed: number
  abandoned: number
  retries: number
}

export type EnqueueResult = 'queued' | 'full' | 'closed'

export interface DrainOutcome<J> {
  /** Everything finished within the timeout. */
  readonly completed: boolean
  /** Deliveries given up at the timeout (each also settled as 'abandoned'). */
  readonly abandoned: readonly J[]
}

interface Entry<J> {
  readonly job: J
  readonly enqueuedAt: number
  attempts: number
  timer: unknown
  done: boolean
  readonly retry: DeliveryRetry | undefined
}

/**
 * A bounded, retrying delivery queue, independent of what it delivers. It belongs to the process,
 * not to a configuration: a reload changes its policy (configure) and the transports' settings,
 * while every delivery already accepted stays queued. drain() ends it at shutdown.
 */
export class DeliveryQueue<J> {
  #policy: DeliveryPolicy
  readonly #handler: DeliveryHandler<J>
  readonly #timers: DeliveryTimers
  readonly #random: () => number
  readonly #ready = new RingQueue<Entry<J>>()
  readonly #backingOff = new Set<Entry<J>>()
  readonly #inFlight = new Set<Entry<J>>()
  readonly #idle: Array<() => void> = []
  readonly counts: DeliveryCounts = { accepted: 0, refused: 0, delivered: 0, failed: 0, abandoned: 0, retries: 0 }
  #pumpScheduled = false
  #draining = false
  #drained: Promise<DrainOutcome<J>> | undefined

  constructor (handler: DeliveryHandler<J>, policy: DeliveryPolicy, options: { timers?: DeliveryTimers, random?: () => number } = {}) {
    this.#handler = handler
    this.#policy = checkPolicy(policy)
    this.#timers = options.timers ?? realTimers
    this.#random = options.random ?? Math.random
  }

  get policy (): DeliveryPolicy { return this.#policy }
  /** Waiting to be sent: queued or backing off before a retry. */
  get waiting (): number { return this.#ready.length + this.#backingOff.size }
  get inFlight (): number { return this.#inFlight.size }
  /** Accepted and not finished. */
  get size (): number { return this.waiting + this.#inFlight.size }
  /** drain() has begun: nothing more is accepted. */
  get closed (): boolean { return this.#draining }

  /** New policy for every delivery, queued ones included; a larger concurrency takes effect at once. */
  configure (policy: DeliveryPolicy): void {
    this.#policy = checkPolicy(policy)
    this.#schedulePump()
  }

  /** `retry` replaces the policy's retry limits for this delivery (see DeliveryRetry). */
  enqueue (job: J, retry?: DeliveryRetry): EnqueueResult {
    if (this.#draining) { this.counts.refused++; return 'closed' }
    const held = this.#policy.limitIncludesInFlight ? this.size : this.waiting
    if (held >= this.#policy.limit) { this.counts.refused++; return 'full' }
    this.counts.accepted++
    this.#ready.push({ job, enqueuedAt: this.#timers.now(), attempts: 0, timer: undefined, done: false, retry: retry === undefined ? undefined : checkRetry(retry) })
    this.#schedulePump()
    return 'queued'
  }

  /** Resolves when nothing is queued, backing off or on the wire. */
  whenIdle (): Promise<void> {
    if (this.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /**
   * Stops accepting; deliveries waiting for a retry are tried at once and a failure from now on is
   * final (shutdown must not sit out backoffs). After `timeoutMs` what is left is abandoned.
   * Repeat calls share the first one.
   */
  drain (timeoutMs: number): Promise<DrainOutcome<J>> {
    this.#drained ??= this.#drain(timeoutMs)
    return this.#drained
  }

  async #drain (timeoutMs: number): Promise<DrainOutcome<J>> {
    this.#draining = true
    for (const e of this.#backingOff) {
      this.#timers.clearTimeout(e.timer)
      this.#ready.push(e)
    }
    this.#backingOff.clear()
    this.#schedulePump()
    if (this.size > 0) {
      let timer: unknown
      await Promise.race([this.whenIdle(), new Promise<void>((resolve) => { timer = this.#timers.setTimeout(resolve, timeoutMs) })])
      this.#timers.clearTimeout(timer)
    }
    const left = [...this.#ready.drainAll(), ...this.#inFlight]
    this.#inFlight.clear()
    for (const e of left) this.#finish(e, 'abandoned', 'still queued when the drain timed out')
    return { completed: left.length === 0, abandoned: left.map((e) => e.job) }
  }

  #schedulePump (): void {
    if (this.#pumpScheduled) return
    this.#pumpScheduled = true
    // Deferred: enqueue() runs inside a Lua call and must not start network work there.
    setImmediate(() => this.#pump())
  }

  #pump (): void {
    this.#pumpScheduled = false
    const policy = this.#policy
    while (this.#inFlight.size < policy.concurrency && this.#ready.length > 0) {
      const e = this.#ready.shift() as Entry<J>
      if (e.attempts > 0 && this.#timers.now() - e.enqueuedAt >= this.#limits(e).maxAgeMs) {
        this.#finish(e, 'expired', `expired after ${e.attempts} attempt(s) waiting in the queue`)
        continue
      }
      this.#start(e)
    }
    this.#checkIdle()
  }

  #start (e: Entry<J>): void {
    this.#inFlight.add(e)
    e.attempts++
    let attempt: Promise<AttemptOutcome>
    try {
      attempt = this.#handler.attempt(e.job, e.attempts)
    } catch (err) {
      attempt = Promise.reject(err)
    }
    attempt.then(
      (outcome) => this.#attempted(e, outcome),
      (err: unknown) => this.#attempted(e, { ok: false, retryable: true, detail: (err as Error).message, retryAfterMs: undefined })
    )
  }

  #attempted (e: Entry<J>, outcome: AttemptOutcome): void {
    if (e.done) return // abandoned by a drain that timed out while this attempt ran
    this.#inFlight.delete(e)
    const policy = this.#limits(e)
    if (outcome.ok) this.#finish(e, 'delivered', '')
    else if (!outcome.retryable) this.#finish(e, 'rejected', `${outcome.detail} (not retried)`)
    else if (e.attempts >= policy.maxAttempts) this.#finish(e, 'exhausted', `${outcome.detail} (gave up after ${e.attempts} attempts)`)
    else if (this.#draining && e.retry?.abandonAtShutdown === true) this.#finish(e, 'abandoned', `${outcome.detail} (left for the next start: shutting down)`)
    else if (this.#draining) this.#finish(e, 'exhausted', `${outcome.detail} (not retried: shutting down)`)
    else this.#retryLater(e, outcome)
    this.#schedulePump()
  }

  /** The queue's policy with the delivery's own retry limits over it. */
  #limits (e: Entry<J>): DeliveryPolicy {
    return e.retry === undefined ? this.#policy : { ...this.#policy, ...e.retry }
  }

  #retryLater (e: Entry<J>, outcome: AttemptOutcome): void {
    const policy = this.#limits(e)
    const delay = Math.max(backoffDelay(e.attempts, policy.retryBaseDelayMs, policy.retryMaxDelayMs, this.#random), outcome.retryAfterMs ?? 0)
    if (this.#timers.now() + delay - e.enqueuedAt > policy.maxAgeMs) {
      this.#finish(e, 'expired', `${outcome.detail} (gave up after ${e.attempts} attempts: max age reached)`)
      return
    }
    this.counts.retries++
    this.#backingOff.add(e)
    e.timer = this.#timers.setTimeout(() => {
      e.timer = undefined
      if (!this.#backingOff.delete(e)) return
      this.#ready.push(e)
      this.#schedulePump()
    }, delay)
    this.#notify(() => this.#handler.retrying?.(e.job, e.attempts, delay, outcome.detail))
  }

  #finish (e: Entry<J>, end: DeliveryEnd, detail: string): void {
    e.done = true
    if (end === 'delivered') this.counts.delivered++
    else if (end === 'abandoned') this.counts.abandoned++
    else this.counts.failed++
    this.#notify(() => this.#handler.settle(e.job, end, detail, e.attempts))
    this.#checkIdle()
  }

  /** A throwing handler callback must not break the queue's bookkeeping. */
  #notify (call: () => void): void {
    try {
      call()
    } catch (err) {
      process.emitWarning(`delivery handler threw: ${(err as Error).message}`)
    }
  }

  #checkIdle (): void {
    if (this.size > 0) return
    for (const resolve of this.#idle.splice(0)) resolve()
  }
}

function checkPolicy (policy: DeliveryPolicy): DeliveryPolicy {
  for (const key of ['limit', 'concurrency', 'maxAttempts'] as const) {
    if (!Number.isInteger(policy[key]) || policy[key] < 1) {
      throw new TrackalertError('TA_ERR_CONFIG_INVALID', `delivery ${key} must be a positive integer, got ${String(policy[key])}`)
    }
  }
  for (const key of ['maxAgeMs', 'retryBaseDelayMs', 'retryMaxDelayMs'] as const) {
    if (Number.isNaN(policy[key]) || policy[key] < 0) {
      throw new TrackalertError('TA_ERR_CONFIG_INVALID', `delivery ${key} must not be negative, got ${String(policy[key])}`)
    }
  }
  return { ...policy }
}

function checkRetry (retry: DeliveryRetry): DeliveryRetry {
  const attempts = retry.maxAttempts
  if (attempts !== undefined && !(attempts === Infinity || (Number.isInteger(attempts) && attempts >= 1))) {
    throw new TrackalertError('TA_ERR_CONFIG_INVALID', `delivery maxAttempts must be a positive integer or Infinity, got ${String(attempts)}`)
  }
  for (const key of ['maxAgeMs', 'retryMaxDelayMs'] as const) {
    const v = retry[key]
    if (v !== undefined && (Number.isNaN(v) || v < 0)) throw new TrackalertError('TA_ERR_CONFIG_INVALID', `delivery ${key} must not be negative, got ${String(v)}`)
  }
  return { ...retry }
}
