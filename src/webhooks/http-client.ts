import type { Agent } from 'undici'
import { buildTlsConnectOptions, Deadline, isRetryableStatus, loadUndici, parseRetryAfter, type AttemptOutcome } from '../outbound/index.ts'
import { type PreparedRequest, type RequestTarget } from './request.ts'
import { type WebhookSettings } from './settings.ts'

const DUMP_LIMIT = 64 * 1024

/**
 * The connection pool's options. Reads the TLS files, so it throws on a missing CA/cert/key: called
 * at startup to fail early, before any delivery needs the pool.
 */
export function webhookAgentOptions (settings: WebhookSettings): WebhookAgentOptions {
  return {
    connections: settings.numThreads * settings.connsPerThread,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    connect: { ...buildTlsConnectOptions(settings.tls), timeout: settings.timeoutMs }
  }
}

export type WebhookAgentOptions = ConstructorParameters<typeof Agent>[0] & object

/** One keep-alive pool per origin, each capped at the global bound (the dispatcher enforces it across origins). */
export async function createWebhookAgent (options: WebhookAgentOptions): Promise<Agent> {
  const { Agent } = await loadUndici()
  return new Agent(options)
}

/** One POST attempt; never throws. The timeout covers connect, request and reading the reply. */
export async function postOnce (pool: Promise<Agent>, target: RequestTarget, request: PreparedRequest, timeoutMs: number): Promise<AttemptOutcome> {
  const deadline = new Deadline(timeoutMs)
  const signal = deadline.signal
  try {
    const agent = await pool
    const res = await agent.request({
      origin: target.origin, path: target.path, method: 'POST', headers: request.headers, body: request.body, signal
    })
    // Read the (small) reply so the connection goes back to the pool.
    await res.body.dump({ limit: DUMP_LIMIT, signal })
    const ok = res.statusCode >= 200 && res.statusCode < 300
    return {
      ok,
      retryable: !ok && isRetryableStatus(res.statusCode),
      detail: `HTTP status ${res.statusCode}`,
      retryAfterMs: ok ? undefined : parseRetryAfter(res.headers['retry-after'])
    }
  } catch (err) {
    const e = err as Error & { code?: string }
    const detail = e.name === 'TimeoutError'
      ? `timed out after ${timeoutMs} ms`
      : `${e.code !== undefined ? e.code + ': ' : ''}${e.message}`
    return { ok: false, retryable: true, detail, retryAfterMs: undefined }
  } finally {
    deadline.cancel()
  }
}
