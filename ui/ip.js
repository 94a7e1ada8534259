import { alertCard, byId, el, fmtNum, fmtTime, getJson, startPage, status, timeChart } from './common.js'

const ipv4Prefix = (ip) => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(ip)
  return m === null ? null : `${m[1]}.${m[2]}.${m[3]}.0/24`
}

const ipv4 = (text) => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  return m === null ? null : m.slice(1).reduce((n, o) => n * 256 + Number(o), 0)
}

/** An alert about this source: its remote is the address, the network, or an address in the network. */
function concerns (remote, key, isPrefix) {
  if (remote === null) return false
  if (remote === key) return true
  if (!isPrefix) return false
  const [net, bits] = key.split('/')
  const a = ipv4(remote.split('/')[0]); const n = ipv4(net)
  if (a === null || n === null) return false
  const size = 2 ** (32 - Number(bits))
  return Math.floor(a / size) === Math.floor(n / size)
}

async function load (key, seconds) {
  const isPrefix = key.includes('/')
  const step = seconds <= 86400 ? 600 : 3600
  const params = new URLSearchParams({ scope: isPrefix ? 'prefix' : 'ip', key, seconds: String(seconds), step: String(step) })
  const [series, all] = await Promise.all([getJson(`/command/activity?${params}`), getJson('/command/alerts?limit=10000')])
  const alerts = all.alerts.filter((a) => concerns(a.remote, key, isPrefix))
  const xs = []; const ok = []; const bad = []; const logins = []; const alertCounts = []
  const byT = new Map(series.buckets.map((b) => [b.t, b]))
  for (let t = series.since; t < series.until; t += series.step) {
    const b = byT.get(t)
    xs.push(t); ok.push(b ? b.successes : 0); bad.push(b ? b.failures : 0); logins.push(b ? b.distinct_logins : 0)
    alertCounts.push(alerts.filter((a) => a.t >= t && a.t < t + series.step).length)
  }
  const sum = (list) => list.reduce((x, y) => x + y, 0)
  const per = step === 600 ? 'per 10 minutes' : 'per hour'
  const period = seconds <= 86400 ? 'the last 24 hours' : 'the last 7 days'
  const item = (name, value) => el('div', {}, el('dt', {}, name), el('dd', {}, value))
  const prefix = isPrefix ? null : ipv4Prefix(key)
  byId('ip-summary').replaceChildren(
    item(isPrefix ? 'network' : 'address', key),
    item('attempts', `${fmtNum(sum(ok) + sum(bad))} (${fmtNum(sum(bad))} failed)`),
    item('alerts', fmtNum(alerts.filter((a) => a.t >= series.since).length)),
    item('period', `${fmtTime(series.since)} – ${fmtTime(series.until)}`),
    prefix === null ? null : item('network', el('a', { href: `ip.html?${new URLSearchParams({ ip: prefix, window: String(seconds) })}`, textContent: prefix })))
  timeChart(byId('attempts-chart'), {
    title: `Attempts ${per}`, summary: `${fmtNum(sum(ok))} successful and ${fmtNum(sum(bad))} failed attempts in ${period}.`, yLabel: 'attempts',
    series: [{ label: 'success', stroke: '#146c2e' }, { label: 'failure', stroke: '#a4161a' }], data: [xs, ok, bad]
  })
  timeChart(byId('logins-chart'), {
    title: `Distinct logins ${per}`, summary: `At most ${fmtNum(Math.max(0, ...logins))} distinct logins in one bucket.`, yLabel: 'logins',
    series: [{ label: 'logins', stroke: '#0b57a4' }], data: [xs, logins]
  })
  timeChart(byId('alerts-chart'), {
    title: `Alerts ${per}`, summary: `${fmtNum(sum(alertCounts))} alerts in ${period}.`, yLabel: 'alerts', bars: true,
    series: [{ label: 'alerts', stroke: '#c4451c', fill: 'rgba(196,69,28,0.35)' }], data: [xs, alertCounts]
  })
  byId('ip-alerts').replaceChildren(...(alerts.length === 0 ? [el('p', { className: 'muted' }, 'No alerts for this source.')] : alerts.reverse().map(alertCard)))
  byId('ip-view').hidden = false
}

startPage('ip', async () => {
  const query = new URLSearchParams(location.search)
  const key = query.get('ip') ?? ''
  const seconds = query.get('window') === '604800' ? 604800 : 86400
  byId('ip-input').value = key
  byId('window').value = String(seconds)
  byId('pick').addEventListener('submit', (e) => {
    e.preventDefault()
    location.search = `?${new URLSearchParams({ ip: byId('ip-input').value.trim(), window: byId('window').value })}`
  })
  if (key === '') { status('Enter an address (192.0.2.7) or a network (192.0.2.0/24).'); return }
  await load(key, seconds)
})
