/** How one attempt ended. */
export interface AttemptOutcome {
  readonly ok: boolean
  /** Worth trying again (server trouble, network trouble, timeout). */
  readonly retryable: boolean
  /** For the log: status line or error message. */
  readonly detail: string
  /** Server-requested delay (Retry-After seconds on 429/503), if any. */
  readonly retryAfterMs: number | undefined
}

/**
 * 2xx succeeds. A 4xx means the receiver rejects this request as such, so sending it again cannot
 * help — except 408 (it timed out waiting) and 429 (it wants us slower). Everything else is retried.
 */
export function isRetryableStatus (status: number): boolean {
  if (status >= 400 && status < 500) return status === 408 || status === 429
  return true
}

/** Delta-seconds Retry-After only; HTTP dates are rare from webhook receivers and are ignored. */
export function parseRetryAfter (value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined
  return Number(text) * 1000
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries from a
 * burst of failures spread out without ever retrying immediately.
 * `attempt` is the number of attempts already made (1 after the first failure).
 */
export function backoffDelay (attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return exp / 2 + random() * (exp / 2)
}
