import { formatIP, parseIP, unmapIPv4, type IPAddress } from '../net/index.ts'

/** One login report, validated. Field names follow the Lua LoginTuple. */
export interface LoginTuple {
  t: number
  remote: IPAddress
  remoteText: string
  login: string
  pwhash: string
  success: boolean
  policyReject: boolean
  attrs: Record<string, string>
  attrsMv: Record<string, string[]>
  protocol: string
  tls: boolean
  deviceId: string
  deviceAttrs: Record<string, string> | null
  sessionId: string
  failType: string
  /** Set by the built-in policies before the report function runs (lt.risk, policies.check(lt)). */
  detection?: { readonly risk: number | null, readonly findings: readonly object[] }
}

export type Validation = { tuple: LoginTuple, reason: null, field: null } | { tuple: null, reason: string, field: string }

const OPTIONAL_STRINGS = ['protocol', 'device_id', 'session_id', 'fail_type'] as const
const OPTIONAL_BOOLEANS = ['policy_reject', 'tls'] as const

function fail (field: string, reason: string): Validation {
  return { tuple: null, reason, field }
}

function typeOf (v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
}

/** Splits `attrs` into single-valued and multi-valued maps, as upstream does. */
export function splitAttrs (value: unknown, field: string): { attrs: Record<string, string>, attrsMv: Record<string, string[]> } | string {
  const attrs: Record<string, string> = {}
  const attrsMv: Record<string, string[]> = {}
  if (value === undefined) return { attrs, attrsMv }
  if (typeOf(value) !== 'object') return `Field '${field}' must be an object, got ${typeOf(value)}`
  const obj = value as Record<string, unknown>
  for (const key in obj) {
    const v = obj[key]
    if (typeof v === 'string') {
      attrs[key] = v
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (typeof v[i] !== 'string') return `Field '${field}.${key}[${i}]' must be a string, got ${typeOf(v[i])}`
      }
      attrsMv[key] = v as string[]
    } else {
      return `Field '${field}.${key}' must be a string or an array of strings, got ${typeOf(v)}`
    }
  }
  return { attrs, attrsMv }
}

/**
 * Validates a decoded report body. Required: login, remote (an IP address), pwhash, success.
 * Every optional field is type-checked; unknown fields (wforce sends "type") are ignored.
 * `now` supplies `t` when the client did not (seconds since the epoch).
 */
export function validateLoginTuple (body: unknown, now: number): Validation {
  if (typeOf(body) !== 'object') return fail('body', `Request body must be a JSON object, got ${typeOf(body)}`)
  const b = body as Record<string, unknown>
  for (const key of ['login', 'remote', 'pwhash'] as const) {
    if (b[key] === undefined) return fail(key, `Missing required field '${key}'`)
    if (typeof b[key] !== 'string') return fail(key, `Field '${key}' must be a string, got ${typeOf(b[key])}`)
  }
  if (b.success === undefined) return fail('success', "Missing required field 'success'")
  if (typeof b.success !== 'boolean') return fail('success', `Field 'success' must be a boolean, got ${typeOf(b.success)}`)
  const remoteText = b.remote as string
  const parsed = parseIP(remoteText)
  if (parsed === null) return fail('remote', `Field 'remote' is not a valid IPv4 or IPv6 address: '${remoteText.slice(0, 64)}'`)
  for (const key of OPTIONAL_STRINGS) {
    if (b[key] !== undefined && typeof b[key] !== 'string') return fail(key, `Field '${key}' must be a string, got ${typeOf(b[key])}`)
  }
  for (const key of OPTIONAL_BOOLEANS) {
    if (b[key] !== undefined && typeof b[key] !== 'boolean') return fail(key, `Field '${key}' must be a boolean, got ${typeOf(b[key])}`)
  }
  if (b.t !== undefined && (typeof b.t !== 'number' || !Number.isFinite(b.t))) return fail('t', `Field 't' must be a number, got ${typeOf(b.t)}`)
  const split = splitAttrs(b.attrs, 'attrs')
  if (typeof split === 'string') return fail('attrs', split)
  let deviceAttrs: Record<string, string> | null = null
  if (b.device_attrs !== undefined) {
    if (typeOf(b.device_attrs) !== 'object') return fail('device_attrs', `Field 'device_attrs' must be an object, got ${typeOf(b.device_attrs)}`)
    const da = b.device_attrs as Record<string, unknown>
    for (const key in da) {
      if (typeof da[key] !== 'string') return fail('device_attrs', `Field 'device_attrs.${key}' must be a string, got ${typeOf(da[key])}`)
    }
    deviceAttrs = da as Record<string, string>
  }
  const remote = unmapIPv4(parsed)
  return {
    tuple: {
      t: (b.t as number | undefined) ?? now,
      remote,
      remoteText: formatIP(remote),
      login: b.login as string,
      pwhash: b.pwhash as string,
      success: b.success,
      policyReject: (b.policy_reject as boolean | undefined) ?? false,
      attrs: split.attrs,
      attrsMv: split.attrsMv,
      protocol: (b.protocol as string | undefined) ?? '',
      tls: (b.tls as boolean | undefined) ?? false,
      deviceId: (b.device_id as string | undefined) ?? '',
      deviceAttrs,
      sessionId: (b.session_id as string | undefined) ?? '',
      failType: (b.fail_type as string | undefined) ?? ''
    },
    reason: null,
    field: null
  }
}
