import type { Redis } from 'ioredis'
import { lazyImport } from '../lazy-import.ts'
import { logger } from '../log/index.ts'
import { buildTlsConnectOptions, defaultTlsSettings, type OutboundTlsSettings } from '../outbound/index.ts'
import { type LuaLibraryCounters } from './counters.ts'
import { TrackalertError } from '../errors.ts'

/** setRedis{...}. */
export interface RedisSettings {
  /** redis:// or rediss:// URL; when given, host/port/password/db come from it unless set too. */
  readonly url?: string
  readonly host: string
  readonly port: number
  readonly username?: string
  readonly password?: string
  readonly db: number
  /** TLS to the server (rediss:// implies it), with the daemon's outbound TLS settings. */
  readonly tls: boolean
  /** Bound on one command, connecting included. */
  readonly timeoutMs: number
  /** Commands sent and not answered yet; beyond it a call fails at once. */
  readonly maxPending: number
}

const loadIoredis = lazyImport(() => import('ioredis'))

export const REDIS_DEFAULTS = { host: '127.0.0.1', port: 6379, db: 0, tls: false, timeoutMs: 2000, maxPending: 1000 } as const

export type RedisArg = string | Buffer | number

/**
 * One Redis connection per process (commands pipeline on it), opened on the first command and
 * re-opened with backoff when it drops. A command waits for at most `timeoutMs`; while the server
 * is unreachable commands fail fast instead of piling up.
 */
export class RedisService {
  #settings: RedisSettings | null = null
  #tls: OutboundTlsSettings = defaultTlsSettings()
  #client: Redis | null = null
  #pending = 0
  #lastError = ''
  #target = ''
  readonly #counters: LuaLibraryCounters

  constructor (counters: LuaLibraryCounters) {
    this.#counters = counters
  }

  get configured (): boolean { return this.#settings !== null }

  configure (settings: RedisSettings): void {
    this.#settings = settings
    this.#reset()
  }

  setOutboundTls (tls: OutboundTlsSettings): void {
    buildTlsConnectOptions(tls)
    this.#tls = { ...tls }
    this.#reset()
  }

  /** Sends one command; binary-safe: bulk replies come back as Buffers. */
  async command (name: string, args: readonly RedisArg[]): Promise<unknown> {
    const settings = this.#settings
    if (settings === null) throw new TrackalertError('TA_ERR_OUTBOUND', 'no Redis configured (setRedis{host = ..., port = ...})')
    if (this.#pending >= settings.maxPending) {
      this.#counters.redisFailures++
      throw new TrackalertError('TA_ERR_OUTBOUND', `too many Redis commands waiting (${this.#pending}; setRedis max_pending)`)
    }
    this.#counters.redisCommands++
    this.#pending++
    try {
      return await (await this.#getClient(settings)).callBuffer(name, [...args])
    } catch (err) {
      this.#counters.redisFailures++
      const e = err as Error
      let message = e.message
      if (message === 'Command timed out') message = `timed out after ${settings.timeoutMs} ms`
      else if (e.name === 'MaxRetriesPerRequestError') message = `cannot reach Redis at ${this.#target}${this.#lastError === '' ? '' : `: ${this.#lastError}`}`
      throw new TrackalertError('TA_ERR_OUTBOUND', message, { cause: err })
    } finally {
      this.#pending--
    }
  }

  async #getClient (s: RedisSettings): Promise<Redis> {
    if (this.#client !== null) return this.#client
    const { Redis } = await loadIoredis()
    // Another command may have connected while the library loaded, or the service closed.
    if (this.#client !== null) return this.#client
    if (this.#settings === null) throw new TrackalertError('TA_ERR_OUTBOUND', 'the Redis connection is shut down')
    const fromUrl = s.url === undefined ? {} : parseRedisUrl(s.url)
    const useTls = s.tls || fromUrl.tls === true
    this.#target = `${fromUrl.host ?? s.host}:${fromUrl.port ?? s.port}`
    const client = new Redis({
      host: fromUrl.host ?? s.host,
      port: fromUrl.port ?? s.port,
      username: s.username ?? fromUrl.username,
      password: s.password ?? fromUrl.password,
      db: fromUrl.db ?? s.db,
      tls: useTls ? buildTlsConnectOptions(this.#tls) : undefined,
      lazyConnect: true,
      connectTimeout: s.timeoutMs,
      commandTimeout: s.timeoutMs,
      // Fail commands after one reconnect attempt rather than queueing them behind a dead server.
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 200, 2000)
    })
    client.on('error', (err: Error) => {
      // ioredis reports every failed reconnect; log each distinct problem once.
      if (err.message !== this.#lastError) logger.warn('redis connection error', { error: err.message })
      this.#lastError = err.message
    })
    client.on('ready', () => {
      if (this.#lastError !== '') logger.notice('redis connection ready again')
      this.#lastError = ''
    })
    this.#client = client
    return client
  }

  #reset (): void {
    const old = this.#client
    this.#client = null
    old?.disconnect()
  }

  /** Waits for replies to commands already sent, then closes the connection. */
  async close (): Promise<void> {
    const client = this.#client
    this.#client = null
    this.#settings = null
    if (client === null) return
    if (client.status === 'ready') {
      await client.quit().catch(() => client.disconnect())
    } else {
      client.disconnect()
    }
  }
}

export interface UrlParts { host?: string, port?: number, username?: string, password?: string, db?: number, tls?: boolean }

/** Reads a redis:// or rediss:// URL; throws on anything else (called by setRedis, so mistakes stop the config). */
export function parseRedisUrl (text: string): UrlParts {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new TrackalertError('TA_ERR_CONFIG_INVALID', `setRedis: invalid url '${text}'`)
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new TrackalertError('TA_ERR_CONFIG_INVALID', `setRedis: url must be redis:// or rediss://, got '${text}'`)
  const db = url.pathname.replace(/^\//, '')
  if (db !== '' && !/^\d+$/.test(db)) throw new TrackalertError('TA_ERR_CONFIG_INVALID', `setRedis: database number in the url must be an integer, got '${db}'`)
  return {
    host: url.hostname === '' ? undefined : url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? undefined : Number(url.port),
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    db: db === '' ? undefined : Number(db),
    tls: url.protocol === 'rediss:'
  }
}
