import { type ApiModule } from '../lua/api/index.ts'
import { type OutboundTlsSettings } from '../outbound/index.ts'
import { LuaLibraryCounters, type LuaLibraryCounterValues } from './counters.ts'
import { ElasticsearchClient } from './elasticsearch.ts'
import { esModule } from './es-api.ts'
import { httpModule } from './http-api.ts'
import { HttpClient } from './http-client.ts'
import { jsonModule } from './json-api.ts'
import { mailModule } from './mail-api.ts'
import { type MailDelivery } from './mail-delivery.ts'
import { MailQueue } from './mail-queue.ts'
import { redisModule } from './redis-api.ts'
import { RedisService } from './redis-client.ts'
import { requireModule } from './require-api.ts'

export interface LuaLibraryOptions {
  /** Share one instance across reloads so the counters keep counting. */
  readonly counters?: LuaLibraryCounters
  /** Outbound TLS (the webhook TLS settings); can also be set later with setOutboundTls. */
  readonly tls?: OutboundTlsSettings
  /** Jitter source for mail retry backoff. */
  readonly random?: () => number
  /** The process's mail delivery, which outlives this library; without it the library has its own. */
  readonly mailDelivery?: MailDelivery
}

export interface LuaLibraryMetrics extends LuaLibraryCounterValues {
  /** Mails not delivered yet (waiting, backing off, being sent). */
  readonly mailQueueSize: number
  /** HTTP calls from Lua running or waiting for a connection. */
  readonly httpInFlight: number
}

/**
 * The Lua library of one configuration load: the service objects (HTTP pool, Elasticsearch
 * client, mail queue, Redis connection), shared by every Lua state built with `modules`, and
 * configured by the config state's setLuaHttpOptions/setElasticsearch/setMailRelay/setRedis.
 */
export class LuaLibrary {
  readonly counters: LuaLibraryCounters
  readonly http: HttpClient
  readonly es: ElasticsearchClient
  readonly mail: MailQueue
  readonly redis: RedisService
  /** Pass to LuaRuntime.create (after the core modules). */
  readonly modules: readonly ApiModule[]
  #closing: Promise<void> | null = null

  constructor (options: LuaLibraryOptions = {}) {
    this.counters = options.counters ?? new LuaLibraryCounters()
    this.http = new HttpClient(this.counters)
    this.es = new ElasticsearchClient(this.http, this.counters)
    this.mail = new MailQueue(this.counters, { random: options.random, delivery: options.mailDelivery })
    this.redis = new RedisService(this.counters)
    if (options.tls !== undefined) this.setOutboundTls(options.tls)
    this.modules = [jsonModule, requireModule, httpModule(this.http), esModule(this.es), mailModule(this.mail), redisModule(this.redis)]
  }

  /** Applies the daemon's outbound TLS settings to HTTPS, SMTP and Redis TLS; reads the PEM files now (throws if missing). */
  setOutboundTls (tls: OutboundTlsSettings): void {
    this.http.setOutboundTls(tls)
    this.mail.setOutboundTls(tls)
    this.redis.setOutboundTls(tls)
  }

  /** Makes this configuration's mail relay the current one for the process's queued mails. */
  activate (): void {
    this.mail.activate()
  }

  metrics (): LuaLibraryMetrics {
    return { ...this.counters.snapshot(), mailQueueSize: this.mail.size, httpInFlight: this.http.inFlight }
  }

  /**
   * Shutdown or retirement after a reload: lets HTTP calls and Redis replies in flight finish, then
   * closes every connection. A library with its own mail delivery drains it for up to `graceMs`
   * first; the process's shared one is drained by the process at shutdown. Idempotent.
   */
  close (graceMs = 10000): Promise<void> {
    this.#closing ??= (async () => {
      await this.mail.close(graceMs)
      await Promise.all([this.http.close(), this.redis.close()])
    })()
    return this.#closing
  }
}
