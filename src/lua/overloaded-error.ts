import { TrackalertError } from '../errors.ts'

/**
 * A REST request's Lua call was not run: it waited in the queue longer than setMaxQueueWaitMs.
 * Answered 503 with Retry-After, so the client retries later instead of timing out.
 */
export class OverloadedError extends TrackalertError {
  /** Seconds for Retry-After: the bound rounded up, at least 1. */
  readonly retryAfterSecs: number

  constructor (maxQueueWaitMs: number) {
    super('TA_ERR_OVERLOADED', `Overloaded: the request waited more than ${maxQueueWaitMs} ms in the queue (setMaxQueueWaitMs)`)
    this.name = 'OverloadedError'
    this.retryAfterSecs = Math.max(1, Math.ceil(maxQueueWaitMs / 1000))
  }
}
