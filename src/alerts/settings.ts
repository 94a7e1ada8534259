import { TrackalertError } from '../errors.ts'
import { DEFAULT_ALERT_DELIVERY, type AlertDeliveryLimits } from './delivery-retry.ts'
import { alertDuration } from './duration.ts'
import { DEFAULT_RATE_LIMIT_S } from './hub.ts'
import { alertSeverities } from './input.ts'
import { DEFAULT_DIGEST_SUBJECT, DEFAULT_USER_SUBJECT, DEFAULT_USER_TEMPLATE, type AlertRoute, type DigestRoute, type UserMailRoute } from './route-config.ts'
import { DEFAULT_ALERT_BOUNDS, type AlertBounds } from './store.ts'
import { type AlertSeverity } from './types.ts'

/** What one load of the configuration says about alerts (setAlertOptions, setAlertRoute, setAlertFilter). */
export class AlertSettings {
  rateLimitS = DEFAULT_RATE_LIMIT_S
  bounds: AlertBounds = DEFAULT_ALERT_BOUNDS
  delivery: AlertDeliveryLimits = DEFAULT_ALERT_DELIVERY
  /** setAlertFilter(function) was called: the hub runs it on every alert. */
  filter = false
  readonly routes: AlertRoute[] = []
}

type Table = Readonly<Record<string, unknown>>

function fail (fn: string, what: string): TrackalertError { return new TrackalertError('TA_ERR_LUA_ARGUMENT', `${fn}: ${what}`) }

function table (v: unknown, fn: string, name: string, known: readonly string[]): Table {
  if (v === undefined || v === null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw fail(fn, `'${name}' must be a table of named options`)
  for (const key of Object.keys(v)) if (!known.includes(key)) throw fail(fn, `unknown option '${key}' in '${name}' (known: ${known.join(', ')})`)
  return v as Table
}

function str (t: Table, key: string, fn: string): string | undefined {
  const v = t[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string' || v === '') throw fail(fn, `'${key}' must be a non-empty string`)
  return v
}

function strings (v: unknown, fn: string, key: string): string[] {
  if (v === undefined || v === null) return []
  const list = typeof v === 'string' ? [v] : v
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s !== '')) throw fail(fn, `'${key}' must be a name or a list of names`)
  return list as string[]
}

function count (t: Table, key: string, fn: string): number | undefined {
  const v = t[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw fail(fn, `'${key}' must be a positive whole number`)
  return v
}

/**
 * setAlertOptions{ rate_limit = "1h", keep = 10000, keep_for = "30d", keep_max = 100000,
 * delivery_max_age = "24h", delivery_max_delay = "5m" } applied to `s`.
 */
export function applyAlertOptions (s: AlertSettings, value: unknown): void {
  const fn = 'setAlertOptions'
  const t = table(value, fn, 'options', ['rate_limit', 'keep', 'keep_for', 'keep_max', 'delivery_max_age', 'delivery_max_delay'])
  if (t.rate_limit !== undefined) s.rateLimitS = t.rate_limit === 0 ? 0 : alertDuration(t.rate_limit, `${fn}: rate_limit`)
  const keep = count(t, 'keep', fn) ?? s.bounds.keep
  const keepMax = count(t, 'keep_max', fn) ?? Math.max(s.bounds.keepMax, keep)
  if (keepMax < keep) throw fail(fn, `keep_max (${keepMax}) must be at least keep (${keep})`)
  const keepForS = t.keep_for === undefined ? s.bounds.keepForS : alertDuration(t.keep_for, `${fn}: keep_for`)
  s.bounds = { keep, keepMax, keepForS }
  const maxAgeS = t.delivery_max_age === undefined ? s.delivery.maxAgeS : alertDuration(t.delivery_max_age, `${fn}: delivery_max_age`)
  const maxDelayS = t.delivery_max_delay === undefined ? s.delivery.maxDelayS : alertDuration(t.delivery_max_delay, `${fn}: delivery_max_delay`)
  // A cap beyond the age would let the first wait outlive the delivery: no retry would ever run.
  if (maxDelayS > maxAgeS) throw fail(fn, `delivery_max_delay (${maxDelayS} s) must not exceed delivery_max_age (${maxAgeS} s)`)
  s.delivery = { maxAgeS, maxDelayS }
}

/** Parses one setAlertRoute{...}; `addressFunction` says whether user_mail.address is a Lua function. */
export function parseAlertRoute (value: unknown, index: number, addressFunction: boolean): AlertRoute {
  const fn = 'setAlertRoute'
  const t = table(value, fn, 'route', ['types', 'min_severity', 'webhooks', 'user_mail', 'admin_digest'])
  const minSeverity = str(t, 'min_severity', fn) ?? 'low'
  if (!(alertSeverities as string[]).includes(minSeverity)) throw fail(fn, `'min_severity' must be one of ${alertSeverities.join(', ')}`)
  const types = t.types === undefined || t.types === null ? null : strings(t.types, fn, 'types')
  const route: AlertRoute = {
    index,
    types,
    minSeverity: minSeverity as AlertSeverity,
    webhooks: strings(t.webhooks, fn, 'webhooks'),
    userMail: t.user_mail === undefined || t.user_mail === null ? null : userMail(t.user_mail, addressFunction),
    digest: t.admin_digest === undefined || t.admin_digest === null ? null : digest(t.admin_digest)
  }
  if (route.webhooks.length === 0 && route.userMail === null && route.digest === null) {
    throw fail(fn, 'the route sends nowhere: give webhooks, user_mail or admin_digest')
  }
  return route
}

function userMail (v: unknown, addressFunction: boolean): UserMailRoute {
  const fn = 'setAlertRoute: user_mail'
  const t = table(v, fn, 'user_mail', ['address_attr', 'address', 'from', 'subject', 'template'])
  const addressAttr = str(t, 'address_attr', fn) ?? null
  if ((addressAttr === null) === !addressFunction) throw fail(fn, "give either 'address_attr' (a report attribute) or 'address' (a function(alert, attrs))")
  return {
    addressAttr,
    addressFunction,
    from: str(t, 'from', fn),
    subject: str(t, 'subject', fn) ?? DEFAULT_USER_SUBJECT,
    template: str(t, 'template', fn) ?? DEFAULT_USER_TEMPLATE
  }
}

function digest (v: unknown): DigestRoute {
  const fn = 'setAlertRoute: admin_digest'
  const t = table(v, fn, 'admin_digest', ['to', 'every', 'from', 'subject'])
  const to = strings(t.to, fn, 'to')
  if (to.length === 0) throw fail(fn, "'to' is required (an address or a list)")
  return { to, everyS: alertDuration(t.every ?? '1h', `${fn}: every`), from: str(t, 'from', fn), subject: str(t, 'subject', fn) ?? DEFAULT_DIGEST_SUBJECT }
}
