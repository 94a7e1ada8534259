import { alertCard, byId, el, fmtNum, fmtTime, getJson, ipLink, postJson, startPage, status, table, timeChart } from './common.js'

/** Great-circle distance in km. */
function km (a, b) {
  const rad = Math.PI / 180
  const h = Math.sin((b.lat - a.lat) * rad / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin((b.lon - a.lon) * rad / 2) ** 2
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** The place of most successful logins (city and country), the reference for the distance chart. */
function usualPlace (reports) {
  const places = new Map()
  for (const r of reports) {
    if (!r.success || r.lat === null || r.lon === null) continue
    const key = `${r.city ?? '?'}, ${r.country ?? '?'}`
    const p = places.get(key) ?? { name: key, lat: r.lat, lon: r.lon, n: 0 }
    p.n++
    places.set(key, p)
  }
  return [...places.values()].sort((a, b) => b.n - a.n)[0] ?? null
}

function distanceChart (reports) {
  const box = byId('distance-chart')
  const home = usualPlace(reports)
  const located = reports.filter((r) => r.lat !== null && r.lon !== null).sort((a, b) => a.t - b.t)
  if (home === null || located.length === 0) {
    box.replaceChildren(el('p', { className: 'muted' }, 'No located successful login yet: the geo database knows none of these addresses.'))
    return
  }
  const xs = located.map((r) => r.t)
  const dist = located.map((r) => Math.round(km(home, r)))
  const far = Math.max(...dist)
  timeChart(box, {
    title: `Distance from ${home.name}`,
    summary: `Distance of each located login from ${home.name}, the place of most successful logins; the farthest is ${fmtNum(far)} km.`,
    yLabel: 'km',
    series: [
      { label: 'success', stroke: '#146c2e', points: true },
      { label: 'failure', stroke: '#a4161a', points: true }
    ],
    data: [xs, located.map((r, i) => (r.success ? dist[i] : null)), located.map((r, i) => (r.success ? null : dist[i]))]
  })
}

const featureRows = (list) => list.map((f) => [f.value, fmtTime(f.first_seen), fmtTime(f.last_seen), fmtNum(f.successes), fmtNum(f.failures)])
const FEATURE_HEAD = ['value', 'first seen', 'last seen', 'successes', 'failures']

function render (h, alerts) {
  const p = h.profile
  byId('login-name').textContent = h.login
  document.title = `${h.login} · Login · trackalert`
  const summary = byId('login-summary')
  const item = (name, value) => el('div', {}, el('dt', {}, name), el('dd', {}, value))
  const last = p.last_success
  summary.replaceChildren(
    item('first seen', fmtTime(p.first_seen)), item('last seen', fmtTime(p.last_seen)),
    item('successes', fmtNum(p.successes)), item('failures', fmtNum(p.failures)),
    item('last success', last === null ? '—' : `${fmtTime(last.t)} from ${last.remote} (${[last.city, last.country].filter(Boolean).join(', ') || 'unknown place'})`))
  distanceChart(h.reports)
  byId('known').replaceChildren(
    el('h3', {}, 'Countries'), table('Known countries', FEATURE_HEAD, featureRows(p.countries), [3, 4]),
    el('h3', {}, 'Devices'), table('Known devices', FEATURE_HEAD, featureRows(p.devices), [3, 4]),
    el('h3', {}, 'Networks'), table('Known networks', FEATURE_HEAD, featureRows(p.prefixes), [3, 4]))
  byId('timeline').replaceChildren(h.reports.length === 0
    ? el('p', { className: 'muted' }, 'No reports kept for this login.')
    : table('Reports of this login, newest first', ['time', 'result', 'remote', 'country', 'city', 'device', 'protocol', 'risk'],
      h.reports.map((r) => [fmtTime(r.t), el('span', { className: r.success ? 'ok' : 'bad' }, r.success ? '✔ success' : `✖ failure${r.fail_type ? ` (${r.fail_type})` : ''}`),
        ipLink(r.remote), r.country, r.city, r.device, r.protocol || null, r.risk === null ? null : String(r.risk)]), [7]))
  byId('login-alerts').replaceChildren(...(alerts.length === 0 ? [el('p', { className: 'muted' }, 'No alerts for this login.')] : alerts.reverse().map(alertCard)))
  byId('login-view').hidden = false
}

async function load (login) {
  const [h, a] = await Promise.all([
    postJson('/command/history', { login, limit: 1000 }),
    getJson(`/command/alerts?${new URLSearchParams({ login, limit: '10000' })}`)
  ])
  render(h, a.alerts)
}

/** The erase button opens a confirmation dialog; only its Erase button sends the request, with the CSRF token. */
function setUpErase (login) {
  const dialog = byId('confirm-erase')
  byId('erase').addEventListener('click', () => {
    byId('confirm-login').textContent = login
    dialog.showModal()
    byId('confirm-no').focus()
  })
  byId('confirm-no').addEventListener('click', () => dialog.close())
  byId('confirm-yes').addEventListener('click', async () => {
    dialog.close()
    const result = byId('erase-result')
    try {
      const { csrf } = await getJson('session')
      const answer = await postJson('erase', { login }, { 'X-Trackalert-CSRF': csrf })
      const plural = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`
      const alerts = answer.alerts_removed > 0 ? ` and ${plural(answer.alerts_removed, 'alert')}` : ''
      result.textContent = `Erased: ${plural(answer.reports_removed, 'report')}${alerts} removed.`
      await load(login)
    } catch (err) {
      result.textContent = `Not erased: ${err.message}`
    }
  })
}

startPage('login', async () => {
  const login = new URLSearchParams(location.search).get('login') ?? ''
  byId('login-input').value = login
  byId('pick').addEventListener('submit', (e) => {
    e.preventDefault()
    location.search = `?${new URLSearchParams({ login: byId('login-input').value })}`
  })
  if (login === '') { status('Enter a login to see its history.'); return }
  setUpErase(login)
  await load(login)
})
