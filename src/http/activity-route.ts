import { type ActivityBucket, type ActivityScope } from '../history/types.ts'
import { parsedQuery } from './query.ts'
import { sendFailure, sendJson } from './respond.ts'
import { type Route } from './routes.ts'

/** At most this many buckets per answer: a day by minutes, or a week by 10 minutes. */
export const MAX_ACTIVITY_BUCKETS = 1440
/** The longest window asked for: the default retention of the history. */
const MAX_WINDOW_SECS = 90 * 86_400
const SCOPES = new Set<ActivityScope>(['all', 'ip', 'prefix', 'login'])
const KNOWN = new Set(['scope', 'key', 'seconds', 'step', 'until', 'command'])

export interface ActivityQuery {
  readonly scope: ActivityScope
  readonly key: string
  readonly since: number
  readonly until: number
  readonly step: number
}

/** The parameters of GET /command/activity, or why they are wrong (answered 400). */
export function parseActivityQuery (params: URLSearchParams, now: number): { query: ActivityQuery } | { error: string } {
  for (const name of params.keys()) {
    if (!KNOWN.has(name)) return { error: `unknown parameter '${name.slice(0, 50)}' (known: scope, key, seconds, step, until)` }
    if (params.getAll(name).length > 1) return { error: `parameter '${name}' given more than once` }
  }
  const scope = (params.get('scope') ?? 'all') as ActivityScope
  if (!SCOPES.has(scope)) return { error: `'scope' must be all, ip, prefix or login, got '${String(scope).slice(0, 50)}'` }
  const key = params.get('key') ?? ''
  if (scope !== 'all' && key === '') return { error: `'key' is required with scope ${scope}` }
  if (scope === 'all' && key !== '') return { error: '\'key\' is not taken with scope all' }
  const whole = (name: string, def: number, min: number, max: number): number | string => {
    const raw = params.get(name)
    if (raw === null) return def
    if (!/^\d{1,15}$/.test(raw)) return `'${name}' must be a whole number of seconds, got '${raw.slice(0, 50)}'`
    const n = Number(raw)
    return n < min || n > max ? `'${name}' must be between ${min} and ${max}, got ${n}` : n
  }
  const seconds = whole('seconds', 86_400, 1, MAX_WINDOW_SECS)
  if (typeof seconds === 'string') return { error: seconds }
  const step = whole('step', 60, 1, MAX_WINDOW_SECS)
  if (typeof step === 'string') return { error: step }
  const until = whole('until', Math.ceil(now), 1, Number.MAX_SAFE_INTEGER)
  if (typeof until === 'string') return { error: until }
  if (seconds / step > MAX_ACTIVITY_BUCKETS) {
    return { error: `'seconds' / 'step' must be at most ${MAX_ACTIVITY_BUCKETS} buckets, got ${Math.ceil(seconds / step)}` }
  }
  return { query: { scope, key, since: until - seconds, until, step } }
}

const bucket = (b: ActivityBucket): object => ({ t: b.t, successes: b.successes, failures: b.failures, distinct_logins: b.distinctLogins })

/**
 * GET /command/activity?scope=&key=&seconds=&step=&until= → reports per time bucket from the login
 * history (the web UI's time charts). 409 when the configuration has no setHistory.
 */
export const activityRoute: Route = {
  method: 'GET',
  public: false,
  handler: (req, res, ctx) => {
    const query = parsedQuery(req, res, ctx, (params) => parseActivityQuery(params, Date.now() / 1000))
    if (query === null) return
    const reader = ctx.history()
    if (reader === null) { sendFailure(res, 409, 'Login history is not enabled (setHistory in the configuration)'); return }
    const { scope, key, since, until, step } = query
    const answer = (buckets: ActivityBucket[]): void => {
      sendJson(res, 200, JSON.stringify({ scope, key: scope === 'all' ? null : key, since, until, step, buckets: buckets.map(bucket) }))
    }
    let result
    try {
      result = reader.activity(scope, key, since, until, step)
    } catch (err) {
      sendFailure(res, 503, `history store: ${(err as Error).message}`)
      return
    }
    if (result instanceof Promise) result.then(answer, (err: unknown) => sendFailure(res, 503, `history store: ${(err as Error).message}`))
    else answer(result)
  }
}
