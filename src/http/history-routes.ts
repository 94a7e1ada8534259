import { type IncomingMessage, type ServerResponse } from 'node:http'
import { TrackalertError } from '../errors.ts'
import { type HistoryReader } from '../history/reader.ts'
import { type FeatureStat, type LastSuccess, type LoginProfile, type StoredReport } from '../history/types.ts'
import { readBody } from './body.ts'
import { JsonExchange } from './json-exchange.ts'
import { sendFailure, sendJson } from './respond.ts'
import { type Route, type RouteContext } from './routes.ts'

const DEFAULT_LIMIT = 50
const MAX_LIMIT = 1000

type HistoryAction = (reader: HistoryReader, request: Record<string, unknown>, ctx: RouteContext) => Promise<string> | string

/** A history command's body: a JSON object with a non-empty string "login". */
class HistoryExchange extends JsonExchange {
  readonly #action: HistoryAction

  constructor (req: IncomingMessage, res: ServerResponse, ctx: RouteContext, action: HistoryAction) {
    super(req, res, ctx)
    this.#action = action
  }

  protected override invalidJson (reason: string): void {
    if (this.#reader() !== null) this.#bad(reason)
  }

  protected override jsonReceived (request: unknown): void {
    const reader = this.#reader()
    if (reader === null) return
    if (request === null || typeof request !== 'object' || Array.isArray(request)) { this.#bad('Request body must be a JSON object with a "login" string'); return }
    const login = (request as Record<string, unknown>).login
    if (typeof login !== 'string' || login === '') { this.#bad('Field \'login\' must be a non-empty string'); return }
    let answer: Promise<string> | string
    try {
      answer = this.#action(reader, request as Record<string, unknown>, this.ctx)
    } catch (e) {
      this.#answerError(e)
      return
    }
    if (typeof answer === 'string') { sendJson(this.res, 200, answer); return }
    answer.then((text) => sendJson(this.res, 200, text), (e: unknown) => this.#answerError(e))
  }

  /**
   * The history, or null after answering 409: the request may be fine, the daemon's configuration
   * does not allow it, so a disabled history is what the client hears even about a body that is no JSON.
   */
  #reader (): HistoryReader | null {
    const reader = this.ctx.history()
    if (reader === null) sendFailure(this.res, 409, 'Login history is not enabled (setHistory in the configuration)')
    return reader
  }

  #bad (reason: string): void {
    this.ctx.refuse('bad_request', this.req, reason)
    sendFailure(this.res, 400, reason)
  }

  #answerError (e: unknown): void {
    if (e instanceof BadRequest) { this.#bad(e.message); return }
    sendFailure(this.res, 503, `history store: ${(e as Error).message}`)
  }
}

/** The request names a value the history cannot take (answered 400, not 503). */
class BadRequest extends TrackalertError {
  constructor (message: string) {
    super('TA_ERR_HISTORY', message)
    this.name = 'BadRequest'
  }
}

const stat = (f: FeatureStat): object => ({ value: f.value, first_seen: f.firstSeen, last_seen: f.lastSeen, successes: f.successes, failures: f.failures })

const lastSuccess = (s: LastSuccess | null): object | null => s === null
  ? null
  : { t: s.t, remote: s.remote, prefix: s.prefix, country: s.country, city: s.city, lat: s.lat, lon: s.lon, accuracy_km: s.accuracyKm, device: s.device }

const report = (r: StoredReport): object => ({
  t: r.t, remote: r.remote, success: r.success, country: r.country, device: r.device, prefix: r.prefix, protocol: r.protocol,
  fail_type: r.failType, city: r.city, lat: r.lat, lon: r.lon, accuracy_km: r.accuracyKm, risk: r.risk
})

function historyBody (login: string, profile: LoginProfile, reports: readonly StoredReport[]): string {
  return JSON.stringify({
    login,
    profile: {
      countries: profile.countries.map(stat),
      devices: profile.devices.map(stat),
      prefixes: profile.prefixes.map(stat),
      last_success: lastSuccess(profile.lastSuccess),
      first_seen: profile.totals?.firstSeen ?? null,
      last_seen: profile.totals?.lastSeen ?? null,
      successes: profile.totals?.successes ?? 0,
      failures: profile.totals?.failures ?? 0
    },
    reports: reports.map(report)
  })
}

function limitOf (request: Record<string, unknown>): number {
  const limit = request.limit
  if (limit === undefined) return DEFAULT_LIMIT
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT) {
    throw new BadRequest(`Field 'limit' must be an integer from 0 to ${MAX_LIMIT}`)
  }
  return limit
}

const showHistory: HistoryAction = (reader, request) => {
  const login = request.login as string
  const limit = limitOf(request)
  const profile = reader.profile(login)
  const reports = reader.recentReports(login, limit)
  if (!(profile instanceof Promise) && !(reports instanceof Promise)) return historyBody(login, profile, reports)
  return Promise.all([profile, reports]).then(([p, r]) => historyBody(login, p, r))
}

const eraseHistory: HistoryAction = async (reader, request, ctx) => {
  const login = request.login as string
  const reports = await reader.erase(login)
  // The alerts carry the login, its addresses and evidence: erasure takes them too.
  const alerts = await ctx.eraseAlerts(login)
  return JSON.stringify({ status: 'ok', login, reports_removed: reports, alerts_removed: alerts })
}

/** POST /command/history {"login","limit"}: the login's profile and newest reports first. */
export const historyRoute: Route = {
  method: 'POST',
  public: false,
  handler: (req, res, ctx) => { readBody(req, ctx.maxBody(), new HistoryExchange(req, res, ctx, showHistory)) }
}

/** POST /command/eraseHistory {"login"}: forgets everything about one login. */
export const eraseHistoryRoute: Route = {
  method: 'POST',
  public: false,
  handler: (req, res, ctx) => { readBody(req, ctx.maxBody(), new HistoryExchange(req, res, ctx, eraseHistory)) }
}
