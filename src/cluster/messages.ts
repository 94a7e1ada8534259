import { type Alert, type AlertInput, type AlertQuery } from '../alerts/index.ts'
import { type LiveHttpSettings } from '../config/settings.ts'
import { type ProcessFigures } from './figures.ts'
import { TrackalertError } from '../errors.ts'

/**
 * The IPC protocol between the primary and its workers (node:cluster's channel, JSON-serialised).
 * Requests carry an id; the answer is a `reply` with the same id.
 */
export type ToWorker =
  | { readonly t: 'figures', readonly id: number }
  | { readonly t: 'reload', readonly id: number }
  | { readonly t: 'reload-geoip', readonly id: number }
  | { readonly t: 'settings', readonly id: number, readonly live: LiveHttpSettings }
  | { readonly t: 'stop' }
  | Reply

export type ToPrimary =
  | { readonly t: 'ready', readonly listening: Array<{ address: string, tls: boolean }> }
  /** The worker could not start; it exits right after sending this. */
  | { readonly t: 'failed', readonly message: string }
  | { readonly t: 'collect', readonly id: number }
  | { readonly t: 'reload', readonly id: number }
  | { readonly t: 'reload-geoip', readonly id: number }
  | { readonly t: 'shutdown' }
  /** A worker's Lua asked wforceBlacklist{input}: the primary decides. */
  | { readonly t: 'blacklist', readonly id: number, readonly input: unknown }
  /** A worker's raiseAlert / finding for the hub, which runs in the primary (no reply). */
  | { readonly t: 'alert', readonly input: AlertInput }
  /** GET /command/alerts served by a worker: the hub answers with `alerts`. */
  | { readonly t: 'alerts', readonly id: number, readonly query: AlertQuery }
  /** eraseHistory served by a worker: the hub forgets the login's alerts and answers `removed`. */
  | { readonly t: 'erase-alerts', readonly id: number, readonly login: string }
  | Reply

export interface Reply {
  readonly t: 'reply'
  readonly id: number
  readonly error?: string
  readonly text?: string
  readonly figures?: ProcessFigures
  readonly list?: ProcessFigures[]
  readonly blacklist?: { readonly ok: boolean, readonly reason: string }
  readonly alerts?: Alert[]
  readonly removed?: number
}

/** Sends the reply to request `id` once `work` settles: its fields, or its error's message. */
export function replyWhenDone (id: number, work: Promise<Omit<Reply, 't' | 'id'>>, send: (reply: Reply) => void): void {
  work.then((fields) => { send({ t: 'reply', id, ...fields }) }, (err: unknown) => { send({ t: 'reply', id, error: (err as Error).message }) })
}

/** Why a request failed at once: the process it went to exited (not a timeout or an error it sent). */
export class PeerGoneError extends TrackalertError { constructor (why: string) { super('TA_ERR_CLUSTER', why) } }

interface Pending {
  readonly resolve: (r: Reply) => void
  readonly reject: (e: Error) => void
  readonly timer: NodeJS.Timeout
  /** The process asked; see failTo. */
  readonly to: unknown
}

/** Outstanding requests of one side, settled by replies; each fails after `timeoutMs`. */
export class PendingRequests {
  readonly #pending = new Map<number, Pending>()
  readonly #timeoutMs: number
  #next = 1

  constructor (timeoutMs: number) { this.#timeoutMs = timeoutMs }

  /** Sends with a fresh id (via `send`) to process `to` and resolves with the reply. */
  request (what: string, send: (id: number) => void, to: unknown = null): Promise<Reply> {
    const id = this.#next++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new TrackalertError('TA_ERR_CLUSTER', `${what}: no answer within ${this.#timeoutMs} ms`))
      }, this.#timeoutMs)
      this.#pending.set(id, { resolve, reject, timer, to })
      try {
        send(id)
      } catch (err) {
        clearTimeout(timer)
        this.#pending.delete(id)
        reject(err as Error)
      }
    })
  }

  settle (reply: Reply): void {
    const entry = this.#pending.get(reply.id)
    if (entry === undefined) return
    this.#pending.delete(reply.id)
    clearTimeout(entry.timer)
    if (reply.error !== undefined) entry.reject(new TrackalertError('TA_ERR_CLUSTER', reply.error))
    else entry.resolve(reply)
  }

  /** Fails at once the requests sent to `to`, which exited: waiting for their timeout would stall the caller. */
  failTo (to: unknown, why: string): void {
    for (const [id, entry] of this.#pending) {
      if (entry.to !== to) continue
      clearTimeout(entry.timer)
      entry.reject(new PeerGoneError(why))
      this.#pending.delete(id)
    }
  }

  /** Fails every outstanding request (the other side went away). */
  failAll (why: string): void {
    for (const [id, entry] of this.#pending) {
      clearTimeout(entry.timer)
      entry.reject(new TrackalertError('TA_ERR_CLUSTER', why))
      this.#pending.delete(id)
    }
  }
}
