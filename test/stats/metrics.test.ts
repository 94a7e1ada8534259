import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  aggregateMetricsText, DaemonStats, METRICS_CONTENT_TYPE, type GaugeSourceName
} from '../../src/stats/index.ts'
import { family, parsePrometheus, sampleValue, type ParsedFamily } from './helpers.ts'

const COMMANDS = ['report', 'stats', 'readyz', 'livez', 'my_endpoint']

function daemon (): DaemonStats {
  const stats = new DaemonStats({ now: () => 0, defaultMetrics: false })
  for (const cmd of COMMANDS) stats.registerCommand(cmd)
  return stats
}

async function scrape (stats: DaemonStats): Promise<ParsedFamily[]> {
  return parsePrometheus(await stats.metricsText())
}

/** count and sum per label set of a histogram, from prom-client's structured JSON export. */
async function histogramSeries (stats: DaemonStats, name: string): Promise<Array<{ labels: object, count: number, sum: number }>> {
  const metric = (await stats.metricsJson()).find(m => m.name === name)
  const values = metric?.values ?? []
  const pick = (suffix: string): Array<{ labels: Record<string, unknown>, value: number }> =>
    values.filter(v => (v as { metricName?: string }).metricName === name + suffix).map(v => ({ labels: v.labels, value: v.value }))
  const sums = pick('_sum')
  return pick('_count').map((c, i) => ({ labels: c.labels, count: c.value, sum: sums[i]?.value ?? Number.NaN }))
}

test('every registered command is exported, unused ones at 0', async () => {
  const stats = daemon()
  stats.countCommand('report')
  stats.countCommand('report')
  stats.countCommand('stats')
  const families = await scrape(stats)
  const commands = family(families, 'trackalert_commands_total')
  assert.equal(commands.type, 'COUNTER')
  assert.deepEqual(
    commands.metrics.map(m => [m.labels?.cmd, m.value]).sort(),
    [['livez', '0'], ['my_endpoint', '0'], ['readyz', '0'], ['report', '2'], ['stats', '1']]
  )
})

test('counters keep counting after the 5-minute window has rolled', async () => {
  let now = 0
  const stats = new DaemonStats({ now: () => now, defaultMetrics: false })
  stats.registerCommand('report')
  stats.countCommand('report')
  now = 600_000
  stats.countCommand('report')
  assert.equal(stats.snapshot().commandstats.report, 1)
  assert.equal(sampleValue(await scrape(stats), 'trackalert_commands_total', { cmd: 'report' }), '2')
})

test('custom stats, reports and the device cache', async () => {
  const stats = daemon()
  stats.addCustomStat('alerts')
  stats.addCustomStat('quiet')
  stats.incCustomStat('alerts')
  stats.countReport(true)
  stats.countReport(true)
  stats.countReport(false)
  stats.countDeviceCache(true)
  stats.countDeviceCache(true)
  stats.countDeviceCache(false)
  const f = await scrape(stats)
  assert.equal(sampleValue(f, 'trackalert_custom_stats_total', { metric: 'alerts' }), '1')
  assert.equal(sampleValue(f, 'trackalert_custom_stats_total', { metric: 'quiet' }), '0')
  assert.equal(sampleValue(f, 'trackalert_reports_total', { success: 'true' }), '2')
  assert.equal(sampleValue(f, 'trackalert_reports_total', { success: 'false' }), '1')
  assert.equal(sampleValue(f, 'trackalert_device_cache_hits_total'), '2')
  assert.equal(sampleValue(f, 'trackalert_device_cache_misses_total'), '1')
})

test('worker histograms use the perf bucket bounds in seconds', async () => {
  const stats = daemon()
  stats.recordPerf(1, 1000.1)
  stats.recordPerf(1.0001, 1000)
  stats.recordPerf(50, 0)
  const f = await scrape(stats)
  const queue = family(f, 'trackalert_worker_queue_duration_seconds')
  assert.equal(queue.type, 'HISTOGRAM')
  assert.deepEqual(queue.metrics[0]?.buckets, { '0.001': '1', '0.01': '2', '0.1': '3', 1: '3', '+Inf': '3' })
  assert.equal(queue.metrics[0]?.count, '3')
  assert.equal(Number(queue.metrics[0]?.sum), 0.001 + 0.0010001 + 0.05)
  const run = family(f, 'trackalert_worker_response_duration_seconds')
  assert.deepEqual(run.metrics[0]?.buckets, { '0.001': '1', '0.01': '1', '0.1': '1', 1: '2', '+Inf': '3' })
})

test('gauges read their sources at scrape time; missing or broken sources leave them at 0', async () => {
  const stats = daemon()
  let connections = 3
  stats.setGaugeSource('active_http_connections', () => connections)
  stats.setGaugeSource('web_queue_size', () => 7)
  stats.setGaugeSource('lua_states_busy', () => { throw new Error('not ready') })
  let f = await scrape(stats)
  const expected: Record<GaugeSourceName, string> = {
    active_http_connections: '3', web_queue_size: '7', webhook_queue_size: '0', lua_states_busy: '0'
  }
  for (const [name, value] of Object.entries(expected)) {
    assert.equal(family(f, `trackalert_${name}`).type, 'GAUGE')
    assert.equal(sampleValue(f, `trackalert_${name}`), value, name)
  }
  connections = 5
  f = await scrape(stats)
  assert.equal(sampleValue(f, 'trackalert_active_http_connections'), '5')
})

