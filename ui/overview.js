import { byId, el, fmtNum, getJson, startPage, table, timeChart } from './common.js'

const DAY = 86400

/** Prometheus text → [{ name, labels, value }] (only the sample lines). */
function parseMetrics (text) {
  const samples = []
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (m === null) continue
    const labels = {}
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, '$1')
    samples.push({ name: m[1], labels, value: Number(m[3]) })
  }
  return samples
}

const named = (samples, suffix) => samples.filter((s) => s.name.endsWith(suffix))

async function reportsChart (now) {
  const box = byId('reports-chart')
  let series
  try {
    series = await getJson(`/command/activity?scope=all&seconds=${DAY}&step=60`)
  } catch (err) {
    box.replaceChildren(el('p', { className: 'muted' }, err.status === 409 ? 'Login history is off (setHistory): no report counts to show.' : err.message))
    return
  }
  const xs = []; const ok = []; const bad = []
  const byT = new Map(series.buckets.map((b) => [b.t, b]))
  for (let t = series.since; t < series.until; t += series.step) {
    const b = byT.get(t)
    xs.push(t); ok.push(b ? b.successes : 0); bad.push(b ? b.failures : 0)
  }
  const sum = (a) => a.reduce((x, y) => x + y, 0)
  timeChart(box, {
    title: 'Reports per minute',
    summary: `${fmtNum(sum(ok))} successful and ${fmtNum(sum(bad))} failed logins in the last 24 hours (until ${new Date(now * 1000).toISOString().slice(11, 16)} UTC).`,
    yLabel: 'reports / min',
    series: [{ label: 'success', stroke: '#146c2e' }, { label: 'failure', stroke: '#a4161a' }],
    data: [xs, ok, bad]
  })
}

function alertsCharts (alerts, now) {
  const start = Math.floor(now / 3600) * 3600 - 23 * 3600
  const xs = []; const counts = []
  for (let i = 0; i < 24; i++) { xs.push(start + i * 3600); counts.push(0) }
  const types = new Map()
  let recent = 0
  for (const a of alerts) {
    if (a.t < start || a.t >= start + 24 * 3600) continue
    counts[Math.floor((a.t - start) / 3600)]++
    types.set(a.type, (types.get(a.type) ?? 0) + 1)
    recent++
  }
  timeChart(byId('alerts-chart'), {
    title: 'Alerts per hour',
    summary: `${fmtNum(recent)} alerts in the last 24 hours.`,
    yLabel: 'alerts / hour',
    bars: true,
    series: [{ label: 'alerts', stroke: '#c4451c', fill: 'rgba(196,69,28,0.35)' }],
    data: [xs, counts]
  })
  const top = [...types.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10)
  byId('alert-types').replaceChildren(top.length === 0
    ? el('p', { className: 'muted' }, 'No alerts in the last 24 hours.')
    : table('Top alert types', ['type', 'alerts'], top.map(([type, n]) => [el('a', { href: `alerts.html?type=${encodeURIComponent(type)}`, textContent: type }), fmtNum(n)]), [1]))
}

function refusals (samples) {
  const byReason = new Map(named(samples, '_http_refused_total').map((s) => [s.labels.reason, s.value]))
  const main = [['400 bad request', 'bad_request'], ['401 password', 'auth'], ['ACL', 'acl']]
  const rows = main.map(([label, reason]) => [label, fmtNum(byReason.get(reason) ?? 0)])
  for (const [reason, n] of byReason) if (!main.some((m) => m[1] === reason) && n > 0) rows.push([reason.replace(/_/g, ' '), fmtNum(n)])
  byId('refusals').replaceChildren(table('Refused requests by reason', ['reason', 'requests'], rows, [1]))
}

function webhooks (samples) {
  const hooks = new Map()
  for (const s of named(samples, '_custom_webhook_events_total')) {
    const key = `${s.labels.id} ${s.labels.url}`
    const h = hooks.get(key) ?? { url: s.labels.url, ok: 0, error: 0 }
    if (s.labels.status === 'ok') h.ok += s.value; else h.error += s.value
    hooks.set(key, h)
  }
  const dropped = named(samples, '_webhook_dropped_total').reduce((n, s) => n + s.value, 0)
  const queued = named(samples, '_webhook_queue_size').reduce((n, s) => n + s.value, 0)
  const rows = [...hooks.values()].map((h) => {
    const total = h.ok + h.error
    const health = total === 0 ? 'no deliveries yet' : `${Math.round((100 * h.ok) / total)}% delivered`
    return [h.url, fmtNum(h.ok), fmtNum(h.error), el('span', { className: h.error > 0 ? 'bad' : 'ok' }, health)]
  })
  byId('webhooks').replaceChildren(
    el('p', {}, `Waiting in the queue: ${fmtNum(queued)}; dropped (queue full): ${fmtNum(dropped)}.`),
    rows.length === 0 ? el('p', { className: 'muted' }, 'No webhooks configured.') : table('Webhook deliveries', ['webhook', 'delivered', 'failed', 'health'], rows, [1, 2]))
}

startPage('overview', async () => {
  const now = Date.now() / 1000
  const [metrics, alerts] = await Promise.all([getJson('/metrics'), getJson('/command/alerts?limit=10000'), reportsChart(now)])
  const samples = parseMetrics(typeof metrics === 'string' ? metrics : '')
  refusals(samples)
  webhooks(samples)
  alertsCharts(alerts.alerts, now)
})
