import { parseHistoryOptions } from '../../history/options.ts'
import { type HistoryReader } from '../../history/reader.ts'
import {
  type Awaitable, FEATURE_KINDS, type FeatureKind, type FeatureStat, type LastSuccess, type LoginTotals, type SourceOrder,
  type SourceScope, type SourceWindow, type StoredReport
} from '../../history/types.ts'
import { parseIP, unmapIPv4, formatIP } from '../../net/index.ts'
import { LUA_TNONE, LUA_TNIL, LUA_TSTRING, LUA_TTABLE } from '../constants.ts'
import { type HostFunction, type ResultPusher } from '../host.ts'
import { pushValue, readValue } from '../values.ts'
import { TrackalertError } from '../../errors.ts'
import { configOnly } from './config-only.ts'
import { type ApiContext, internal } from './context.ts'
import { type HostServices } from './services.ts'

const NOT_ENABLED = 'login history is not enabled (setHistory in the configuration)'
const ORDERS: readonly SourceOrder[] = ['failures', 'attempts', 'distinct_logins']
const MAX_LIST = 1000

/** A problem the policy gets back as (nil, message) rather than as a raised error. */
class HistoryCallError extends TrackalertError {
  constructor (message: string) {
    super('TA_ERR_HISTORY', message)
    this.name = 'HistoryCallError'
  }
}

const stat = (f: FeatureStat): object => ({ value: f.value, first_seen: f.firstSeen, last_seen: f.lastSeen, successes: f.successes, failures: f.failures })
const totals = (t: LoginTotals): object => ({ first_seen: t.firstSeen, last_seen: t.lastSeen, successes: t.successes, failures: t.failures })
const place = (s: LastSuccess): object => ({
  t: s.t, remote: s.remote, prefix: s.prefix, country: s.country, city: s.city, lat: s.lat, lon: s.lon, accuracy_km: s.accuracyKm, device: s.device
})
const report = (r: StoredReport): object => ({
  t: r.t, remote: r.remote, prefix: r.prefix, success: r.success, fail_type: r.failType, protocol: r.protocol, country: r.country,
  city: r.city, lat: r.lat, lon: r.lon, accuracy_km: r.accuracyKm, device: r.device, risk: r.risk
})
const source = (s: SourceWindow): object => ({
  key: s.key, attempts: s.attempts, successes: s.successes, failures: s.failures, distinct_logins: s.distinctLogins,
  max_per_login: s.maxPerLogin, failing_logins: s.failingLogins, succeeding_logins: s.succeedingLogins,
  max_failures_per_login: s.maxFailuresPerLogin, first_seen: s.firstSeen, last_seen: s.lastSeen
})

/**
 * The `history` table (reads of the login history) and the config and console functions around it.
 * Every read returns its value, false for "never seen", or nil and a message when it cannot answer
 * (history off, bad argument, store unavailable): a policy handles that and carries on. SQLite
 * answers synchronously (indexed point reads); an asynchronous store suspends the calling coroutine.
 */
