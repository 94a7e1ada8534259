import { OverloadedError } from '../lua/overloaded-error.ts'
import { type LuaCall, type LuaDispatcher } from '../lua/dispatcher.ts'
import { type LuaModule } from '../lua/wasm.ts'
import { LoginTupleArgs } from './lua-args.ts'
import { validateLoginTuple, type LoginTuple } from './login-tuple.ts'

/** Fills `device_attrs` from `device_id` and `protocol` when the client sent none. */
export interface DeviceEnricher {
  parse (protocol: string, deviceId: string): Readonly<Record<string, string>> | null
}

/** Records each accepted report in the login history once its report function is done. */
export interface ReportRecorder {
  record (tuple: LoginTuple): void
}

/**
 * Built-in policies (enablePolicies): judges a report and records it in history with its risk score,
 * before the report function runs, which then sees the outcome (lt.risk, policies.check(lt)).
 */
export interface ReportDetector {
  detect (tuple: LoginTuple): Promise<LoginTuple['detection']>
}

export interface ReportCounters {
  countReport (success: boolean): void
  countReportRejected (reason: string): void
}

/** Seconds since the epoch; injectable so replays and tests control `lt.t`. */
export type Clock = () => number

export const systemClock: Clock = () => Date.now() / 1000

/** Receives the outcome for the transport: null when accepted, else the reason for a 400. */
export interface ReportOutcome {
  reportDone (rejection: string | null): void
  /** Not run: the report waited past setMaxQueueWaitMs (a 503 with Retry-After: `retryAfterSecs`). */
  reportShed (retryAfterSecs: number): void
}

/**
 * The report pipeline, one stage after another: validate → enrich → run the Lua report function.
 * New stages (history store, built-in policies) slot in between without touching the transport.
 */
export class ReportPipeline {
  readonly #dispatcher: LuaDispatcher
  readonly #counters: ReportCounters
  readonly #clock: Clock
  readonly #args: LoginTupleArgs
  enricher: DeviceEnricher | null = null
  /** Login history (setHistory); null records nothing. */
  recorder: ReportRecorder | null = null
  /** Built-in policies; when set, they record the report (with its risk) instead of `recorder`. */
  detector: ReportDetector | null = null
  /** False until the config sets a report function: reports are then only validated and counted. */
  hasReport = true

  constructor (lua: LuaModule, dispatcher: LuaDispatcher, counters: ReportCounters, clock: Clock = systemClock) {
    this.#dispatcher = dispatcher
    this.#counters = counters
    this.#clock = clock
    this.#args = new LoginTupleArgs(lua)
  }

  submit (body: unknown, outcome: ReportOutcome): void {
    const v = validateLoginTuple(body, this.#clock())
    if (v.tuple === null) {
      this.#counters.countReportRejected(v.field)
      outcome.reportDone(v.reason)
      return
    }
    const tuple = v.tuple
    this.#enrich(tuple)
    this.#counters.countReport(tuple.success)
    const detector = this.detector
    if (detector === null) {
      this.#run(tuple, outcome, this.recorder)
      return
    }
    void detector.detect(tuple).then((detection) => {
      tuple.detection = detection
      this.#run(tuple, outcome, null)
    })
  }

  /**
   * As wforce (LoginTuple::setDeviceAttrs): attributes the client sent win, even `{}`; otherwise the
   * protocol picks the parser, and an empty or missing `device_id` is parsed too (every key, "" or "Other").
   */
  #enrich (tuple: LoginTuple): void {
    if (tuple.deviceAttrs !== null || this.enricher === null || tuple.protocol === '') return
    tuple.deviceAttrs = this.enricher.parse(tuple.protocol, tuple.deviceId) as Record<string, string> | null
  }

  #run (tuple: LoginTuple, outcome: ReportOutcome, recorder: ReportRecorder | null): void {
    if (!this.hasReport || this.#dispatcher.pool.size === 0) {
      recorder?.record(tuple)
      outcome.reportDone(null)
      return
    }
    this.#dispatcher.runCall('report', 'report', new ReportCall(this.#args, tuple, outcome, recorder))
  }
}

/**
 * One report on its way through the dispatcher: arguments and completion in one object, so the hot
 * path allocates no closures. The shared table builder is safe: a call pushes its arguments
 * synchronously when it starts.
 */
class ReportCall implements LuaCall {
  readonly #args: LoginTupleArgs
  readonly #tuple: LoginTuple
  readonly #outcome: ReportOutcome
  readonly #recorder: ReportRecorder | null

  constructor (args: LoginTupleArgs, tuple: LoginTuple, outcome: ReportOutcome, recorder: ReportRecorder | null) {
    this.#args = args
    this.#tuple = tuple
    this.#outcome = outcome
    this.#recorder = recorder
  }

  push (L: number): number {
    this.#args.tuple = this.#tuple
    return this.#args.push(L)
  }

  /**
   * Lua errors are logged and counted by the dispatcher; the client still gets its 200. The report
   * is recorded after its function ran, so the function's history reads see the login's earlier
   * reports, not this one. A shed report (503) was not accepted: it is not recorded.
   */
  done (err: Error | null): void {
    if (err instanceof OverloadedError) { this.#outcome.reportShed(err.retryAfterSecs); return }
    this.#recorder?.record(this.#tuple)
    this.#outcome.reportDone(null)
  }
}
