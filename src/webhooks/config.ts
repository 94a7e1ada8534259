import { TrackalertError } from '../errors.ts'
import { logger } from '../log/index.ts'

/** A custom webhook's validated configuration (the `addCustomWebHook(name, keys)` table). */
export interface CustomHookConfig {
  readonly name: string
  /** URL as configured; may contain the date macros %{YYYY}, %{MM}, %{dd}. */
  readonly url: string
  readonly secret: string | undefined
  /** "user:pass" for an Authorization: Basic header. */
  readonly basicAuth: string | undefined
  readonly apiKey: string | undefined
  readonly contentType: string
  /** Wrap bodies for a Kafka REST proxy. */
  readonly kafka: boolean
}

export const DEFAULT_CONTENT_TYPE = 'application/json'
export const KAFKA_CONTENT_TYPE = 'application/vnd.kafka.json.v2+json'

const knownKeys = new Set(['url', 'secret', 'basic-auth', 'api-key', 'content-type', 'kafka', 'num_conns'])
const dateMacro = /%\{(YYYY|MM|dd)\}/g
// Anything outside HTAB, visible ASCII and Latin-1 would break or smuggle a header line.
const badHeaderChars = /[^\t\x20-\x7e\x80-\xff]/

function configError (name: string, message: string): TrackalertError {
  return new TrackalertError('TA_ERR_WEBHOOK_CONFIG', `custom webhook "${name}": ${message}`)
}

function pad2 (n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** Whether the URL needs expanding at send time. */
export function hasDateMacros (url: string): boolean {
  dateMacro.lastIndex = 0
  return dateMacro.test(url)
}

/** Expands %{YYYY}, %{MM} and %{dd} to the UTC date of `nowMs`; other text is left alone. */
export function expandUrlDate (url: string, nowMs: number): string {
  const d = new Date(nowMs)
  return url.replace(dateMacro, (_m, macro: string) => {
    if (macro === 'YYYY') return String(d.getUTCFullYear())
    if (macro === 'MM') return pad2(d.getUTCMonth() + 1)
    return pad2(d.getUTCDate())
  })
}

function optionalHeaderValue (name: string, keys: Record<string, string>, key: string): string | undefined {
  const value = keys[key]
  if (value === undefined) return undefined
  if (value === '') throw configError(name, `"${key}" must not be empty`)
  if (badHeaderChars.test(value)) throw configError(name, `"${key}" contains characters not allowed in an HTTP header`)
  return value
}

function optionalSecret (name: string, value: string | undefined): string | undefined {
  // The secret never goes on the wire, so any bytes are fine; an empty one would sign with no key.
  if (value === '') throw configError(name, '"secret" must not be empty')
  return value
}

function checkUrl (name: string, url: string): void {
  let parsed: URL
  try {
    // Macros expand to digits, so validating with a sample date checks the real shape.
    parsed = new URL(expandUrlDate(url, 0))
  } catch {
    throw configError(name, `invalid url "${url}"`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw configError(name, `url "${url}" must use http or https`)
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw configError(name, 'credentials in the url are not supported; use the "basic-auth" key')
  }
}

/**
 * Validates an `addCustomWebHook()` key table. A bad table throws TA_ERR_WEBHOOK_CONFIG naming the
 * hook, so a typo stops the daemon at startup instead of silently losing alerts later.
 */
export function parseCustomHookConfig (name: string, keys: Readonly<Record<string, string>>): CustomHookConfig {
  if (typeof name !== 'string' || name === '') {
    throw new TrackalertError('TA_ERR_WEBHOOK_CONFIG', 'custom webhook name must be a non-empty string')
  }
  for (const key of Object.keys(keys)) {
    if (!knownKeys.has(key)) throw configError(name, `unknown configuration key "${key}"`)
    if (typeof keys[key] !== 'string') throw configError(name, `configuration key "${key}" must be a string`)
  }
  const url = keys.url
  if (url === undefined || url === '') throw configError(name, 'missing mandatory configuration key "url"')
  checkUrl(name, url)

  const basicAuth = optionalHeaderValue(name, keys, 'basic-auth')
  if (basicAuth !== undefined && !basicAuth.includes(':')) {
    throw configError(name, '"basic-auth" must have the form "user:pass"')
  }
  let kafka = false
  if (keys.kafka !== undefined) {
    if (keys.kafka !== 'true' && keys.kafka !== 'false') throw configError(name, '"kafka" must be "true" or "false"')
    kafka = keys.kafka === 'true'
  }
  if (keys.num_conns !== undefined) {
    logger.warn('custom webhook key "num_conns" is deprecated and ignored; use setNumWebHookConnsPerThread()', { name })
  }
  const explicitType = optionalHeaderValue(name, keys, 'content-type')
  return {
    name,
    url,
    secret: optionalSecret(name, keys.secret),
    basicAuth,
    apiKey: optionalHeaderValue(name, keys, 'api-key'),
    // An explicit content-type wins, so a newer Kafka REST proxy format can still be selected.
    contentType: explicitType ?? (kafka ? KAFKA_CONTENT_TYPE : DEFAULT_CONTENT_TYPE),
    kafka
  }
}
