/**
 * A shape check of the facts handed to `evaluate`: a store that answers a field wrongly (a string
 * time, a missing window list) gets an error naming the field instead of silently missed detections.
 */
import type { LoginFacts } from './types.ts'

function fail (path: string, expected: string, value: unknown): never {
  throw new TypeError(`policy facts: ${path} must be ${expected}, got ${JSON.stringify(value) ?? typeof value}`)
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

function finite (path: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'a finite number', value)
}

function stringOrNull (path: string, value: unknown): void {
  if (value !== null && typeof value !== 'string') fail(path, 'a string or null', value)
}

function windows (path: string, value: unknown, fields: readonly string[]): void {
  if (!Array.isArray(value)) fail(path, 'a list', value)
  value.forEach((window: unknown, i) => {
    if (!isObject(window)) fail(`${path}[${i}]`, 'an object', window)
    for (const field of ['window_s', ...fields]) finite(`${path}[${i}].${field}`, window[field])
  })
}

export function checkFacts (facts: LoginFacts): void {
  const raw: unknown = facts
  if (!isObject(raw)) fail('facts', 'an object', raw)
  const { report, profile, windows: all } = raw
  if (!isObject(report)) fail('report', 'an object', report)
  finite('report.t', report.t)
  if (typeof report.login !== 'string') fail('report.login', 'a string', report.login)
  if (typeof report.remote !== 'string') fail('report.remote', 'a string', report.remote)
  if (typeof report.success !== 'boolean') fail('report.success', 'true or false', report.success)
  for (const field of ['prefix', 'device', 'country']) stringOrNull(`report.${field}`, report[field])
  if (!isObject(profile)) fail('profile', 'an object', profile)
  finite('profile.successes', profile.successes)
  if (profile.first_seen !== null) finite('profile.first_seen', profile.first_seen)
  for (const field of ['devices', 'countries']) {
    if (!Array.isArray(profile[field])) fail(`profile.${field}`, 'a list', profile[field])
  }
  if (!isObject(all)) fail('windows', 'an object', all)
  const source = ['failures', 'successes', 'failing_logins', 'succeeding_logins', 'max_failures_per_login'] as const
  windows('windows.ip', all.ip, source)
  windows('windows.prefix', all.prefix, source)
  windows('windows.login', all.login, ['failures', 'successes', 'failing_ips'])
  if (!Array.isArray(raw.attacker_findings)) fail('attacker_findings', 'a list', raw.attacker_findings)
  if (raw.risk !== null && !(isObject(raw.risk) && Array.isArray(raw.risk.features))) {
    fail('risk', 'null or an object with a features list', raw.risk)
  }
}
