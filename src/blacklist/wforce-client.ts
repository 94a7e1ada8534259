import type { Agent } from 'undici'
import { buildTlsConnectOptions, Deadline, isRetryableStatus, loadUndici, parseRetryAfter, type AttemptOutcome, type OutboundTlsSettings } from '../outbound/index.ts'
import { entryKey, normalizeWhere, type BlacklistEntry } from './entry.ts'
import { TrackalertError } from '../errors.ts'

const REPLY_LIMIT = 64 * 1024
/** getBL lists every entry; a large site's list is big, but not this big. */
const GETBL_LIMIT = 64 * 1024 * 1024

export interface WforceCredentials { readonly user: string, readonly password: string }

/** The keep-alive pool for every wforce instance; TLS options follow the setCurl*() settings. */
export async function createWforceAgent (tls: OutboundTlsSettings, timeoutMs: number): Promise<Agent> {
  const { Agent } = await loadUndici()
  return new Agent({ connections: 8, keepAliveTimeout: 30_000, connect: { ...buildTlsConnectOptions(tls), timeout: timeoutMs } })
}

function authorization (creds: WforceCredentials): string {
  return 'Basic ' + Buffer.from(`${creds.user}:${creds.password}`, 'utf8').toString('base64')
}

/** wforce takes its commands as `?command=NAME` on its base URL. */
function target (baseUrl: string, command: string): { origin: string, path: string } {
  const url = new URL(baseUrl)
  return { origin: url.origin, path: `${url.pathname === '/' ? '' : url.pathname}/?command=${command}` }
}

function failure (err: unknown, timeoutMs: number): AttemptOutcome {
  const e = err as Error & { code?: string }
  const detail = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : `${e.code !== undefined ? e.code + ': ' : ''}${e.message}`
  return { ok: false, retryable: true, detail, retryAfterMs: undefined }
}

/** One POST /?command=addBLEntry; never throws. A 4xx (bad password, bad entry) is final. */
export async function addBLEntry (pool: Promise<Agent>, baseUrl: string, creds: WforceCredentials, entry: BlacklistEntry, timeoutMs: number): Promise<AttemptOutcome> {
  const deadline = new Deadline(timeoutMs)
  try {
    const agent = await pool
    const res = await agent.request({
      ...target(baseUrl, 'addBLEntry'),
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authorization(creds) },
      body: JSON.stringify(entry),
      signal: deadline.signal
    })
    const text = await res.body.text().then((t) => t.slice(0, REPLY_LIMIT))
    const ok = res.statusCode >= 200 && res.statusCode < 300
    return {
      ok,
      retryable: !ok && isRetryableStatus(res.statusCode),
      detail: ok ? `HTTP status ${res.statusCode}` : `HTTP status ${res.statusCode}${wforceReason(text)}`,
      retryAfterMs: ok ? undefined : parseRetryAfter(res.headers['retry-after'])
    }
  } catch (err) {
    return failure(err, timeoutMs)
  } finally {
    deadline.cancel()
  }
}

function wforceReason (text: string): string {
  try {
    const reply = JSON.parse(text) as { reason?: unknown }
    return typeof reply.reason === 'string' ? `: ${reply.reason}` : ''
  } catch {
    return ''
  }
}

/** An entry wforce reports, keyed as entryKey() keys what trackalert adds. */
export interface HeldEntry { readonly key: string, readonly expiresAtMs: number | undefined }

/** GET /?command=getBL: what the instance blocks now. Throws on any failure (the caller logs it). */
export async function getBL (pool: Promise<Agent>, baseUrl: string, creds: WforceCredentials, timeoutMs: number): Promise<HeldEntry[]> {
  const deadline = new Deadline(timeoutMs)
  try {
    const agent = await pool
    const res = await agent.request({ ...target(baseUrl, 'getBL'), method: 'GET', headers: { authorization: authorization(creds) }, signal: deadline.signal })
    const length = Number(res.headers['content-length'] ?? 0)
    if (length > GETBL_LIMIT) {
      await res.body.dump()
      throw new TrackalertError('TA_ERR_OUTBOUND', `getBL reply too large (${length} bytes)`)
    }
    const text = await res.body.text()
    if (res.statusCode !== 200) throw new TrackalertError('TA_ERR_OUTBOUND', `getBL: HTTP status ${res.statusCode}${wforceReason(text)}`)
    return parseGetBL(JSON.parse(text) as unknown)
  } finally {
    deadline.cancel()
  }
}

/** wforce prints expirations as boost's "2024-Jan-31 10:00:01" (UTC). */
const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
export function parseWforceTime (text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined
  const m = /^(\d{4})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(text)
  if (m === null) return undefined
  const month = months.indexOf(m[2].toLowerCase())
  if (month === -1) return undefined
  return Date.UTC(Number(m[1]), month, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
}

/**
 * Reads a BLWLResponse: `bl_entries` holds `ip`, `login` and `iplogin` lists (the OpenAPI file
 * says an array of such objects, wforce sends one object: both are read). Each item names its
 * key under the list's name (or `key_name`); ip items may be addresses or networks.
 */
export function parseGetBL (reply: unknown): HeldEntry[] {
  const entries = (reply as { bl_entries?: unknown } | null)?.bl_entries
  const groups = Array.isArray(entries) ? entries : entries !== undefined && entries !== null ? [entries] : []
  const out: HeldEntry[] = []
  for (const group of groups as Array<Record<string, unknown>>) {
    for (const kind of ['ip', 'login'] as const) {
      const list = group?.[kind]
      if (!Array.isArray(list)) continue
      for (const item of list as Array<Record<string, unknown>>) {
        const name = item?.[kind] ?? item?.key_name
        if (typeof name !== 'string') continue
        const expiresAtMs = parseWforceTime(item.expiration)
        if (kind === 'login') { out.push({ key: entryKey({ login: name }), expiresAtMs }); continue }
        const where = normalizeWhere(name)
        if (where !== null) out.push({ key: entryKey(where), expiresAtMs })
      }
    }
  }
  return out
}
