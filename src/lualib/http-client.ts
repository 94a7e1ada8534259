import type { Agent } from 'undici'
import { VERSION } from '../version.ts'
import { buildTlsConnectOptions, Deadline, defaultTlsSettings, loadUndici, type OutboundTlsSettings } from '../outbound/index.ts'
import { type LuaLibraryCounters } from './counters.ts'
import { TrackalertError } from '../errors.ts'

/** setLuaHttpOptions{...}; durations in milliseconds. */
export interface HttpClientSettings {
  /** Bound on one call (queueing, connect, request, whole response) unless the call gives its own. */
  timeoutMs: number
  /** Keep-alive connections per origin (scheme://host:port): at most this many requests run at once there. */
  connections: number
  /** Requests per origin running or waiting for a connection; beyond it a call fails at once. */
  maxPending: number
  /** Largest response body accepted. */
  maxBodyBytes: number
  keepAliveTimeoutMs: number
}

export function defaultHttpClientSettings (): HttpClientSettings {
  return { timeoutMs: 5000, connections: 10, maxPending: 256, maxBodyBytes: 16 * 1024 * 1024, keepAliveTimeoutMs: 30000 }
}

export interface HttpRequest {
  readonly method: string
  readonly url: string
  readonly headers?: Record<string, string>
  readonly body?: Uint8Array | string | null
  readonly timeoutMs?: number
  /** Redirects to follow for GET and HEAD (default 0: the 3xx answer is returned as it is). */
  readonly redirects?: number
}

export interface HttpResponse {
  readonly status: number
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Record<string, string>
  readonly body: Buffer
  /** The URL finally answered (differs from the request's after redirects). */
  readonly url: string
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
const USER_AGENT = `trackalert/${VERSION}`

/**
 * The HTTP client behind Lua's http.request, socket.http and es.*: one undici Agent (a keep-alive
 * pool per origin) shared by every Lua state of the process, created on first use with the
 * daemon's outbound TLS settings. Errors are thrown as plain Errors with a one-line message.
 */
export class HttpClient {
  #settings = defaultHttpClientSettings()
  #tls: OutboundTlsSettings = defaultTlsSettings()
  #agent: Agent | null = null
  readonly #pending = new Map<string, number>()
  readonly #counters: LuaLibraryCounters
  #closed = false

  constructor (counters: LuaLibraryCounters) {
    this.#counters = counters
  }

