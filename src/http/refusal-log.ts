import { logger, LogLevel, type LogFields, type LogLevelValue } from '../log/index.ts'

/** Every kind of request or connection the HTTP layer turns away; the `reason` label of trackalert_http_refused_total. */
export const REFUSAL_REASONS = [
  'acl', 'auth', 'bad_request', 'not_found', 'method', 'too_large', 'malformed', 'too_many_connections', 'overloaded', 'forbidden'
] as const
export type RefusalReason = (typeof REFUSAL_REASONS)[number]

/**
 * Refusals an operator must see at the default log level: a client locked out by the ACL or the
 * password, turned away because the connection limit is reached, or a request shed unanswered by
 * Lua (setMaxQueueWaitMs: a lost report). The rest are client mistakes.
 */
const LEVELS: Record<RefusalReason, LogLevelValue> = {
  acl: LogLevel.warning,
  auth: LogLevel.warning,
  too_many_connections: LogLevel.warning,
  overloaded: LogLevel.warning,
  // A cross-site request or a missing CSRF token: a browser driven by another site, or an attack.
  forbidden: LogLevel.warning,
  bad_request: LogLevel.info,
  not_found: LogLevel.info,
  method: LogLevel.info,
  too_large: LogLevel.info,
  malformed: LogLevel.info
}

export const REFUSAL_LOG_INTERVAL_MS = 60_000

export type RefusalEmit = (level: LogLevelValue, message: string, fields: LogFields) => void

export interface RefusalLogOptions {
  /** Milliseconds; injectable so the rate limit can be tested without waiting. */
  readonly now?: () => number
  readonly intervalMs?: number
  readonly emit?: RefusalEmit
}

/** What is known of one refused request for its log line. */
export interface Refusal {
  readonly remote: string
  readonly detail: string
  /** `METHOD /path`, when the refusal concerns a parsed request. */
  readonly request?: string
}

interface ReasonState {
  lastLoggedMs: number
  suppressed: number
  last: Refusal
}

const defaultEmit: RefusalEmit = (level, message, fields) => logger.log(level, message, fields)

/**
 * Logs refused requests without letting a misbehaving client flood the log: per reason, the first
 * refusal is logged at once, then at most one line per interval, carrying the number of refusals
 * left out since the previous line. flush() reports counts whose interval is over even when no new
 * refusal arrives to carry them.
 */
export class RefusalLog {
  readonly #now: () => number
  readonly #intervalMs: number
  readonly #emit: RefusalEmit
  readonly #states = new Map<RefusalReason, ReasonState>()

  constructor (options: RefusalLogOptions = {}) {
    this.#now = options.now ?? Date.now
    this.#intervalMs = options.intervalMs ?? REFUSAL_LOG_INTERVAL_MS
    this.#emit = options.emit ?? defaultEmit
  }

  record (reason: RefusalReason, refusal: Refusal): void {
    const now = this.#now()
    const state = this.#states.get(reason)
    if (state === undefined) {
      this.#states.set(reason, { lastLoggedMs: now, suppressed: 0, last: refusal })
      this.#emit(LEVELS[reason], 'refused request', fieldsOf(reason, refusal, 0))
      return
    }
    if (now - state.lastLoggedMs >= this.#intervalMs) {
      this.#emit(LEVELS[reason], 'refused request', fieldsOf(reason, refusal, state.suppressed))
      state.lastLoggedMs = now
      state.suppressed = 0
      return
    }
    state.suppressed++
    state.last = refusal
  }

  /** Logs, per reason, the refusals left out during an interval that is now over. */
  flush (): void {
    const now = this.#now()
    for (const [reason, state] of this.#states) {
      if (state.suppressed === 0 || now - state.lastLoggedMs < this.#intervalMs) continue
      this.#emit(LEVELS[reason], 'refused requests not logged one by one', {
        reason,
        count: state.suppressed,
        seconds: Math.round((now - state.lastLoggedMs) / 1000),
        last_remote: state.last.remote,
        last_detail: state.last.detail
      })
      state.lastLoggedMs = now
      state.suppressed = 0
    }
  }
}

function fieldsOf (reason: RefusalReason, refusal: Refusal, suppressed: number): LogFields {
  const fields: Record<string, unknown> = { reason, remote: refusal.remote, detail: refusal.detail }
  if (refusal.request !== undefined) fields.request = refusal.request
  if (suppressed > 0) fields.suppressed = suppressed
  return fields
}
