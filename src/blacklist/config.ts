import { TrackalertError } from '../errors.ts'
import { parseNetmask, type Netmask } from '../net/index.ts'

/** The validated `setWforceBlacklist{...}` table. Durations in ms unless named in seconds. */
export interface WforceBlacklistConfig {
  /** Base URLs of the wforce instances; each gets every entry. */
  readonly urls: readonly string[]
  /** wforce's webserver password (basic auth; wforce ignores the user name). */
  readonly password: string
  readonly user: string
  /** Alert types whose IP-level alerts block the IP or prefix. */
  readonly on: ReadonlySet<string>
  /** Alert types whose login-level alerts block the login: never implied, since that locks out the real user too. */
  readonly onLogin: ReadonlySet<string>
  readonly expireSecs: number
  /** Networks never blocked (own NATs, monitoring). */
  readonly never: readonly Netmask[]
  /** Log and count what would be blocked; send nothing. */
  readonly dryRun: boolean
  /** Entries sent per rolling minute; more are skipped (and counted). */
  readonly maxPerMinute: number
  readonly timeoutMs: number
  /** How often getBL is read to learn what wforce already blocks (0: only at activation). */
  readonly refreshMs: number
}

export const BLACKLIST_DEFAULTS = { user: 'trackalert', expireSecs: 3600, maxPerMinute: 60, timeoutSecs: 5, refreshSecs: 300 } as const

const knownKeys = new Set(['url', 'password', 'user', 'on', 'on_login', 'expire_secs', 'never', 'dry_run', 'max_per_minute', 'timeout_secs', 'refresh_secs'])

function invalid (message: string): TrackalertError {
  return new TrackalertError('TA_ERR_CONFIG_INVALID', `setWforceBlacklist: ${message}`)
}

/** A Lua string or list of strings (a single string stands for a list of one). */
function stringList (table: Record<string, unknown>, key: string, required: boolean): string[] {
  const value = table[key]
  if (value === undefined || value === null) {
    if (required) throw invalid(`"${key}" is required`)
    return []
  }
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null
  if (list === null || !list.every((v) => typeof v === 'string' && v !== '')) {
    throw invalid(`"${key}" must be a string or a list of non-empty strings`)
  }
  if (required && list.length === 0) throw invalid(`"${key}" must not be empty`)
  return list as string[]
}

function positiveInteger (table: Record<string, unknown>, key: string, def: number, allowZero = false): number {
  const value = table[key]
  if (value === undefined || value === null) return def
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw invalid(`"${key}" must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(value)}`)
  }
  return value
}

function checkUrl (url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw invalid(`invalid url "${url}"`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid(`url "${url}" must use http or https`)
  if (parsed.username !== '' || parsed.password !== '') throw invalid('credentials in the url are not supported; use "password"')
  if (parsed.search !== '' || parsed.hash !== '') throw invalid(`url "${url}" must not have a query or fragment: it is wforce's base URL`)
  return parsed.origin + parsed.pathname.replace(/\/+$/, '')
}

/** Parses a never-block network list: CIDR or bare addresses. */
export function parseNetworks (list: readonly string[], what: string): Netmask[] {
  return list.map((text) => {
    const mask = parseNetmask(text)
    if (mask === null) throw invalid(`"${what}": "${text}" is not an IP address or CIDR network`)
    return mask
  })
}

/**
 * Validates the setWforceBlacklist table. Typos stop the daemon at load: a blacklist that
 * silently blocks nothing, or blocks more than meant, is worse than a refused config.
 */
export function parseWforceBlacklistConfig (input: unknown): WforceBlacklistConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalid('expected a table of options')
  const table = input as Record<string, unknown>
  for (const key of Object.keys(table)) if (!knownKeys.has(key)) throw invalid(`unknown option "${key}"`)
  const urls = [...new Set(stringList(table, 'url', true).map(checkUrl))]
  const password = table.password
  if (typeof password !== 'string' || password === '') throw invalid('"password" (wforce\'s webserver password) is required')
  const user = table.user ?? BLACKLIST_DEFAULTS.user
  if (typeof user !== 'string' || user === '' || user.includes(':')) throw invalid('"user" must be a non-empty string without ":"')
  const on = stringList(table, 'on', false)
  const onLogin = stringList(table, 'on_login', false)
  if (on.length === 0 && onLogin.length === 0) throw invalid('"on" lists no alert types: nothing would ever be blocked')
  const dryRun = table.dry_run ?? false
  if (typeof dryRun !== 'boolean') throw invalid('"dry_run" must be true or false')
  return {
    urls,
    password,
    user,
    on: new Set(on),
    onLogin: new Set(onLogin),
    expireSecs: positiveInteger(table, 'expire_secs', BLACKLIST_DEFAULTS.expireSecs),
    never: parseNetworks(stringList(table, 'never', false), 'never'),
    dryRun,
    maxPerMinute: positiveInteger(table, 'max_per_minute', BLACKLIST_DEFAULTS.maxPerMinute),
    timeoutMs: positiveInteger(table, 'timeout_secs', BLACKLIST_DEFAULTS.timeoutSecs) * 1000,
    refreshMs: positiveInteger(table, 'refresh_secs', BLACKLIST_DEFAULTS.refreshSecs, true) * 1000
  }
}
