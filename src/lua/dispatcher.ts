import { OverloadedError } from './overloaded-error.ts'
import { logger } from '../log/index.ts'
import { ignoreResults, promiseCall, type LuaArgs, type LuaCall } from './call.ts'
import { type LuaScriptError } from './lua-error.ts'
import { type LuaStatePool } from './pool.ts'
import { type LuaState } from './state.ts'
import { TrackalertError } from '../errors.ts'

export type { LuaCall } from './call.ts'

export type FunctionKind = 'report' | 'custom' | 'background' | 'alert'

/** Receives the per-call figures: WTW/WTR timings, Lua errors and calls shed past the wait bound. */
export interface DispatchObserver {
  recordPerf (waitMs: number, runMs: number): void
  countLuaError (fn: string): void
  countShed (fn: string): void
}

/** Calls in flight per process unless setMaxLuaCallsInFlight says otherwise. */
export const DEFAULT_MAX_CALLS_IN_FLIGHT = 256

/**
 * Longest stretch of Lua one drain runs before it lets the event loop turn (at least one call
 * runs per turn). libuv accepts one connection per loop turn and reads sockets only between
 * turns: a drain that ran the whole queue (400 × 2 ms) starved new connections for seconds.
 */
export const DRAIN_SLICE_MS = 2

export interface DispatchTiming {
  /** Milliseconds, monotonic; injectable so tests decide how long calls run and wait. */
  readonly now?: () => number
  readonly sliceMs?: number
  /** setMaxQueueWaitMs: REST calls queued longer are answered 503 instead of run; 0 = no bound. */
  readonly maxQueueWaitMs?: number
}

/** Function kinds a client waits for: only these are shed (a background run is never dropped). */
const SHEDDABLE: ReadonlySet<FunctionKind> = new Set(['report', 'custom'])

function refFor (state: LuaState, kind: FunctionKind, name: string): number | undefined {
  if (kind === 'report') return state.reportRef === 0 ? undefined : state.reportRef
  if (kind === 'alert') return state.alertRefs.get(name)
  return kind === 'custom' ? state.customRefs.get(name) : state.backgroundRefs.get(name)
}

/** One queued or running call: the LuaCall the state completes, wrapping the caller's (no closures). */
class Job implements LuaCall {
  readonly kind: FunctionKind
  readonly name: string
  readonly call: LuaCall
  readonly queuedAt: number
  readonly #dispatcher: LuaDispatcher
  startedAt = 0

  constructor (kind: FunctionKind, name: string, call: LuaCall, dispatcher: LuaDispatcher, queuedAt: number) {
    this.kind = kind
    this.name = name
    this.call = call
    this.#dispatcher = dispatcher
    this.queuedAt = queuedAt
  }

  push (L: number): number { return this.call.push(L) }
  done (err: LuaScriptError | Error | null, L: number, nresults: number): void { this.#dispatcher.finished(this, err, L, nresults) }
}

/**
 * Runs Lua functions on the pool's states, in arrival order, with at most `maxInFlight` calls
 * started and not finished (running or suspended on host I/O): a stalled backend then makes calls
 * wait here, visible in WTW and the queue gauge, instead of growing memory without bound.
 *
 * Calls are not run from the request handler itself but from a ready queue drained in event-loop
 * turns (setImmediate). Lua runs on the event loop, so running it at once would leave every request
 * read in the same turn unparsed until the call returned, and their wait would never show in WTW.
 * Queued first, all of them get their arrival time; the drain then measures the real wait.
 *
 * A drain runs Lua for about one slice and leaves the rest for the next turn, so that under
 * overload the loop keeps accepting connections and reading requests, which queue behind the
 * earlier ones: every client waits its turn (first come, first served) instead of some waiting
 * for seconds to be read at all. With a wait bound, a REST call that reaches the head of the
 * queue after waiting longer is not run but completed with an OverloadedError (answered 503).
 */
export class LuaDispatcher {
  readonly pool: LuaStatePool
  /** Bound on calls in flight; setMaxLuaCallsInFlight. */
  readonly maxInFlight: number
  readonly maxQueueWaitMs: number
  readonly #observer: DispatchObserver
  readonly #now: () => number
  readonly #sliceMs: number
  readonly #overloaded: OverloadedError
  readonly #queue: Array<Job | undefined> = []
  #head = 0
  #inFlight = 0
  #drainScheduled = false
  #draining = false
  readonly #drain = (): void => { this.#drainScheduled = false; this.#drainQueue() }

