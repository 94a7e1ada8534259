import { createHmac } from 'node:crypto'
import { type CustomHookConfig, expandUrlDate, hasDateMacros } from './config.ts'
import { TrackalertError } from '../errors.ts'

/** A registered custom webhook: its config plus what can be computed once at registration. */
export interface CustomWebhook {
  /** 1-based, in definition order (X-Wforce-HookID, showCustomWebHooks()). */
  readonly id: number
  readonly name: string
  /** The configured URL (with any date macros unexpanded), as shown and used as a metric label. */
  readonly url: string
  readonly config: CustomHookConfig
  /** Headers identical for every delivery of this hook. */
  readonly baseHeaders: Readonly<Record<string, string>>
  /** Parsed target when the URL has no date macros, so the hot path does not re-parse it. */
  readonly staticTarget: RequestTarget | undefined
}

export interface RequestTarget {
  readonly origin: string
  readonly path: string
}

/** What one delivery sends on every attempt: same body bytes, same signature, same delivery id. */
export interface PreparedRequest {
  readonly body: Buffer
  readonly headers: Readonly<Record<string, string>>
}

function toTarget (url: string): RequestTarget {
  const parsed = new URL(url)
  return { origin: parsed.origin, path: parsed.pathname + parsed.search }
}

export function createCustomWebhook (id: number, config: CustomHookConfig): CustomWebhook {
  const baseHeaders: Record<string, string> = {
    'content-type': config.contentType,
    'x-wforce-event': config.name,
    'x-wforce-hookid': String(id)
  }
  if (config.basicAuth !== undefined) {
    baseHeaders.authorization = 'Basic ' + Buffer.from(config.basicAuth, 'utf8').toString('base64')
  }
  if (config.apiKey !== undefined) baseHeaders['x-api-key'] = config.apiKey
  return {
    id,
    name: config.name,
    url: config.url,
    config,
    baseHeaders,
    staticTarget: hasDateMacros(config.url) ? undefined : toTarget(config.url)
  }
}

/** Where an attempt goes; date macros take the UTC date at send time (a retry after midnight moves on). */
export function resolveTarget (hook: CustomWebhook, nowMs: number): RequestTarget {
  return hook.staticTarget ?? toTarget(expandUrlDate(hook.url, nowMs))
}

/** base64(HMAC-SHA256(secret, body)) — what a receiver recomputes over the raw bytes it got. */
export function signBody (secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('base64')
}

/**
 * Builds the body and headers of one delivery. Throws (an Error whose message is logged) when a
 * Kafka hook is given data that is not JSON: such a delivery can never succeed, so it is not retried.
 */
export function prepareRequest (hook: CustomWebhook, data: string, deliveryId: string): PreparedRequest {
  let text = data
  if (hook.config.kafka) {
    let value: unknown
    try {
      value = JSON.parse(data)
    } catch (err) {
      throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `kafka webhook data is not valid JSON: ${(err as Error).message}`, { cause: err })
    }
    text = JSON.stringify({ records: [{ value }] })
  }
  const body = Buffer.from(text, 'utf8')
  const headers: Record<string, string> = { ...hook.baseHeaders, 'x-wforce-delivery': deliveryId }
  if (hook.config.secret !== undefined) headers['x-wforce-signature'] = signBody(hook.config.secret, body)
  return { body, headers }
}
