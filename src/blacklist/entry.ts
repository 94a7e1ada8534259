import { type Alert } from '../alerts/types.ts'
import { TrackalertError } from '../errors.ts'
import { formatIP, parseIP, parseNetmask, type Netmask } from '../net/index.ts'
import { type WforceBlacklistConfig } from './config.ts'

/** An addBLEntry body (wforce_api(7) AddBLWLEntryParams): ip and netmask are mutually exclusive. */
export interface BlacklistEntry {
  readonly ip?: string
  readonly netmask?: string
  readonly login?: string
  readonly expire_secs: number
  readonly reason: string
}

/** The network an entry blocks (for the never-block check); null for a login-only entry. */
export function entryNetwork (entry: BlacklistEntry): Netmask | null {
  const text = entry.ip ?? entry.netmask
  return text === undefined ? null : parseNetmask(text)
}

/** What identifies an entry in wforce: the same key twice is the same block. */
export function entryKey (entry: Pick<BlacklistEntry, 'ip' | 'netmask' | 'login'>): string {
  const where = entry.ip !== undefined ? `ip:${entry.ip}` : entry.netmask !== undefined ? `netmask:${entry.netmask}` : ''
  if (entry.login === undefined) return where
  return where === '' ? `login:${entry.login}` : `${where} login:${entry.login}`
}

/** Where an entry is: an address (normalized), or a network (normalized; a host mask becomes an address). */
export function normalizeWhere (text: string): { ip: string } | { netmask: string } | null {
  if (!text.includes('/')) {
    const ip = parseIP(text)
    return ip === null ? null : { ip: formatIP(ip) }
  }
  const mask = parseNetmask(text)
  if (mask === null) return null
  if (mask.bits === (mask.family === 4 ? 32 : 128)) return { ip: mask.networkText() }
  return { netmask: mask.toString() }
}

/** Two networks overlap when the wider one holds the other's network address. */
export function overlaps (a: Netmask, b: Netmask): boolean {
  const [wide, narrow] = a.bits <= b.bits ? [a, b] : [b, a]
  return wide.match({ family: narrow.family, bytes: narrow.network })
}

export type AlertAction = { entry: BlacklistEntry, shared: boolean } | null

/**
 * The entry an accepted alert asks for, or null when the configuration does not act on it.
 * IP-level alerts (no login) of a type in `on` block their remote, an address or a prefix;
 * login-level alerts block the login only when their type is in `on_login`.
 */
export function entryForAlert (alert: Alert, config: WforceBlacklistConfig): AlertAction {
  const reason = `trackalert ${alert.type} alert ${alert.id}`
  if (alert.login === null) {
    if (!config.on.has(alert.type) || alert.remote === null) return null
    const where = normalizeWhere(alert.remote)
    if (where === null) return null
    return { entry: { ...where, expire_secs: config.expireSecs, reason }, shared: alert.evidence.shared === true }
  }
  if (!config.onLogin.has(alert.type)) return null
  return { entry: { login: alert.login, expire_secs: config.expireSecs, reason }, shared: false }
}

function badArgument (message: string): TrackalertError {
  return new TrackalertError('TA_ERR_LUA_ARGUMENT', `wforceBlacklist: ${message}`)
}

const requestKeys = new Set(['ip', 'netmask', 'login', 'expire_secs', 'reason'])

/** Validates a Lua `wforceBlacklist{...}` table into an entry (bad input raises a Lua error). */
export function entryFromRequest (input: unknown, defaultExpireSecs: number): BlacklistEntry {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw badArgument('expected a table { ip = ..., netmask = ..., login = ..., expire_secs = ..., reason = ... }')
  const table = input as Record<string, unknown>
  for (const key of Object.keys(table)) if (!requestKeys.has(key)) throw badArgument(`unknown key "${key}"`)
  for (const key of ['ip', 'netmask', 'login', 'reason']) {
    if (table[key] !== undefined && (typeof table[key] !== 'string' || table[key] === '')) throw badArgument(`"${key}" must be a non-empty string`)
  }
  const { ip, netmask, login } = table as { ip?: string, netmask?: string, login?: string }
  if (ip !== undefined && netmask !== undefined) throw badArgument('"ip" and "netmask" are mutually exclusive')
  if (ip === undefined && netmask === undefined && login === undefined) throw badArgument('give "ip", "netmask" or "login"')
  let where: { ip: string } | { netmask: string } | Record<string, never> = {}
  if (ip !== undefined) {
    const parsed = parseIP(ip)
    if (parsed === null) throw badArgument(`"ip": "${ip}" is not an IP address`)
    where = { ip: formatIP(parsed) }
  } else if (netmask !== undefined) {
    const parsed = netmask.includes('/') ? normalizeWhere(netmask) : null
    if (parsed === null) throw badArgument(`"netmask": "${netmask}" is not a CIDR network`)
    where = parsed
  }
  const expire = table.expire_secs ?? defaultExpireSecs
  if (typeof expire !== 'number' || !Number.isInteger(expire) || expire < 1) throw badArgument(`"expire_secs" must be a positive integer, got ${String(expire)}`)
  const reason = (table.reason as string | undefined) ?? 'trackalert wforceBlacklist() from Lua'
  return { ...where, ...(login !== undefined ? { login } : {}), expire_secs: expire, reason }
}