  constructor (pool: LuaStatePool, observer: DispatchObserver, maxInFlight = DEFAULT_MAX_CALLS_IN_FLIGHT, timing: DispatchTiming = {}) {
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`)
    const maxWait = timing.maxQueueWaitMs ?? 0
    if (!Number.isFinite(maxWait) || maxWait < 0) throw new RangeError(`maxQueueWaitMs must be 0 (no bound) or a positive number, got ${maxWait}`)
    const slice = timing.sliceMs ?? DRAIN_SLICE_MS
    if (!Number.isFinite(slice) || slice <= 0) throw new RangeError(`sliceMs must be a positive number, got ${slice}`)
    this.pool = pool
    this.#observer = observer
    this.maxInFlight = maxInFlight
    this.maxQueueWaitMs = maxWait
    this.#now = timing.now ?? performance.now.bind(performance)
    this.#sliceMs = slice
    // One instance for every shed call: shedding happens under overload, when a stack trace per call costs most.
    this.#overloaded = new OverloadedError(maxWait)
  }

  /** Calls waiting to start: read but not started, for the next drain or for room under the bound. */
  get queued (): number { return this.#queue.length - this.#head }

  /** Calls started and not finished, running or suspended on host I/O. */
  get inFlight (): number { return this.#inFlight }

  runCall (kind: FunctionKind, name: string, call: LuaCall): void {
    this.#queue.push(new Job(kind, name, call, this, this.#now()))
    if (!this.#draining) this.#scheduleDrain()
  }

  #scheduleDrain (): void {
    if (this.#drainScheduled) return
    this.#drainScheduled = true
    setImmediate(this.#drain)
  }

  /** The promise form (background runs): resolves when the call finished, rejects with its error. */
  runAsync (kind: FunctionKind, name: string, args: LuaArgs | null): Promise<void> {
    return promiseCall((call) => { this.runCall(kind, name, call) }, ignoreResults, args)
  }

  /** Job's completion: count, report, then let a queued call take the freed place. */
  finished (job: Job, err: LuaScriptError | Error | null, L: number, n: number): void {
    this.#inFlight--
    this.#observer.recordPerf(job.startedAt - job.queuedAt, this.#now() - job.startedAt)
    if (err !== null) {
      this.#observer.countLuaError(job.kind === 'report' ? 'report' : job.name)
      logger.error(`Lua ${job.kind} function failed`, {
        function: job.kind === 'report' ? 'report' : job.name,
        error: err.message,
        traceback: 'traceback' in err ? err.traceback : ''
      })
    }
    try {
      job.call.done(err, L, n)
    } catch (doneErr) {
      // A throwing completion must not strand the calls queued behind it, nor the other calls of its state.
      logger.error('completing a Lua call failed', { function: job.name, error: doneErr as Error })
    }
    if (!this.#draining && this.#head < this.#queue.length) this.#drainQueue()
  }

  #drainQueue (): void {
    this.#draining = true
    const started = this.#now()
    const shedBefore = this.maxQueueWaitMs > 0 ? started - this.maxQueueWaitMs : -Infinity
    let ran = false
    // Calls queued while draining (a completion that dispatches another) join this same loop; a
    // call that finishes while we drain frees its place for the next one in this loop too.
    while (this.#head < this.#queue.length) {
      const job = this.#queue[this.#head] as Job
      // FIFO: once the head waited less than the bound, so did every call behind it. Shedding also
      // runs while the in-flight bound is reached (a stalled backend), at each arrival or completion.
      if (job.queuedAt < shedBefore && SHEDDABLE.has(job.kind)) {
        this.#queue[this.#head++] = undefined
        this.#shed(job)
        continue
      }
      if (this.#inFlight >= this.maxInFlight || (ran && this.#now() - started >= this.#sliceMs)) break
      this.#queue[this.#head++] = undefined
      this.#start(job)
      ran = true
    }
    this.#compact()
    this.#draining = false
    if (this.#head < this.#queue.length && this.#inFlight < this.maxInFlight) this.#scheduleDrain()
  }

  #compact (): void {
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head)
      this.#head = 0
    }
  }

  /** Completes a call that waited past the bound without running it: no Lua error, no WTR. */
  #shed (job: Job): void {
    this.#observer.countShed(job.kind === 'report' ? 'report' : job.name)
    try {
      job.call.done(this.#overloaded, 0, 0)
    } catch (doneErr) {
      logger.error('completing a shed Lua call failed', { function: job.name, error: doneErr as Error })
    }
  }

  #start (job: Job): void {
    job.startedAt = this.#now()
    this.#inFlight++
    let state: LuaState
    try {
      state = this.pool.pick()
    } catch (err) {
      this.finished(job, err as Error, 0, 0)
      return
    }
    const ref = refFor(state, job.kind, job.name)
    if (ref === undefined) {
      this.finished(job, new TrackalertError('TA_ERR_LUA_RUNTIME', `${job.kind} function '${job.name}' is not defined in Lua state ${state.index}`), 0, 0)
      return
    }
    state.call(ref, job, job.kind === 'report' ? 'report' : job.name)
  }
}
