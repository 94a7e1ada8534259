import {
  AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry,
  type MetricObjectWithValues, type MetricValue
} from 'prom-client'
import { logger } from '../log/index.ts'
import {
  BACKGROUND_BUCKETS_SECONDS, DURATION_BUCKETS_SECONDS, METRIC_PREFIX, WEBHOOK_BUCKETS_SECONDS
} from './constants.ts'

/** Content-Type of the `/metrics` body (Prometheus text format 0.0.4). */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE

/** Gauges whose value is read from the app at scrape time. */
export const GAUGE_SOURCE_NAMES = ['active_http_connections', 'web_queue_size', 'webhook_queue_size', 'lua_states_busy'] as const
export type GaugeSourceName = (typeof GAUGE_SOURCE_NAMES)[number]

export type BackgroundResult = 'ok' | 'error' | 'skipped'

/** One process's metrics as JSON (`registry.getMetricsAsJSON()`), the unit AggregatorRegistry sums. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[]

/**
 * Counts the per-report path increments in plain numbers; the Prometheus counters copy them when
 * scraped, so a report costs no prom-client label hashing or object allocation.
 */
export interface MetricFeeds {
  commands: () => Iterable<readonly [string, number]>
  custom: () => Iterable<readonly [string, number]>
  reports: () => { readonly success: number, readonly failure: number }
  deviceCache: () => { readonly hits: number, readonly misses: number }
}

export interface PromMetricsOptions {
  /** prom-client's process metrics (CPU, memory, event loop lag, GC) with the trackalert_ prefix. */
  defaultMetrics?: boolean
}

interface Inc { inc (value?: number): void }
interface Observe { observe (value: number): void }

const HELP_GAUGES: Record<GaugeSourceName, string> = {
  active_http_connections: 'Open connections to the REST API',
  web_queue_size: 'Requests waiting for a free worker (Lua state)',
  webhook_queue_size: 'Webhook deliveries waiting to be sent',
  lua_states_busy: 'Lua states currently running a handler'
}

/** The daemon's Prometheus metrics in a registry of their own, so each process's set stays separable. */
export class PromMetrics {
  readonly registry = new Registry()
  readonly #gaugeSources = new Map<GaugeSourceName, () => number>()
  readonly #queueDuration: Observe
  readonly #responseDuration: Observe
  readonly #webhookEvents: Counter<'id' | 'url' | 'status'>
  readonly #webhookDropped: Counter<'name'>
  readonly #webhookAttempt: Histogram<'name'>
  readonly #rejected: Counter<'reason'>
  readonly #httpRefused: Counter<'reason'>
  readonly #luaErrors: Counter<'function'>
  readonly #shed: Counter<'function'>
  readonly #backgroundRuns: Counter<'name' | 'result'>
  readonly #backgroundDuration: Histogram<'name'>
  readonly #children = new Map<string, Inc>()
  readonly #observers = new Map<string, Observe>()

