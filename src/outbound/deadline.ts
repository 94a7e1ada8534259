/**
 * An abort signal that fires after `ms` unless cancelled first. AbortSignal.timeout() cannot be
 * cancelled: its timer and signal live for the whole timeout even when the request took 1 ms, so
 * at thousands of deliveries a second they piled up in the old generation (100 MB and more).
 */
export class Deadline {
  readonly #controller = new AbortController()
  readonly #timer: NodeJS.Timeout

  constructor (ms: number) {
    const controller = this.#controller
    this.#timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')), ms)
    // As AbortSignal.timeout's: the deadline alone does not keep the process running.
    this.#timer.unref()
  }

  get signal (): AbortSignal { return this.#controller.signal }

  /** The work finished: drop the timer now. */
  cancel (): void { clearTimeout(this.#timer) }
}
