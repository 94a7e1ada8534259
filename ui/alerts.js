import { alertCard, byId, el, getJson, startPage, status } from './common.js'

const SEVERITY = ['low', 'medium', 'high', 'critical']
const FIELDS = ['type', 'severity', 'login', 'ip', 'from', 'to']

const ipv4 = (text) => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  return m === null ? null : m.slice(1).reduce((n, o) => n * 256 + Number(o), 0)
}

/** Whether an alert's remote (address or network) is the address asked for or inside the network asked for. */
function remoteMatches (remote, wanted) {
  if (remote === null) return false
  if (remote === wanted) return true
  const slash = wanted.indexOf('/')
  if (slash === -1) return false
  const net = ipv4(wanted.slice(0, slash))
  const bits = Number(wanted.slice(slash + 1))
  const addr = ipv4(remote.split('/')[0])
  if (net === null || addr === null || !(bits >= 0 && bits <= 32)) return false
  const size = 2 ** (32 - bits)
  return Math.floor(addr / size) === Math.floor(net / size)
}

/** A datetime-local value read as UTC, in seconds; null when empty. */
const utcSeconds = (value) => (value === '' ? null : Date.parse(value + 'Z') / 1000)

function readForm () {
  const f = {}
  for (const name of FIELDS) f[name] = byId(`f-${name}`).value.trim()
  return f
}

async function show (f) {
  const params = new URLSearchParams({ limit: '10000' })
  if (f.type !== '') params.set('type', f.type)
  if (f.login !== '') params.set('login', f.login)
  const { alerts } = await getJson(`/command/alerts?${params}`)
  const minSeverity = f.severity === '' ? 0 : SEVERITY.indexOf(f.severity)
  const from = utcSeconds(f.from)
  const to = utcSeconds(f.to)
  const shown = alerts.filter((a) => SEVERITY.indexOf(a.severity) >= minSeverity &&
    (f.ip === '' || remoteMatches(a.remote, f.ip)) && (from === null || a.t >= from) && (to === null || a.t < to)).reverse()
  byId('count').textContent = `${shown.length} of ${alerts.length} alert${alerts.length === 1 ? '' : 's'} shown, newest first.`
  byId('alert-list').replaceChildren(...(shown.length === 0 ? [el('p', { className: 'muted' }, 'No alert matches.')] : shown.map(alertCard)))
  const types = new Set(alerts.map((a) => a.type))
  byId('types').replaceChildren(...[...types].sort().map((t) => el('option', { value: t })))
}

startPage('alerts', async () => {
  const query = new URLSearchParams(location.search)
  for (const name of FIELDS) byId(`f-${name}`).value = query.get(name) ?? ''
  const form = byId('filters')
  const apply = () => {
    const f = readForm()
    const next = new URLSearchParams()
    for (const name of FIELDS) if (f[name] !== '') next.set(name, f[name])
    history.replaceState(null, '', `alerts.html${next.size > 0 ? '?' + next : ''}`)
    status('')
    show(f).then(() => { document.body.dataset.loaded = 'true' }, (err) => status(err.message))
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); document.body.dataset.loaded = 'false'; apply() })
  form.addEventListener('reset', () => { setTimeout(apply, 0) })
  await show(readForm())
})
