import { logger } from '../log/index.ts'
import { type LuaScriptError } from './lua-error.ts'
import { type LuaStatePool, type StateWaiter } from './pool.ts'
import { type CallCompletion, type LuaArgs, type LuaState } from './state.ts'

export type FunctionKind = 'report' | 'custom' | 'background'

/** Receives the per-call figures: WTW/WTR timings and Lua errors. */
export interface DispatchObserver {
  recordPerf (waitMs: number, runMs: number): void
  countLuaError (fn: string): void
}

/** Called with the results still on the coroutine's stack; the state is released right after. */
export type DispatchDone = (err: LuaScriptError | Error | null, L: number, nresults: number) => void

function refFor (state: LuaState, kind: FunctionKind, name: string): number | undefined {
  if (kind === 'report') return state.reportRef === 0 ? undefined : state.reportRef
  return kind === 'custom' ? state.customRefs.get(name) : state.backgroundRefs.get(name)
}

/** Arguments and completion of a call in one object (the hot path's way to avoid closures). */
export interface LuaCall extends LuaArgs {
  done (err: LuaScriptError | Error | null, L: number, nresults: number): void
}

/** Adapts the (args, done) form to LuaCall. */
class CallbackCall implements LuaCall {
  readonly #args: LuaArgs | null
  readonly #done: DispatchDone

  constructor (args: LuaArgs | null, done: DispatchDone) {
    this.#args = args
    this.#done = done
  }

  push (L: number): number { return this.#args === null ? 0 : this.#args.push(L) }
  done (err: LuaScriptError | Error | null, L: number, nresults: number): void { this.#done(err, L, nresults) }
}

/** What a job reports back to its dispatcher: two functions made once per dispatcher, not per call. */
interface JobHost {
  exec (job: Job, state: LuaState): void
  finish (job: Job, err: LuaScriptError | Error | null, L: number, nresults: number): void
}

/** One queued or running call; it is also what waits for a state and receives the outcome (no closures). */
class Job implements StateWaiter, CallCompletion {
  readonly kind: FunctionKind
  readonly name: string
  readonly call: LuaCall
  readonly queuedAt: number
  readonly #host: JobHost
  startedAt = 0
  state: LuaState | null = null

  constructor (kind: FunctionKind, name: string, call: LuaCall, host: JobHost) {
    this.kind = kind
    this.name = name
    this.call = call
    this.#host = host
    this.queuedAt = performance.now()
  }

  acquired (state: LuaState): void { this.#host.exec(this, state) }
  complete (err: LuaScriptError | null, L: number, nresults: number): void { this.#host.finish(this, err, L, nresults) }
}

/**
 * Runs Lua functions on free states from the pool, in arrival order.
 *
 * Calls are not run from the request handler itself but from a ready queue drained once per event-loop
 * turn (setImmediate). Lua runs on the event loop, so running it at once would leave every request
 * read in the same turn unparsed until the call returned, and their wait would never show in WTW.
 * Queued first, all of them get their arrival time; the drain then measures the real wait.
 */
export class LuaDispatcher {
  readonly pool: LuaStatePool
  readonly #observer: DispatchObserver
  readonly #ready: Array<Job | undefined> = []
  #readyHead = 0
  #drainScheduled = false
  readonly #drain = (): void => { this.#drainReady() }
  readonly #host: JobHost = {
    exec: (job, state) => { this.#exec(job, state) },
    finish: (job, err, L, n) => { this.#finish(job, err, L, n) }
  }

  constructor (pool: LuaStatePool, observer: DispatchObserver) {
    this.pool = pool
    this.#observer = observer
  }

  /** Calls waiting to run: read but not started (ready queue plus those waiting for a free state). */
  get queued (): number { return this.#ready.length - this.#readyHead + this.pool.queued }

  run (kind: FunctionKind, name: string, args: LuaArgs | null, done: DispatchDone): void {
    this.runCall(kind, name, new CallbackCall(args, done))
  }

  runCall (kind: FunctionKind, name: string, call: LuaCall): void {
    this.#ready.push(new Job(kind, name, call, this.#host))
    if (!this.#drainScheduled) {
      this.#drainScheduled = true
      setImmediate(this.#drain)
    }
  }

  #drainReady (): void {
    // Calls made while draining (a Lua call that dispatches another) join this same loop.
    while (this.#readyHead < this.#ready.length) {
      const job = this.#ready[this.#readyHead] as Job
      this.#ready[this.#readyHead++] = undefined
      try {
        const state = this.pool.tryAcquire()
        if (state !== null) this.#exec(job, state)
        else this.pool.wait(job)
      } catch (err) {
        // A throwing completion callback must not strand the calls queued behind it.
        logger.error('completing a Lua call failed', { function: job.name, error: err as Error })
      }
    }
    this.#ready.length = 0
    this.#readyHead = 0
    this.#drainScheduled = false
  }

  runAsync (kind: FunctionKind, name: string, args: LuaArgs | null): Promise<void> {
    return new Promise((resolve, reject) => {
      this.run(kind, name, args, (err) => { if (err !== null) reject(err); else resolve() })
    })
  }

  #exec (job: Job, state: LuaState): void {
    job.state = state
    job.startedAt = performance.now()
    const ref = refFor(state, job.kind, job.name)
    if (ref === undefined) {
      this.#finish(job, new Error(`${job.kind} function '${job.name}' is not defined in Lua state ${state.index}`), 0, 0)
      return
    }
    state.call(ref, job.call, job.kind === 'report' ? 'report' : job.name, job)
  }

  #finish (job: Job, err: LuaScriptError | Error | null, L: number, n: number): void {
    const state = job.state as LuaState
    const end = performance.now()
    this.#observer.recordPerf(job.startedAt - job.queuedAt, end - job.startedAt)
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
    } finally {
      this.pool.release(state)
    }
  }
}
