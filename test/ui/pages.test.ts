import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type Browser } from 'puppeteer-core'
import { request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { CHROME_120, history, historyConfig, login, sendReport, THUNDERBIRD } from '../history/helpers.ts'
import { Receiver } from '../integration/receiver.ts'
import { count, launchChromium, openPage, screenshots, text, visit } from './browser.ts'

const XSS = '<img src=x onerror=alert(1)>'
const NOW = Math.floor(Date.now() / 1000)

/** Failed reports raise brute_force, successes with attrs.alert raise that type: alerts with evidence to lay out. */
const CONFIG = (webhookUrl: string): string => historyConfig('', `
setAlertOptions{ rate_limit = 0 }
addCustomWebHook("soc", { url = "${webhookUrl}", secret = "s" })
setAlertRoute{ webhooks = "soc" }
setReport(function (lt)
  if not lt.success then
    raiseAlert{ type = "brute_force", severity = "high", login = lt.login, remote = lt.remote:tostring(), t = lt.t,
                evidence = { failures = 3, note = "<script>alert(2)</script>" } }
  elseif lt.attrs.alert ~= nil then
    raiseAlert{ type = lt.attrs.alert, severity = "medium", login = lt.login, remote = lt.remote:tostring(), t = lt.t,
                evidence = { country = "DE", previous = "US" } }
  end
end)
`)

let d: RunningDaemon
let rx: Receiver
let browser: Browser

before(async () => {
  rx = await new Receiver().start()
  d = await startDaemon({ config: CONFIG(`${rx.url}/alerts`) })
  // alice: home in the US, one success from Frankfurt (a new country), two failures.
  await sendReport(d, login({ login: 'alice', t: NOW - 7200 }))
  await sendReport(d, login({ login: 'alice', t: NOW - 3600 }))
  await sendReport(d, login({ login: 'alice', t: NOW - 1800, remote: '2a00:1450:4001::1', device_id: THUNDERBIRD, protocol: 'imap', attrs: { alert: 'new_country' } }))
  await sendReport(d, login({ login: 'alice', t: NOW - 600, success: false, fail_type: 'credentials' }))
  await sendReport(d, login({ login: 'alice', t: NOW - 300, success: false, remote: '8.8.4.4' }))
  // An attacker-chosen login name: it must show as text everywhere.
  await sendReport(d, login({ login: XSS, t: NOW - 900, device_id: CHROME_120 }))
  await sendReport(d, login({ login: XSS, t: NOW - 120, success: false }))
  await eventually(() => rx.requests.length >= 4, 'the webhook deliveries of four alerts')
  // A refused request, for the Overview's refusal table.
  assert.equal((await request(`${d.url}/command/stats`, { auth: 'wrong' })).status, 401)
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await d?.stop()
  await rx?.close()
})

test('Overview: reports per minute, alerts per hour, refusals from /metrics, webhook health, top alert types', async () => {
  const { page, watched } = await openPage(browser)
  assert.equal(await visit(page, `${d.url}/ui/`), 'true', await text(page, '#status'))
  assert.equal(await count(page, '#reports-chart canvas'), 1)
  assert.match(await text(page, '#reports-chart figcaption'), /^4 successful and 3 failed logins in the last 24 hours/)
  assert.equal(await count(page, '#alerts-chart canvas'), 1)
  assert.match(await text(page, '#alerts-chart figcaption'), /^4 alerts in the last 24 hours/)
  assert.match(await text(page, '#refusals'), /401 password\s*[1-9]/)
  assert.match(await text(page, '#webhooks'), new RegExp(`${rx.url}/alerts\\s*4\\s*0\\s*100% delivered`))
  assert.match(await text(page, '#alert-types tbody'), /^brute_force\s*3new_country\s*1$/)
  assert.deepEqual(watched, { dialogs: [], errors: [] })
  await screenshots(page, 'overview', `${d.url}/ui/`)
  await page.close()
})

test('Alerts: the filters (type, severity, login, IP, time) narrow the list; evidence and links are laid out', async () => {
  const { page, watched } = await openPage(browser)
  assert.equal(await visit(page, `${d.url}/ui/alerts.html`), 'true')
  assert.equal(await count(page, '#alert-list article'), 4)
  const apply = async (field: string, value: string): Promise<void> => {
    await page.evaluate(`document.getElementById(${JSON.stringify(field)}).value = ${JSON.stringify(value)}; document.body.removeAttribute('data-loaded')`)
    await page.click('#filters button[type=submit]')
    await page.waitForSelector('body[data-loaded="true"]')
  }
  await apply('f-type', 'new_country')
  assert.equal(await count(page, '#alert-list article'), 1)
  const card = await text(page, '#alert-list article')
  assert.match(card, /new_country/)
  assert.match(card, /countryDE/)
  assert.match(card, /previousUS/)
  assert.equal(await page.evaluate('document.querySelector("#alert-list article a").getAttribute("href")'), 'login.html?login=alice')
  assert.match(page.url(), /alerts\.html\?type=new_country$/, 'the filter is kept in the URL')
  await apply('f-type', '')
  await apply('f-severity', 'high')
  assert.equal(await count(page, '#alert-list article'), 3)
  await apply('f-login', 'alice')
  assert.equal(await count(page, '#alert-list article'), 2)
  await apply('f-ip', '8.8.4.0/24')
  assert.equal(await count(page, '#alert-list article'), 1)
  await apply('f-ip', '')
  await apply('f-login', '')
  const at = new Date((NOW - 400) * 1000).toISOString().slice(0, 16)
  await apply('f-from', at)
  assert.equal(await count(page, '#alert-list article'), 2, 'the two failures after NOW - 400 s')
  // The attacker's login and the evidence's markup are shown as text: no image, no script ran.
  await visit(page, `${d.url}/ui/alerts.html?login=${encodeURIComponent(XSS)}`)
  assert.equal(await count(page, '#alert-list article'), 1)
  assert.match(await text(page, '#alert-list article'), /<img src=x onerror=alert\(1\)>.*<script>alert\(2\)<\/script>/s)
  assert.equal(await count(page, 'img'), 0)
  assert.equal(await count(page, '#alert-list script'), 0)
  assert.deepEqual(watched, { dialogs: [], errors: [] })
  await screenshots(page, 'alerts', `${d.url}/ui/alerts.html`)
  await page.close()
})

test('Login: timeline, known countries and devices, distance chart, alerts; an injected login shows as text', async () => {
  const { page, watched } = await openPage(browser)
  assert.equal(await visit(page, `${d.url}/ui/login.html?login=alice`), 'true', await text(page, '#status'))
  assert.equal(await text(page, '#login-name'), 'alice')
  assert.equal(await count(page, '#timeline tbody tr'), 5)
  const first = await text(page, '#timeline tbody tr')
  assert.match(first, /✖ failure8\.8\.4\.4US/, 'newest first: the last failure')
  assert.deepEqual(await page.evaluate('[...document.querySelectorAll("#known table")[0].querySelectorAll("tbody tr td:first-child")].map((td) => td.textContent).sort()'), ['DE', 'US'])
  assert.match(await text(page, '#known'), /Chrome\/Windows/)
  assert.match(await text(page, '#known'), /imap:Thunderbird\/Linux/)
  assert.equal(await count(page, '#distance-chart canvas'), 1)
  assert.match(await text(page, '#distance-chart figcaption'), /from .*US, the place of most successful logins; the farthest is [1-9][\d,]* km/)
  assert.equal(await count(page, '#login-alerts article'), 3)

  assert.equal(await visit(page, `${d.url}/ui/login.html?login=${encodeURIComponent(XSS)}`), 'true')
  assert.equal(await text(page, '#login-name'), XSS)
  assert.equal(await count(page, '#timeline tbody tr'), 2)
  assert.equal(await count(page, 'img'), 0)
  assert.match(await page.title(), /^<img src=x onerror=alert\(1\)> · Login/)
  assert.deepEqual(watched, { dialogs: [], errors: [] })
  await screenshots(page, 'login', `${d.url}/ui/login.html?login=alice`)
  await page.close()
})

test('Login: erase asks for confirmation; Cancel keeps the history, Erase removes it (CSRF token sent)', async () => {
  const { page, watched } = await openPage(browser)
  assert.equal(await visit(page, `${d.url}/ui/login.html?login=${encodeURIComponent(XSS)}`), 'true')
  await page.click('#erase')
  assert.equal(await page.evaluate('document.getElementById("confirm-erase").open'), true, 'the confirmation dialog is open')
  assert.equal(await text(page, '#confirm-login'), XSS)
  await page.click('#confirm-no')
  assert.equal(await page.evaluate('document.getElementById("confirm-erase").open'), false)
  assert.equal((await history(d, { login: XSS })).body.reports.length, 2, 'Cancel erased nothing')

  await page.click('#erase')
  await page.click('#confirm-yes')
  await page.waitForFunction('document.getElementById("erase-result").textContent.startsWith("Erased")')
  // Its brute_force alert goes with it (eraseHistory erases the login's alerts).
  assert.equal(await text(page, '#erase-result'), 'Erased: 2 reports and 1 alert removed.')
  assert.equal((await history(d, { login: XSS })).body.reports.length, 0)
  assert.equal((await history(d, { login: 'alice' })).body.reports.length, 5, 'other logins stay')
  assert.deepEqual(watched, { dialogs: [], errors: [] })
  await page.close()
})

test('IP / network: attempts, distinct logins and alerts over time for an address and its /24', async () => {
  const { page, watched } = await openPage(browser)
  assert.equal(await visit(page, `${d.url}/ui/ip.html?ip=8.8.8.8`), 'true', await text(page, '#status'))
  // alice's brute_force; the erased login's one went with its history (the Login test above).
  assert.match(await text(page, '#ip-summary'), /address8\.8\.8\.8attempts3 \(1 failed\)alerts1/)
  assert.equal(await count(page, '#ip-view canvas'), 3)
  assert.equal(await count(page, '#ip-alerts article'), 1)
  await page.click('#ip-summary a')
  await page.waitForSelector('body[data-loaded="true"]')
  assert.match(page.url(), /ip\.html\?ip=8\.8\.8\.0%2F24/)
  assert.match(await text(page, '#ip-summary'), /network8\.8\.8\.0\/24attempts3 \(1 failed\)/)
  assert.match(await text(page, '#logins-chart figcaption'), /At most 1 distinct logins/)
  assert.equal(await visit(page, `${d.url}/ui/ip.html?ip=8.8.4.0%2F24&window=604800`), 'true')
  assert.match(await text(page, '#ip-summary'), /attempts1 \(1 failed\)alerts1/)
  assert.deepEqual(watched, { dialogs: [], errors: [] })
  await screenshots(page, 'ip', `${d.url}/ui/ip.html?ip=8.8.8.8`)
  await page.close()
})
