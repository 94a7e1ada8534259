import { type IncomingMessage, type ServerResponse } from 'node:http'
import { type Alert, type AlertQuery } from '../alerts/index.ts'
import { type CustomEndpointRunner, type CustomOutcome, type CustomResult } from '../report/custom-endpoint.ts'
import { type HistoryReader } from '../history/reader.ts'
import { type ReportOutcome, type ReportPipeline } from '../report/pipeline.ts'
import { type DaemonStats } from '../stats/index.ts'
import { readBody } from './body.ts'
import { JsonExchange } from './json-exchange.ts'
import { type RefusalReason } from './refusal-log.ts'
import { OK_REPORT, sendFailure, sendJson, sendOk } from './respond.ts'

/** The parts of the current configuration generation that requests use. */
export interface ServingParts {
  readonly pipeline: ReportPipeline
  readonly customEndpoints: CustomEndpointRunner
}

/** What the app gives the HTTP front end. */
export interface FrontendContext {
  readonly stats: DaemonStats
  /** Read per request: a reload swaps the generation. */
  readonly current: () => ServingParts
  readonly maxBody: () => number
  readonly isReady: () => boolean
  /** The login history, or null when the configuration has no setHistory. */
  readonly history: () => HistoryReader | null
  /** GET /command/alerts: the daemon's hub answers, in this process or over IPC. */
  readonly alerts: (query: AlertQuery) => Promise<Alert[]>
  /** eraseHistory: the daemon's hub forgets the login's alerts; resolves with how many. */
  readonly eraseAlerts: (login: string) => Promise<number>
}

export interface RouteContext extends FrontendContext {
  /** Counts and logs (rate-limited) a request turned away; call before sending the answer. */
  readonly refuse: (reason: RefusalReason, req: IncomingMessage, detail: string) => void
}

export type Handler = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext, name: string) => void

export interface Route {
  readonly method: 'GET' | 'POST'
  /** Reachable without the webserver password (the ACL still applies). */
  readonly public: boolean
  readonly handler: Handler
}

/** One report request from body to answer: a single object, so the report path allocates no closures. */
class ReportExchange extends JsonExchange implements ReportOutcome {
  protected override invalidJson (reason: string): void {
    this.ctx.stats.countReportRejected('json')
    this.reportDone(reason)
  }

  protected override jsonReceived (value: unknown): void { this.ctx.current().pipeline.submit(value, this) }

  reportDone (rejection: string | null): void {
    if (rejection === null) { sendOk(this.res); return }
    this.ctx.refuse('bad_request', this.req, rejection)
    sendFailure(this.res, 400, rejection)
  }

  reportShed (retryAfterSecs: number): void { sendOverloaded(this.req, this.res, this.ctx, retryAfterSecs, sendFailure) }
}

/** 503 + Retry-After for a call shed past setMaxQueueWaitMs; counted and logged as a refusal. */
function sendOverloaded (req: IncomingMessage, res: ServerResponse, ctx: RouteContext, retryAfterSecs: number,
  send: (res: ServerResponse, status: number, reason: string, extra?: Record<string, string>) => void): void {
  ctx.refuse('overloaded', req, 'waited in the queue past setMaxQueueWaitMs')
  send(res, 503, 'Overloaded, retry later', { 'Retry-After': String(retryAfterSecs) })
}

export const reportRoute: Route = {
  method: 'POST',
  public: false,
  handler: (req, res, ctx) => { readBody(req, ctx.maxBody(), new ReportExchange(req, res, ctx)) }
}

export const statsRoute: Route = {
  method: 'GET',
  public: false,
  handler: (_req, res, ctx) => {
    ctx.stats.totalSnapshot().then(
      (snapshot) => { sendJson(res, 200, JSON.stringify(snapshot)) },
      (err: unknown) => { sendFailure(res, 500, `stats: ${(err as Error).message}`) })
  }
}

export const livezRoute: Route = {
  method: 'GET',
  public: true,
  handler: (_req, res) => { sendJson(res, 200, OK_REPORT) }
}

export const readyzRoute: Route = {
  method: 'GET',
  public: true,
  handler: (_req, res, ctx) => {
    if (ctx.isReady()) sendJson(res, 200, OK_REPORT)
    else sendFailure(res, 503, 'Not ready')
  }
}

const customFailure = (res: ServerResponse, status: number, reason: string, extra?: Record<string, string>): void =>
  sendJson(res, status, JSON.stringify({ success: false, reason }), extra)

/**
 * One custom endpoint request: POST {"attrs":{…}} → the Lua function's (success, r_attrs) as
 * {"success":…,"r_attrs":{…}}. Reads the body; the runner validates it and makes the call.
 */
class CustomExchange extends JsonExchange implements CustomOutcome {
  readonly #name: string

  constructor (req: IncomingMessage, res: ServerResponse, ctx: RouteContext, name: string) {
    super(req, res, ctx)
    this.#name = name
  }

  protected override invalidJson (reason: string): void { this.customRejected(reason) }

  protected override jsonReceived (value: unknown): void { this.ctx.current().customEndpoints.submit(this.#name, value, this) }

  customRejected (reason: string): void {
    this.ctx.refuse('bad_request', this.req, reason)
    customFailure(this.res, 400, reason)
  }

  customFailed (message: string): void { customFailure(this.res, 500, message) }
  customShed (retryAfterSecs: number): void { sendOverloaded(this.req, this.res, this.ctx, retryAfterSecs, customFailure) }

  customDone (result: CustomResult): void {
    sendJson(this.res, 200, JSON.stringify({ success: result.success, r_attrs: result.rAttrs }))
  }
}

export const customRoute: Route = {
  method: 'POST',
  public: false,
  handler: (req, res, ctx, name) => { readBody(req, ctx.maxBody(), new CustomExchange(req, res, ctx, name)) }
}

export const metricsRoute: Route = {
  method: 'GET',
  public: false,
  handler: (_req, res, ctx) => {
    ctx.stats.totalMetricsText().then((text) => {
      const buf = Buffer.from(text)
      res.writeHead(200, { 'Content-Type': ctx.stats.metricsContentType, 'Content-Length': buf.length })
      res.end(buf)
    }, (err: unknown) => sendFailure(res, 500, `metrics: ${(err as Error).message}`))
  }
}