export function historyFunctions (ctx: ApiContext<Pick<HostServices, 'history' | 'geoip' | 'settings' | 'daemon'>>): HostFunction[] {
  const { lua, services } = ctx
  const raw = lua.raw
  const pushError = (L: number, message: string): number => { raw.lua_pushnil(L); lua.pushString(L, message); return 2 }
  const str = (L: number, i: number, what: string): string => {
    if (raw.lua_type(L, i) !== LUA_TSTRING) throw new HistoryCallError(`${what} must be a string`)
    return lua.toString(L, i) as string
  }
  const optNumber = (L: number, i: number, what: string, def: number): number => {
    const t = raw.lua_type(L, i)
    if (t === LUA_TNONE || t === LUA_TNIL) return def
    const v = readValue(lua, L, i)
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new HistoryCallError(`${what} must be a number`)
    return v
  }
  const positive = (L: number, i: number, what: string): number => {
    const v = optNumber(L, i, what, NaN)
    if (!(v > 0)) throw new HistoryCallError(`${what} must be a number of seconds above 0`)
    return v
  }
  const oneOf = <T extends string>(L: number, i: number, what: string, allowed: readonly T[]): T => {
    const v = str(L, i, what)
    if (!(allowed as readonly string[]).includes(v)) throw new HistoryCallError(`${what} must be one of ${allowed.join(', ')}, got '${v}'`)
    return v as T
  }
  const limit = (L: number, i: number, def: number): number => {
    const n = optNumber(L, i, 'limit', def)
    if (!Number.isInteger(n) || n < 0 || n > MAX_LIST) throw new HistoryCallError(`limit must be an integer from 0 to ${MAX_LIST}`)
    return n
  }
  const now = (): number => Date.now() / 1000
  /** Runs one read; converts the answer for Lua, or gives (nil, message). */
  const eraseLogin = async (reader: HistoryReader, login: string): Promise<{ reports: number, alerts: number }> =>
    ({ reports: await reader.erase(login), alerts: await services.daemon.eraseAlerts(login) })
  const read = <T>(L: number, query: (reader: HistoryReader) => Awaitable<T>, convert: (v: T) => unknown): number | Promise<ResultPusher> => {
    const service = services.history.active()
    if (service === null) return pushError(L, NOT_ENABLED)
    let result: Awaitable<T>
    try {
      result = query(service.reader)
    } catch (err) {
      return pushError(L, err instanceof HistoryCallError ? err.message : `history store: ${(err as Error).message}`)
    }
    if (result instanceof Promise) {
      return result.then(
        (v) => (L2: number) => { pushValue(lua, L2, convert(v)); return 1 },
        (err: unknown) => (L2: number) => pushError(L2, `history store: ${(err as Error).message}`))
    }
    pushValue(lua, L, convert(result))
    return 1
  }
  /** The remote of `lt`: a ComboAddress table (text at [1]) or a string. */
  const remoteArg = (L: number, i: number): string => {
    if (raw.lua_type(L, i) === LUA_TTABLE) {
      raw.lua_rawgeti(L, i, 1n)
      const text = lua.toString(L, -1)
      raw.lua_settop(L, -2)
      if (text !== null) return text
    }
    return str(L, i, 'remote')
  }
  return [
    // Checked in every state (a bad option fails wherever the line runs); the config state's run sets it.
    configOnly('setHistory', (L) => {
      const options = parseHistoryOptions(raw.lua_type(L, 1) === LUA_TTABLE ? readValue(lua, L, 1) : undefined)
      if (typeof options.geoip === 'string' && services.geoip.get(options.geoip) === undefined) {
        throw new TrackalertError('TA_ERR_HISTORY', `setHistory: no GeoIP2 database named '${options.geoip}' (open it with newGeoIP2DB before setHistory)`)
      }
      return options
    }, (options) => { services.settings.history = options }),
    internal('histEnabled', (L) => { raw.lua_pushboolean(L, services.history.active() === null ? 0 : 1); return 1 }),
    internal('histFacts', (L) => {
      const service = services.history.active()
      if (service === null) return pushError(L, NOT_ENABLED)
      try {
        const text = remoteArg(L, 1)
        const ip = parseIP(text)
        if (ip === null) throw new HistoryCallError(`remote '${text.slice(0, 64)}' is not an IP address`)
        const remote = unmapIPv4(ip)
        const attrs = raw.lua_type(L, 2) === LUA_TTABLE ? readValue(lua, L, 2) as Record<string, string> : null
        const f = service.facts({ remote, remoteText: formatIP(remote), deviceAttrs: attrs })
        pushValue(lua, L, { prefix: f.prefix, device: f.device, country: f.place.country, city: f.place.city, lat: f.place.lat, lon: f.place.lon, accuracy_km: f.place.accuracyKm })
        return 1
      } catch (err) {
        return pushError(L, (err as Error).message)
      }
    }),
    internal('histKnown', (L) => read(L, (r) => r.feature(str(L, 1, 'login'), oneOf<FeatureKind>(L, 2, 'kind', FEATURE_KINDS), str(L, 3, 'value')),
      (f) => (f === null ? false : stat(f)))),
    internal('histTotals', (L) => read(L, (r) => r.totals(str(L, 1, 'login')), (t) => (t === null ? false : totals(t)))),
    internal('histLastSuccess', (L) => read(L, (r) => r.lastSuccess(str(L, 1, 'login')), (s) => (s === null ? false : place(s)))),
    internal('histRecent', (L) => read(L, (r) => r.recentReports(str(L, 1, 'login'), limit(L, 2, 20)), (list) => list.map(report))),
    internal('histProfile', (L) => read(L, (r) => r.profile(str(L, 1, 'login')), (p) => ({
      totals: p.totals === null ? null : totals(p.totals),
      countries: p.countries.map(stat),
      devices: p.devices.map(stat),
      prefixes: p.prefixes.map(stat),
      last_success: p.lastSuccess === null ? null : place(p.lastSuccess)
    }))),
    internal('histLoginWindow', (L) => read(L, (r) => {
      const until = optNumber(L, 3, 'until', now())
      return r.loginWindow(str(L, 1, 'login'), until - positive(L, 2, 'seconds'), until)
    }, (w) => ({ successes: w.successes, failures: w.failures, distinct_remotes: w.distinctRemotes, distinct_failing_remotes: w.distinctFailingRemotes }))),
    internal('histSource', (L) => read(L, (r) => {
      const until = optNumber(L, 4, 'until', now())
      return r.sourceWindow(oneOf<SourceScope>(L, 1, 'scope', ['ip', 'prefix']), str(L, 2, 'key'), until - positive(L, 3, 'seconds'), until)
    }, source)),
    internal('histTop', (L) => read(L, (r) => {
      const until = optNumber(L, 5, 'until', now())
      return r.topSources(oneOf<SourceScope>(L, 1, 'scope', ['ip', 'prefix']), until - positive(L, 2, 'seconds'), until,
        oneOf<SourceOrder>(L, 3, 'order', ORDERS), limit(L, 4, 10))
    }, (list) => list.map(source))),
    internal('histFrequency', (L) => read(L, (r) => {
      if (raw.lua_type(L, 1) <= LUA_TNIL) return r.globalTotals()
      return r.globalFeature(oneOf<FeatureKind>(L, 1, 'kind', FEATURE_KINDS), str(L, 2, 'value'))
    }, (g) => ({ logins: g.logins, successes: g.successes, failures: g.failures }))),
    // The reports and profile, then the login's alerts (they carry its addresses and evidence).
    internal('histErase', (L) => read(L, (r) => eraseLogin(r, str(L, 1, 'login')), (n) => n)),
    internal('histPrune', (L) => {
      const service = services.history.active()
      if (service === null) return pushError(L, NOT_ENABLED)
      return service.pruneNow().then((n) => (L2: number) => { pushValue(lua, L2, n); return 1 })
    })
  ]
}

historyFunctions.prelude = {
  name: 'history',
  source: `
local H = __ta
history = {
  enabled = H.histEnabled,
  facts = function (lt)
    if type(lt) ~= "table" then return nil, "history.facts: expected the report table (lt)" end
    return H.histFacts(lt.remote, lt.device_attrs)
  end,
  known = H.histKnown,
  totals = H.histTotals,
  lastSuccess = H.histLastSuccess,
  recent = H.histRecent,
  profile = H.histProfile,
  loginWindow = H.histLoginWindow,
  source = H.histSource,
  top = H.histTop,
  frequency = H.histFrequency
}
function eraseHistory (login)
  local n, err = H.histErase(login)
  if n == nil then error("eraseHistory: " .. err, 2) end
  print(string.format("eraseHistory(%q): %d reports removed, %d alerts removed", login, n.reports, n.alerts))
  return n.reports, n.alerts
end
function pruneHistory ()
  local n, err = H.histPrune()
  if n == nil then error("pruneHistory: " .. err, 2) end
  print(string.format("pruneHistory(): %d rows removed", n))
  return n
end
`
}
