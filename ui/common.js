// Shared by every page. Data is only ever put into the page with textContent or as attribute
// values set through the DOM (never innerHTML): login names and user agents are attacker-controlled.

/** Creates an element; `props` are DOM properties (textContent, className, href...), children are nodes or text. */
export function el (tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue
    if (name.startsWith('aria-') || name === 'role' || name === 'scope' || name === 'for') node.setAttribute(name, String(value))
    else node[name] = value
  }
  for (const child of children) {
    if (child === null || child === undefined) continue
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child)
  }
  return node
}

export const byId = (id) => document.getElementById(id)

/** Shows a message in the page's live status region (read out by screen readers). */
export function status (text) { byId('status').textContent = text }

/** A JSON route of the daemon; throws an Error with the daemon's reason on a non-2xx answer. */
export async function getJson (url, init = {}) {
  const res = await fetch(url, { credentials: 'same-origin', ...init })
  const text = await res.text()
  let body
  try { body = JSON.parse(text) } catch { body = null }
  if (!res.ok) {
    const err = new Error((body && body.reason) || `${url}: HTTP ${res.status}`)
    err.status = res.status
    throw err
  }
  return body ?? text
}

export const postJson = (url, value, headers = {}) =>
  getJson(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(value) })

/** Seconds since the epoch as "2026-11-30 14:52:07 UTC". */
export function fmtTime (t) {
  if (t === null || t === undefined) return '—'
  return new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'
}

export const fmtNum = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en'))

export const loginHref = (login) => `login.html?login=${encodeURIComponent(login)}`
export const ipHref = (remote) => `ip.html?ip=${encodeURIComponent(remote)}`

export const loginLink = (login) => el('a', { href: loginHref(login), textContent: login })
export const ipLink = (remote) => el('a', { href: ipHref(remote), textContent: remote })

/** A table from column headers and rows of cells (text or nodes); `numeric` marks right-aligned columns. */
export function table (caption, headers, rows, numeric = []) {
  const head = el('tr', {}, ...headers.map((h, i) => el('th', { scope: 'col', className: numeric.includes(i) ? 'num' : '' }, h)))
  const body = rows.map((cells) => el('tr', {}, ...cells.map((c, i) => el('td', { className: numeric.includes(i) ? 'num' : '' }, c ?? '—'))))
  const t = el('table', {}, el('caption', { className: 'visually-hidden' }, caption), el('thead', {}, head), el('tbody', {}, ...body))
  return el('div', { className: 'table-wrap' }, t)
}

/** One alert with its evidence laid out as a definition list; login and remote link to their pages. */
export function alertCard (a) {
  const title = el('h3', {}, el('span', { className: 'badge' }, a.severity), el('span', {}, a.type), el('span', { className: 'muted' }, fmtTime(a.t)))
  const facts = el('dl', { className: 'evidence' })
  const add = (name, value) => { facts.append(el('dt', {}, name), el('dd', {}, value)) }
  add('id', String(a.id))
  if (a.login !== null) add('login', loginLink(a.login))
  if (a.remote !== null) add('remote', ipLink(a.remote))
  if (a.risk !== undefined) add('risk', String(a.risk))
  if (a.suppressed > 0) add('suppressed', `${a.suppressed} similar before this one`)
  for (const [key, value] of Object.entries(a.evidence ?? {})) add(key, typeof value === 'string' ? value : JSON.stringify(value))
  return el('article', { className: `alert sev-${a.severity}`, 'aria-label': `${a.severity} ${a.type} alert` }, title, facts)
}

/**
 * A uPlot time chart that follows its container's width. `series`: [{ label, stroke, points }];
 * `data`: [xs, ...ys]. The figure carries a text summary for screen readers.
 */
export function timeChart (container, { title, summary, series, data, bars = false, yLabel = '' }) {
  container.replaceChildren()
  const figure = el('figure', { role: 'group', 'aria-label': title })
  const plot = el('div', { className: 'chart', role: 'img', 'aria-label': `${title}: ${summary}` })
  figure.append(plot, el('figcaption', {}, summary))
  container.append(figure)
  const width = () => Math.max(260, plot.clientWidth || container.clientWidth || 300)
  const opts = {
    width: width(),
    height: 220,
    legend: { live: false },
    cursor: { show: true },
    scales: { x: { time: true } },
    axes: [{}, { label: yLabel, size: 60 }],
    series: [{ label: 'time' }, ...series.map((s) => ({
      label: s.label,
      stroke: s.stroke,
      fill: s.fill,
      width: 2,
      paths: bars && window.uPlot.paths.bars ? window.uPlot.paths.bars({ size: [0.8] }) : undefined,
      points: s.points ? { show: true, size: 7, stroke: s.stroke, fill: s.stroke } : { show: false }
    }))]
  }
  if (series.some((s) => s.points)) for (const s of opts.series.slice(1)) s.paths = () => null
  const chart = new window.uPlot(opts, data, plot)
  new ResizeObserver(() => chart.setSize({ width: width(), height: 220 })).observe(container)
  return chart
}

/** Marks the current page in the navigation (aria-current) and fills the status on a failed load. */
export function startPage (name, load) {
  for (const a of document.querySelectorAll('header nav a')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page')
  }
  load().then(() => { document.body.dataset.loaded = 'true' }, (err) => {
    status(err.message)
    document.body.dataset.loaded = 'error'
  })
}