  constructor (feeds: MetricFeeds, options: PromMetricsOptions = {}) {
    const registers = [this.registry]
    const name = (suffix: string): string => METRIC_PREFIX + suffix

    new Counter({
      name: name('commands_total'), help: 'REST commands received, by command', labelNames: ['cmd'], registers,
      collect () { copyTotals(this, 'cmd', feeds.commands()) }
    })
    new Counter({
      name: name('custom_stats_total'), help: 'Custom statistics incremented from Lua, by name', labelNames: ['metric'], registers,
      collect () { copyTotals(this, 'metric', feeds.custom()) }
    })
    new Counter({
      name: name('reports_total'), help: 'Reports accepted, by the login outcome they report', labelNames: ['success'], registers,
      collect () {
        const { success, failure } = feeds.reports()
        this.reset()
        this.inc({ success: 'true' }, success)
        this.inc({ success: 'false' }, failure)
      }
    })
    new Counter({
      name: name('device_cache_hits_total'), help: 'User-agent parses answered from the device cache', registers,
      collect () { this.reset(); this.inc(feeds.deviceCache().hits) }
    })
    new Counter({
      name: name('device_cache_misses_total'), help: 'User-agent parses that had to run the parser', registers,
      collect () { this.reset(); this.inc(feeds.deviceCache().misses) }
    })

    this.#queueDuration = new Histogram({
      name: name('worker_queue_duration_seconds'), help: 'Time requests waited for a free worker (Lua state)',
      buckets: DURATION_BUCKETS_SECONDS, registers
    }).labels({})
    this.#responseDuration = new Histogram({
      name: name('worker_response_duration_seconds'), help: 'Time handlers took to run',
      buckets: DURATION_BUCKETS_SECONDS, registers
    }).labels({})

    for (const source of GAUGE_SOURCE_NAMES) {
      const sources = this.#gaugeSources
      new Gauge({
        name: name(source), help: HELP_GAUGES[source], registers,
        collect () { readGauge(this, source, sources.get(source)) }
      })
    }

    this.#webhookEvents = new Counter({
      name: name('custom_webhook_events_total'), help: 'Custom webhook deliveries, by webhook and outcome',
      labelNames: ['id', 'url', 'status'], registers
    })
    this.#webhookDropped = new Counter({
      name: name('webhook_dropped_total'), help: 'Webhook events dropped because the queue was full', labelNames: ['name'], registers
    })
    this.#webhookAttempt = new Histogram({
      name: name('webhook_attempt_duration_seconds'), help: 'Duration of single webhook delivery attempts',
      labelNames: ['name'], buckets: WEBHOOK_BUCKETS_SECONDS, registers
    })
    this.#rejected = new Counter({
      name: name('report_rejected_total'), help: 'Reports refused before reaching Lua, by reason', labelNames: ['reason'], registers
    })
    this.#httpRefused = new Counter({
      name: name('http_refused_total'), help: 'Requests and connections the REST API refused, by reason', labelNames: ['reason'], registers
    })
    this.#luaErrors = new Counter({
      name: name('lua_errors_total'), help: 'Errors raised by Lua functions, by function', labelNames: ['function'], registers
    })
    this.#shed = new Counter({
      name: name('requests_shed_total'), help: 'REST calls answered 503 without running: queued past setMaxQueueWaitMs, by function',
      labelNames: ['function'], registers
    })
    this.#backgroundRuns = new Counter({
      name: name('background_runs_total'), help: 'Scheduled background function runs, by outcome',
      labelNames: ['name', 'result'], registers
    })
    this.#backgroundDuration = new Histogram({
      name: name('background_duration_seconds'), help: 'Duration of background function runs',
      labelNames: ['name'], buckets: BACKGROUND_BUCKETS_SECONDS, registers
    })

    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX })
  }

  /** Hot path: seconds a request waited before its handler could run. */
  observeQueueSeconds (seconds: number): void { this.#queueDuration.observe(seconds) }
  /** Hot path: seconds the handler ran. */
  observeResponseSeconds (seconds: number): void { this.#responseDuration.observe(seconds) }

  /** Registers the callback read for a gauge at each scrape; replaces any earlier one. */
  setGaugeSource (source: GaugeSourceName, read: () => number): void {
    this.#gaugeSources.set(source, read)
  }

  /** Makes both status series of a webhook appear at 0 before its first delivery. */
  registerWebhook (id: number | string, url: string): void {
    this.#child(this.#webhookEvents, `w\0${id}\0${url}\0ok`, { id: String(id), url, status: 'ok' }).inc(0)
    this.#child(this.#webhookEvents, `w\0${id}\0${url}\0error`, { id: String(id), url, status: 'error' }).inc(0)
  }

  countWebhookEvent (id: number | string, url: string, ok: boolean): void {
    const status = ok ? 'ok' : 'error'
    this.#child(this.#webhookEvents, `w\0${id}\0${url}\0${status}`, { id: String(id), url, status }).inc()
  }

  countWebhookDropped (name: string): void {
    this.#child(this.#webhookDropped, `d\0${name}`, { name }).inc()
  }

  observeWebhookAttemptSeconds (name: string, seconds: number): void {
    this.#observer(this.#webhookAttempt, `a\0${name}`, name).observe(seconds)
  }

  countReportRejected (reason: string): void {
    this.#child(this.#rejected, `r\0${reason}`, { reason }).inc()
  }

  /** Makes a refusal reason appear at 0 before the first such refusal. */
  declareHttpRefusal (reason: string): void {
    this.#child(this.#httpRefused, `h\0${reason}`, { reason }).inc(0)
  }

  countHttpRefused (reason: string): void {
    this.#child(this.#httpRefused, `h\0${reason}`, { reason }).inc()
  }

  countLuaError (fn: string): void {
    this.#child(this.#luaErrors, `l\0${fn}`, { function: fn }).inc()
  }

  countShed (fn: string): void {
    this.#child(this.#shed, `s\0${fn}`, { function: fn }).inc()
  }

  /** Skipped runs (previous one still busy) have no duration worth recording. */
  recordBackgroundRun (name: string, result: BackgroundResult, seconds?: number): void {
    this.#child(this.#backgroundRuns, `b\0${name}\0${result}`, { name, result }).inc()
    if (seconds !== undefined) this.#observer(this.#backgroundDuration, `bd\0${name}`, name).observe(seconds)
  }

  metricsText (): Promise<string> { return this.registry.metrics() }

  /** This process's metrics for a cluster primary to pass to aggregateMetricsText(). */
  metricsJson (): Promise<MetricsJson> { return this.registry.getMetricsAsJSON() }

  /** Children are cached per label set: prom-client would otherwise rebuild the label object every call. */
  #child<L extends string> (metric: Counter<L>, key: string, labels: Partial<Record<L, string>>): Inc {
    let child = this.#children.get(key)
    if (child === undefined) {
      child = metric.labels(labels)
      this.#children.set(key, child)
    }
    return child
  }

  #observer (metric: Histogram<'name'>, key: string, name: string): Observe {
    let child = this.#observers.get(key)
    if (child === undefined) {
      child = metric.labels({ name })
      this.#observers.set(key, child)
    }
    return child
  }
}

function copyTotals<L extends string> (counter: Counter<L>, label: L, totals: Iterable<readonly [string, number]>): void {
  counter.reset()
  for (const [value, total] of totals) counter.inc({ [label]: value } as Partial<Record<L, string>>, total)
}

function readGauge (gauge: Gauge, source: string, read: (() => number) | undefined): void {
  if (read === undefined) return
  try {
    const value = read()
    if (Number.isFinite(value)) gauge.set(value)
  } catch (err) {
    // A broken getter must not fail the whole scrape; the gauge keeps its last value.
    logger.debug('metrics: gauge source failed', { gauge: source, error: err })
  }
}

/** Sums the metrics of several processes into one Prometheus text body (counters and gauges add up). */
export function aggregateMetricsText (perProcess: readonly MetricsJson[]): Promise<string> {
  return AggregatorRegistry.aggregate([...perProcess]).metrics()
}