  get settings (): Readonly<HttpClientSettings> { return this.#settings }

  /** Requests running or waiting, all origins. */
  get inFlight (): number {
    let n = 0
    for (const v of this.#pending.values()) n += v
    return n
  }

  configure (patch: Partial<HttpClientSettings>): void {
    this.#settings = { ...this.#settings, ...patch }
    this.#resetAgent()
  }

  /** The TLS settings the webhook functions set (setCurlCABundleFile & co.); reads the PEM files now. */
  setOutboundTls (tls: OutboundTlsSettings): void {
    buildTlsConnectOptions(tls)
    this.#tls = { ...tls }
    this.#resetAgent()
  }

  async request (req: HttpRequest): Promise<HttpResponse> {
    if (this.#closed) throw new TrackalertError('TA_ERR_OUTBOUND', 'the HTTP client is shut down')
    const timeoutMs = req.timeoutMs ?? this.#settings.timeoutMs
    // One deadline for the whole call, redirects included.
    const deadline = new Deadline(timeoutMs)
    const signal = deadline.signal
    let url = parseUrl(req.url)
    let method = req.method.toUpperCase()
    let redirectsLeft = method === 'GET' || method === 'HEAD' ? (req.redirects ?? 0) : 0
    let headers = req.headers ?? {}
    this.#counters.httpRequests++
    try {
      while (true) {
        const res = await this.#once(url, method, headers, req.body ?? null, signal)
        const location = res.headers.location
        if (redirectsLeft > 0 && REDIRECTS.has(res.status) && location !== undefined) {
          redirectsLeft--
          const next = parseUrl(new URL(location, url).href)
          // Credentials meant for one origin are not handed to another.
          if (next.origin !== url.origin) headers = withoutCredentials(headers)
          url = next
          method = method === 'HEAD' ? 'HEAD' : 'GET'
          continue
        }
        return res
      }
    } catch (err) {
      this.#counters.httpFailures++
      throw new TrackalertError('TA_ERR_OUTBOUND', describeError(err, timeoutMs), { cause: err })
    } finally {
      deadline.cancel()
    }
  }

  async #once (url: URL, method: string, reqHeaders: Record<string, string>, body: Uint8Array | string | null, signal: AbortSignal): Promise<HttpResponse> {
    const origin = url.origin
    const pending = this.#pending.get(origin) ?? 0
    if (pending >= this.#settings.maxPending) {
      throw new TrackalertError('TA_ERR_OUTBOUND', `too many requests to ${origin} (${pending} running or waiting; setLuaHttpOptions max_pending)`)
    }
    this.#pending.set(origin, pending + 1)
    try {
      const headers: Record<string, string> = { 'user-agent': USER_AGENT }
      const auth = basicAuth(url)
      if (auth !== null) headers.authorization = auth
      for (const [k, v] of Object.entries(reqHeaders)) headers[k.toLowerCase()] = v
      const res = await (await this.#getAgent()).request({
        origin, path: url.pathname + url.search, method, headers, body, signal
      })
      const data = await readBody(res.body, this.#settings.maxBodyBytes)
      const out: Record<string, string> = {}
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
      }
      return { status: res.statusCode, headers: out, body: data, url: url.href }
    } finally {
      const n = (this.#pending.get(origin) ?? 1) - 1
      if (n === 0) this.#pending.delete(origin)
      else this.#pending.set(origin, n)
    }
  }

  async #getAgent (): Promise<Agent> {
    if (this.#agent === null) {
      const { Agent } = await loadUndici()
      // Another request may have created the pool while the library loaded, or the client closed.
      if (this.#agent !== null) return this.#agent
      if (this.#closed) throw new TrackalertError('TA_ERR_OUTBOUND', 'the HTTP client is shut down')
      const s = this.#settings
      this.#agent = new Agent({
        connections: s.connections,
        keepAliveTimeout: s.keepAliveTimeoutMs,
        connect: { ...buildTlsConnectOptions(this.#tls), timeout: s.timeoutMs }
      })
    }
    return this.#agent
  }

  /** New settings apply to new connections: the old pool finishes what it runs, then closes. */
  #resetAgent (): void {
    const old = this.#agent
    this.#agent = null
    if (old !== null) void old.close().catch(() => {})
  }

  /** Lets running requests finish (bounded by their timeouts), then closes the connections. */
  async close (): Promise<void> {
    this.#closed = true
    const agent = this.#agent
    this.#agent = null
    if (agent !== null) await agent.close()
  }
}

function withoutCredentials (headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) if (!/^(authorization|cookie|proxy-authorization)$/i.test(k)) out[k] = v
  return out
}

function parseUrl (text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `invalid URL '${text}'`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `unsupported URL scheme '${url.protocol}' (http or https)`)
  return url
}

/** user:password@ in a URL becomes a Basic Authorization header, as curl and luasocket do. */
function basicAuth (url: URL): string | null {
  if (url.username === '' && url.password === '') return null
  const user = decodeURIComponent(url.username)
  const password = decodeURIComponent(url.password)
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
}

async function readBody (body: AsyncIterable<Buffer> & { destroy (): void }, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > limit) {
      body.destroy()
      throw new TrackalertError('TA_ERR_OUTBOUND', `response body larger than ${limit} bytes (setLuaHttpOptions max_body)`)
    }
    chunks.push(chunk)
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
}

function describeError (err: unknown, timeoutMs: number): string {
  const e = err as Error & { code?: string, cause?: Error & { code?: string } }
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_CONNECT_TIMEOUT') return `timed out after ${timeoutMs} ms`
  const code = e.code ?? e.cause?.code
  const message = e.message === 'fetch failed' && e.cause !== undefined ? e.cause.message : e.message
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message
}
