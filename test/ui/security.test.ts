import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request, startDaemon } from '../helpers/daemon.ts'
import { history, historyConfig, login, sendReport } from '../history/helpers.ts'
import { type Page } from 'puppeteer-core'
import { launchChromium, openPage } from './browser.ts'

const PAGES = ['', 'overview.html', 'alerts.html', 'login.html', 'ip.html', 'common.js', 'ui.css', 'vendor/uPlot.js', 'vendor/uPlot.css']

test('every /ui/ file needs the webserver password and carries a strict CSP and X-Frame-Options: DENY', async (t) => {
  const d = await startDaemon({ config: 'setNumWorkerThreads(1)\n' })
  t.after(() => d.stop())
  for (const name of PAGES) {
    const refused = await request(`${d.url}/ui/${name}`, { auth: false })
    assert.equal(refused.status, 401, name)
    assert.equal(refused.headers.get('www-authenticate'), 'Basic realm="wforce"')
    assert.equal((await request(`${d.url}/ui/${name}`, { auth: 'wrong' })).status, 401, name)
    const res = await request(`${d.url}/ui/${name}`)
    assert.equal(res.status, 200, name)
    const csp = res.headers.get('content-security-policy') ?? ''
    assert.match(csp, /default-src 'none'/)
    assert.match(csp, /script-src 'self';/, 'no inline script')
    assert.match(csp, /style-src 'self';/, 'no inline style')
    assert.match(csp, /frame-ancestors 'none'/)
    assert.equal(res.headers.get('x-frame-options'), 'DENY')
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
  }
  // The pages hold no inline script or style: the CSP would block them.
  for (const name of ['overview.html', 'alerts.html', 'login.html', 'ip.html']) {
    const html = (await request(`${d.url}/ui/${name}`)).text
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${name}: inline script`)
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, `${name}: inline style or handler`)
  }
  assert.equal((await request(`${d.url}/ui/../package.json`)).status, 404)
  assert.equal((await request(`${d.url}/ui/nope.html`)).status, 404)
  assert.equal((await request(`${d.url}/ui/overview.html`, { method: 'POST', body: {} })).status, 405)
  const moved = await fetch(`${d.url}/ui`, { redirect: 'manual', headers: { authorization: 'Basic ' + Buffer.from('u:testpw').toString('base64') } })
  assert.equal(moved.status, 301)
  assert.equal(moved.headers.get('location'), '/ui/')
})

test('a browser without the password gets 401 and no page', async (t) => {
  const d = await startDaemon({ config: 'setNumWorkerThreads(1)\n' })
  t.after(() => d.stop())
  const browser = await launchChromium()
  t.after(() => browser.close())
  // Chromium ends a navigation answered 401 with ERR_INVALID_AUTH_CREDENTIALS when it has no password to try
  // (headless: no prompt); with a wrong one it shows the 401 answer.
  const attempt = async (page: Page, url: string): Promise<string> => {
    const outcome = await page.goto(url).then((r) => `HTTP ${r?.status() ?? 0}`, (err: Error) => err.message)
    assert.equal(await page.evaluate('document.querySelector("nav") === null'), true, 'no page shown')
    return outcome
  }
  assert.match(await attempt(await browser.newPage(), `${d.url}/ui/`), /ERR_INVALID_AUTH_CREDENTIALS/)
  assert.match(await attempt((await openPage(browser, 'not-the-password')).page, `${d.url}/ui/alerts.html`), /^HTTP 401$|ERR_INVALID_AUTH_CREDENTIALS/)
  const { page } = await openPage(browser)
  assert.equal((await page.goto(`${d.url}/ui/alerts.html`))?.status(), 200, 'with the password the same page loads')
})

test('setWebUI(false) turns /ui/ off (404); the ACL applies to /ui/ as to the commands', async (t) => {
  const off = await startDaemon({ config: 'setNumWorkerThreads(1)\nsetWebUI(false)\n' })
  t.after(() => off.stop())
  assert.equal((await request(`${off.url}/ui/`)).status, 404)
  assert.equal((await request(`${off.url}/command/stats`)).status, 200)
  const acl = await startDaemon({ config: 'setNumWorkerThreads(1)\nsetACL({"10.0.0.0/8"})\n' })
  t.after(() => acl.stop())
  const res = await request(`${acl.url}/ui/`)
  assert.equal(res.status, 401)
  assert.equal(res.body.reason, 'Source IP Address not in ACL')
  const bad = await startDaemon({ config: 'setNumWorkerThreads(1)\nsetWebUI("no")\n', waitFor: null })
  assert.notEqual(await bad.exited, 0)
  assert.match(bad.output(), /setWebUI/)
})

test('erase from the UI needs the session token in both cookie and header; cross-site posts to commands are refused', async (t) => {
  const d = await startDaemon({ config: historyConfig() })
  t.after(() => d.stop())
  await sendReport(d, login({ login: 'bob', t: 1000 }))
  const session = await request(`${d.url}/ui/session`)
  assert.equal(session.status, 200)
  const token = session.body.csrf as string
  const cookie = session.headers.get('set-cookie') ?? ''
  assert.match(cookie, /^ta_ui_csrf=[\w-]+\.[\w-]+; Path=\/ui\/; HttpOnly; SameSite=Strict$/)
  const cookieHeader = cookie.split(';')[0]
  const erase = (headers: Record<string, string>): ReturnType<typeof request> => request(`${d.url}/ui/erase`, { body: { login: 'bob' }, headers })
  for (const [headers, reason] of [
    [{}, 'no x-trackalert-csrf header'],
    [{ 'x-trackalert-csrf': token }, 'no ta_ui_csrf cookie'],
    [{ cookie: cookieHeader }, 'no x-trackalert-csrf header'],
    [{ cookie: cookieHeader, 'x-trackalert-csrf': token.slice(0, -2) + 'xx' }, 'the CSRF header does not match the cookie'],
    [{ cookie: 'ta_ui_csrf=forged.token', 'x-trackalert-csrf': 'forged.token' }, 'the CSRF token is not valid (issued before a password change?)']
  ] as const) {
    const res = await erase(headers)
    assert.equal(res.status, 403, JSON.stringify(headers))
    assert.equal(res.body.reason, `Forbidden: ${reason}`)
  }
  assert.equal((await request(`${d.url}/ui/erase`, { auth: false, body: { login: 'bob' }, headers: { cookie: cookieHeader, 'x-trackalert-csrf': token } })).status, 401)
  assert.equal((await history(d, { login: 'bob' })).body.reports.length, 1, 'nothing erased yet')
  // A form another site posts (the browser adds Origin / Sec-Fetch-Site and the cached password).
  const crossSite: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }]
  for (const headers of crossSite) {
    const res = await request(`${d.url}/command/eraseHistory`, { body: { login: 'bob' }, headers })
    assert.equal(res.status, 403, JSON.stringify(headers))
    assert.deepEqual(res.body, { status: 'failure', reason: 'Forbidden: cross-site request' })
  }
  assert.equal((await history(d, { login: 'bob' })).body.reports.length, 1, 'nothing erased by cross-site posts')
  const ok = await erase({ cookie: cookieHeader, 'x-trackalert-csrf': token })
  assert.equal(ok.status, 200, ok.text)
  assert.deepEqual(ok.body, { status: 'ok', login: 'bob', reports_removed: 1, alerts_removed: 0 })
  // Same-origin browser requests and clients that send no Origin (wforce, curl) still work.
  const same = await request(`${d.url}/command/report`, { body: login({ login: 'carol', t: 1000 }), headers: { origin: d.url, 'sec-fetch-site': 'same-origin' } })
  assert.equal(same.status, 200, same.text)
  const metrics = await request(`${d.url}/metrics`)
  assert.match(metrics.text, /trackalert_http_refused_total\{reason="forbidden"\} 8/)
})