test('webhook events, drops and attempt latency', async () => {
  const stats = daemon()
  stats.registerWebhook(1, 'https://hooks.example/a')
  stats.registerWebhook(2, 'https://hooks.example/b')
  stats.countWebhookEvent(1, 'https://hooks.example/a', true)
  stats.countWebhookEvent(1, 'https://hooks.example/a', true)
  stats.countWebhookEvent(2, 'https://hooks.example/b', false)
  stats.countWebhookDropped('alerts')
  stats.observeWebhookAttempt('alerts', 40)
  const f = await scrape(stats)
  const events = family(f, 'trackalert_custom_webhook_events_total')
  assert.deepEqual(
    events.metrics.map(m => [m.labels?.id, m.labels?.url, m.labels?.status, m.value]).sort(),
    [
      ['1', 'https://hooks.example/a', 'error', '0'],
      ['1', 'https://hooks.example/a', 'ok', '2'],
      ['2', 'https://hooks.example/b', 'error', '1'],
      ['2', 'https://hooks.example/b', 'ok', '0']
    ]
  )
  assert.equal(sampleValue(f, 'trackalert_webhook_dropped_total', { name: 'alerts' }), '1')
  // parse-prometheus-text-format flattens labelled histograms to their buckets only (no labels,
  // count or sum), so those are read from prom-client's own JSON form of the same registry.
  const attempts = family(f, 'trackalert_webhook_attempt_duration_seconds')
  assert.equal(attempts.type, 'HISTOGRAM')
  assert.equal(attempts.metrics[0]?.buckets?.['0.01'], '0')
  assert.equal(attempts.metrics[0]?.buckets?.['0.05'], '1')
  assert.deepEqual(await histogramSeries(stats, 'trackalert_webhook_attempt_duration_seconds'), [
    { labels: { name: 'alerts' }, count: 1, sum: 0.04 }
  ])
})

test('rejections, Lua errors and background runs', async () => {
  const stats = daemon()
  stats.countReportRejected('invalid_json')
  stats.countReportRejected('invalid_json')
  stats.countLuaError('report')
  stats.recordBackgroundRun('sweep', 'ok', 250)
  stats.recordBackgroundRun('sweep', 'error', 5)
  stats.recordBackgroundRun('sweep', 'skipped')
  const f = await scrape(stats)
  assert.equal(sampleValue(f, 'trackalert_report_rejected_total', { reason: 'invalid_json' }), '2')
  assert.equal(sampleValue(f, 'trackalert_lua_errors_total', { function: 'report' }), '1')
  for (const result of ['ok', 'error', 'skipped']) {
    assert.equal(sampleValue(f, 'trackalert_background_runs_total', { name: 'sweep', result }), '1', result)
  }
  assert.deepEqual(family(f, 'trackalert_background_duration_seconds').metrics[0]?.buckets,
    { '0.01': '1', '0.1': '1', 1: '2', 10: '2', 60: '2', 300: '2', '+Inf': '2' })
  assert.deepEqual(await histogramSeries(stats, 'trackalert_background_duration_seconds'), [
    { labels: { name: 'sweep' }, count: 2, sum: 0.255 }
  ])
})

test('default process metrics carry the trackalert_ prefix; content type is text 0.0.4', async () => {
  const stats = new DaemonStats({ now: () => 0 })
  assert.equal(stats.metricsContentType, 'text/plain; version=0.0.4; charset=utf-8')
  assert.equal(METRICS_CONTENT_TYPE, stats.metricsContentType)
  const names = (await scrape(stats)).map(f => f.name)
  assert.ok(names.includes('trackalert_process_cpu_user_seconds_total'))
  assert.ok(names.includes('trackalert_nodejs_heap_size_used_bytes'))
  assert.ok(!names.some(n => !n.startsWith('trackalert_')), 'every metric is prefixed')
})

test('each DaemonStats has its own registry, and several processes aggregate into one body', async () => {
  const a = daemon()
  const b = daemon()
  a.countCommand('report')
  b.countCommand('report')
  b.countCommand('report')
  b.countCommand('livez')
  a.countReport(true)
  b.countReport(false)
  a.setGaugeSource('active_http_connections', () => 2)
  b.setGaugeSource('active_http_connections', () => 4)
  a.recordPerf(0.5, 0.5)
  b.recordPerf(5, 0.5)
  assert.notEqual(a.metrics.registry, b.metrics.registry)
  assert.equal(sampleValue(await scrape(a), 'trackalert_commands_total', { cmd: 'report' }), '1')

  const f = parsePrometheus(await aggregateMetricsText([await a.metricsJson(), await b.metricsJson()]))
  assert.equal(sampleValue(f, 'trackalert_commands_total', { cmd: 'report' }), '3')
  assert.equal(sampleValue(f, 'trackalert_commands_total', { cmd: 'livez' }), '1')
  assert.equal(sampleValue(f, 'trackalert_commands_total', { cmd: 'stats' }), '0')
  assert.equal(sampleValue(f, 'trackalert_reports_total', { success: 'true' }), '1')
  assert.equal(sampleValue(f, 'trackalert_reports_total', { success: 'false' }), '1')
  assert.equal(sampleValue(f, 'trackalert_active_http_connections'), '6')
  const queue = family(f, 'trackalert_worker_queue_duration_seconds').metrics[0]
  assert.deepEqual(queue?.buckets, { '0.001': '1', '0.01': '2', '0.1': '2', 1: '2', '+Inf': '2' })
})
