import { type LuaLibraryCounters } from './counters.ts'
import { type HttpClient } from './http-client.ts'
import { parseJson } from './json-decode.ts'
import { TrackalertError } from '../errors.ts'

/** setElasticsearch{...}. */
export interface ElasticsearchSettings {
  /** Base URL, e.g. https://es.example.com:9200 (a path prefix is kept, for proxies). */
  readonly url: string
  readonly user?: string
  readonly password?: string
  /** Elasticsearch API key (the base64 "id:key" form), sent as "Authorization: ApiKey ...". */
  readonly apiKey?: string
  /** Default bound on one call; the HTTP client's default when absent. */
  readonly timeoutMs?: number
  /** Extra headers on every request. */
  readonly headers?: Record<string, string>
}

export interface EsCallOptions {
  readonly timeoutMs?: number
  /** Query string parameters (size, routing, request_cache, ...). */
  readonly params?: Record<string, string>
  /** Statuses returned as answers rather than raised (e.g. 404 for an existence check). */
  readonly ignore?: readonly number[]
}

export interface EsAnswer {
  readonly status: number
  /** Decoded JSON body; null for an empty body (HEAD). */
  readonly body: unknown
}

/** Index names travel in the path: refuse what would change the path or the query. */
const BAD_INDEX = /[\s/?#\\"<>|]/

/**
 * Elasticsearch/OpenSearch over the shared HTTP client (same pool, TLS and bounds). Bodies go out as
 * JSON text already encoded by the caller; answers come back parsed.
 */
export class ElasticsearchClient {
  readonly #http: HttpClient
  readonly #counters: LuaLibraryCounters
  #settings: ElasticsearchSettings | null = null
  #base = ''
  #headers: Record<string, string> = {}

  constructor (http: HttpClient, counters: LuaLibraryCounters) {
    this.#http = http
    this.#counters = counters
  }

  get configured (): boolean { return this.#settings !== null }

  configure (settings: ElasticsearchSettings): void {
    let url: URL
    try {
      url = new URL(settings.url)
    } catch {
      throw new TrackalertError('TA_ERR_CONFIG_INVALID', `setElasticsearch: invalid url '${settings.url}'`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TrackalertError('TA_ERR_CONFIG_INVALID', `setElasticsearch: url must be http:// or https://, got '${settings.url}'`)
    if (settings.apiKey !== undefined && settings.user !== undefined) throw new TrackalertError('TA_ERR_CONFIG_INVALID', 'setElasticsearch: give either api_key or user/password, not both')
    const headers: Record<string, string> = { accept: 'application/json', ...(settings.headers ?? {}) }
    if (settings.apiKey !== undefined) headers.authorization = `ApiKey ${settings.apiKey}`
    else if (settings.user !== undefined) headers.authorization = 'Basic ' + Buffer.from(`${settings.user}:${settings.password ?? ''}`).toString('base64')
    this.#settings = settings
    this.#base = url.href.replace(/\/+$/, '')
    this.#headers = headers
  }

  /** POST <index>/_search; `index` may name several (comma-separated or a list) and use wildcards. */
  search (index: string | readonly string[], queryJson: string, opts: EsCallOptions = {}): Promise<unknown> {
    return this.request('POST', `/${indexPath(index)}/_search`, queryJson, opts).then((a) => a.body)
  }

  /** Any call: `path` starts with '/'; a non-2xx status not in opts.ignore is an error naming the ES reason. */
  async request (method: string, path: string, bodyJson: string | null, opts: EsCallOptions = {}): Promise<EsAnswer> {
    const settings = this.#settings
    if (settings === null) throw new TrackalertError('TA_ERR_OUTBOUND', 'no Elasticsearch configured (setElasticsearch{url = ...})')
    if (!path.startsWith('/')) throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `path must start with '/', got '${path}'`)
    const query = new URLSearchParams(opts.params ?? {}).toString()
    const url = this.#base + path + (query === '' ? '' : (path.includes('?') ? '&' : '?') + query)
    const headers = bodyJson === null ? this.#headers : { ...this.#headers, 'content-type': 'application/json' }
    this.#counters.esRequests++
    let res
    try {
      res = await this.#http.request({ method, url, headers, body: bodyJson, timeoutMs: opts.timeoutMs ?? settings.timeoutMs })
    } catch (err) {
      this.#counters.esFailures++
      throw new TrackalertError('TA_ERR_OUTBOUND', `${method} ${url}: ${(err as Error).message}`, { cause: err })
    }
    const text = res.body.toString('utf8')
    const ok = (res.status >= 200 && res.status < 300) || (opts.ignore ?? []).includes(res.status)
    if (!ok) {
      this.#counters.esFailures++
      throw new TrackalertError('TA_ERR_OUTBOUND', `HTTP ${res.status} from ${method} ${url}: ${errorReason(text)}`)
    }
    if (text.trim() === '') return { status: res.status, body: null }
    try {
      return { status: res.status, body: parseJson(text) }
    } catch (err) {
      this.#counters.esFailures++
      throw new TrackalertError('TA_ERR_OUTBOUND', `${method} ${url}: answer is not JSON: ${(err as Error).message}`, { cause: err })
    }
  }
}

function indexPath (index: string | readonly string[]): string {
  const names = typeof index === 'string' ? [index] : [...index]
  if (names.length === 0 || names.some((n) => n === '' || BAD_INDEX.test(n))) {
    throw new TrackalertError('TA_ERR_LUA_ARGUMENT', `invalid index name '${names.join(',')}'`)
  }
  return names.map((n) => encodeURI(n)).join(',')
}

/** "type: reason" from an Elasticsearch/OpenSearch error body, or the start of whatever came back. */
function errorReason (text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown }
    const e = body.error
    if (typeof e === 'string') return e
    if (typeof e === 'object' && e !== null) {
      const err = e as { type?: string, reason?: string, root_cause?: Array<{ type?: string, reason?: string }> }
      const cause = err.root_cause?.[0]
      const type = err.type ?? cause?.type
      const reason = err.reason ?? cause?.reason
      if (type !== undefined || reason !== undefined) return [type, reason].filter((x) => x !== undefined).join(': ')
    }
  } catch {
    // not JSON: fall through
  }
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat === '' ? '(empty body)' : flat.slice(0, 200)
}
