import { Worker } from 'node:worker_threads'
import { type OpenOptions } from './sqlite-schema.ts'
import { type HistoryRecord, type PruneStep } from './types.ts'

export type WriteRequest =
  | { id: number, op: 'write', records: readonly HistoryRecord[] }
  | { id: number, op: 'erase', login: string }
  | { id: number, op: 'prune', before: number, limit: number }

export type ReplyValue = null | number | PruneStep

export type WriteReply =
  | { id: number, ok: true, value: ReplyValue }
  | { id: number, ok: false, code: string, message: string }

interface Pending { resolve: (value: ReplyValue) => void, reject: (err: Error) => void }

/** An error as SQLite raised it in the thread: message and code (SQLITE_BUSY, SQLITE_FULL…) kept. */
function threadError (reply: { code: string, message: string }): Error {
  const err = new Error(reply.message) as Error & { code?: string }
  if (reply.code !== '') err.code = reply.code
  return err
}

/**
 * The process's SQLite writes, done in a worker thread with a connection of its own. A commit
 * costs about 100 µs a report (the pages each report dirties, written to the WAL): on the main
 * thread a batch of 2000 held every request for ~200 ms, which made the p99 latency of a daemon
 * at a third of its capacity some 100 times that of history off. Here the main thread only hands
 * over the batch (a structured clone) and serves requests while the thread commits.
 *
 * The thread starts on the first request and again after an unexpected exit (the requests then
 * pending fail, and their reports are counted as dropped by the writer). It keeps the process
 * alive only while an answer is awaited; a graceful stop goes through close(), which lets the
 * thread finish first.
 */
export class SqliteWriteThread {
  readonly #file: string
  readonly #options: OpenOptions
  readonly #pending = new Map<number, Pending>()
  /** Requests sent and not yet answered, for close(). */
  readonly #sent = new Set<Promise<unknown>>()
  #worker: Worker | null = null
  #nextId = 1

  constructor (file: string, options: OpenOptions) {
    this.#file = file
    this.#options = options
  }

  write (records: readonly HistoryRecord[]): Promise<void> {
    return this.#request({ op: 'write', records }).then(() => undefined)
  }

  erase (login: string): Promise<number> {
    return this.#request({ op: 'erase', login }) as Promise<number>
  }

  prune (before: number, limit: number): Promise<PruneStep> {
    return this.#request({ op: 'prune', before, limit }) as Promise<PruneStep>
  }

  /** Lets requests already sent finish, closes the thread's connection and ends the thread. */
  async close (): Promise<void> {
    const worker = this.#worker
    if (worker === null) return
    await Promise.allSettled(this.#sent)
    this.#worker = null
    const exited = new Promise((resolve) => worker.once('exit', resolve))
    worker.ref()
    worker.postMessage({ op: 'close' })
    await exited
  }

  #request (body: DistributiveOmit<WriteRequest, 'id'>): Promise<ReplyValue> {
    const id = this.#nextId++
    const worker = this.#worker ?? this.#start()
    const sent = new Promise<ReplyValue>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      worker.postMessage({ ...body, id })
    })
    // An answer awaited keeps the process alive; an idle thread does not.
    if (this.#sent.size === 0) worker.ref()
    this.#sent.add(sent)
    const forget = (): void => {
      this.#sent.delete(sent)
      if (this.#sent.size === 0) this.#worker?.unref()
    }
    sent.then(forget, forget)
    return sent
  }

  #start (): Worker {
    const worker = new Worker(new URL('./sqlite-write-thread-entry.js', import.meta.url), { workerData: { file: this.#file, options: this.#options } })
    worker.unref()
    worker.on('message', (reply: WriteReply) => {
      const p = this.#pending.get(reply.id)
      if (p === undefined) return
      this.#pending.delete(reply.id)
      if (reply.ok) p.resolve(reply.value)
      else p.reject(threadError(reply))
    })
    const failAll = (err: Error): void => {
      if (this.#worker === worker) this.#worker = null
      for (const p of this.#pending.values()) p.reject(err)
      this.#pending.clear()
    }
    worker.on('error', (err) => { failAll(new Error(`history writer thread: ${err.message}`)) })
    worker.on('exit', (code) => { failAll(new Error(`history writer thread exited (code ${code})`)) })
    this.#worker = worker
    return worker
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
