import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { report, sample, scrape } from '../integration/helpers.ts'
import { Receiver } from '../integration/receiver.ts'
import { startSmtp } from '../lualib/smtp.ts'

const SECRET = 'alert-secret'

/** A report function that raises an alert per report, with the report's attributes for the routes. */
const RAISE_FROM_REPORT = `
  setReport(function (lt)
    raiseAlert{ type = lt.attrs.type or "new_device", severity = "high", login = lt.login,
                remote = lt.remote:tostring(), t = lt.t, evidence = { device = "Firefox" }, attrs = lt.attrs }
  end)
`

const send = async (d: RunningDaemon, login: string, attrs: Record<string, string>, t: number): Promise<void> => {
  const res = await request(`${d.url}/command/report`, { body: report(login, { attrs, t }) })
  assert.equal(res.status, 200, res.text)
}

const alerts = async (d: RunningDaemon, query = ''): Promise<Array<Record<string, unknown>>> => {
  const res = await request(`${d.url}/command/alerts${query}`)
  assert.equal(res.status, 200, res.text)
  return (JSON.parse(res.text) as { alerts: Array<Record<string, unknown>> }).alerts
}

test('raiseAlert from a report: de-duplicated, stored, sent to a signed webhook and mailed to the user', async (t) => {
  const rx = await new Receiver().start()
  const smtp = await startSmtp()
  t.after(async () => { await rx.close(); await smtp.close() })
  const d = await startDaemon({
    config: `
      setMailRelay{ host = "127.0.0.1", port = ${smtp.port}, from = "security@example.org", retry_delay = 0.1 }
      addCustomWebHook("soc", { url = "${rx.url}/alerts", secret = "${SECRET}" })
      setAlertRoute{ webhooks = "soc", user_mail = { address_attr = "email", subject = "Alert {type} for {login}",
                     template = "New device {evidence.device} from {remote} (alert {id})" } }
      setAlertFilter(function (alert, attrs)
        if alert.login == "test-user" then return nil end
        alert.evidence.filtered = true
        return alert
      end)
      ${RAISE_FROM_REPORT}
    `
  })
  t.after(() => d.stop())
  const T = 1_700_000_000
  await send(d, 'alice', { email: 'alice@example.org' }, T)
  await send(d, 'alice', { email: 'alice@example.org' }, T + 60)
  await send(d, 'test-user', { email: 'test@example.org' }, T)
  await send(d, 'alice', { email: 'alice@example.org' }, T + 3600)

  await eventually(() => rx.requests.length >= 2 && smtp.mails.length >= 2, 'two webhook deliveries and two mails')
  // Deliveries run concurrently: order by alert id before comparing.
  const bodies = rx.requests.map((r) => JSON.parse(r.body.toString()) as Record<string, unknown>)
    .sort((a, b) => Number(a.id) - Number(b.id))
  assert.deepEqual(bodies.map((b) => [b.id, b.suppressed]), [[1, 0], [2, 1]])
  assert.deepEqual(bodies[0], {
    id: 1, type: 'new_device', severity: 'high', login: 'alice', remote: '192.0.2.1', t: T, evidence: { device: 'Firefox', filtered: true }, suppressed: 0
  })
  for (const r of rx.requests) {
    assert.equal(r.headers['x-wforce-signature'], createHmac('sha256', SECRET).update(r.body).digest('base64'))
  }
  assert.deepEqual(smtp.mails.map((m) => m.to), [['alice@example.org'], ['alice@example.org']])
  // The two mails go out on separate SMTP connections, so they may arrive in either order.
  const first = smtp.mails.find((m) => m.raw.includes('(alert 1)'))
  assert.ok(first !== undefined, 'a mail for alert 1')
  assert.match(first.raw, /Subject: Alert new_device for alice/)
  assert.match(first.raw, /New device Firefox from 192\.0\.2\.1 \(alert 1\)/)

  assert.deepEqual((await alerts(d)).map((a) => a.id), [1, 2])
  assert.deepEqual((await alerts(d, '?since=1')).map((a) => a.id), [2])
  assert.deepEqual(await alerts(d, '?login=bob'), [])
  const bad = await request(`${d.url}/command/alerts?limit=0`)
  assert.equal(bad.status, 400)
  assert.match(JSON.parse(bad.text).reason as string, /'limit' must be between 1 and 10000/)
  assert.equal((await request(`${d.url}/command/alerts`, { auth: false })).status, 401)

  const f = await scrape(d)
  assert.equal(sample(f, 'trackalert_alerts_total', { type: 'new_device', severity: 'high' }), 2)
  assert.equal(sample(f, 'trackalert_alerts_suppressed_total', { type: 'new_device' }), 1)
  // Nothing more went out: the suppressed and the filtered alerts reached no route.
  assert.equal(rx.requests.length, 2)
  assert.equal(smtp.mails.length, 2)
})

test('the admin digest mails the alerts since the last one, and nothing when there are none', async (t) => {
  const smtp = await startSmtp()
  t.after(() => smtp.close())
  const d = await startDaemon({
    config: `
      setMailRelay{ host = "127.0.0.1", port = ${smtp.port}, retry_delay = 0.1 }
      setAlertRoute{ types = { "custom_x" }, min_severity = "medium",
                     admin_digest = { to = "soc@example.org", every = "1s", from = "trackalert@example.org" } }
      ${RAISE_FROM_REPORT}
    `
  })
  t.after(() => d.stop())
  const T = 1_700_000_000
  await send(d, 'alice', { type: 'custom_x' }, T)
  await send(d, 'bob', { type: 'custom_x' }, T)
  await send(d, 'carol', { type: 'other' }, T)
  await smtp.waitFor(1)
  const first = smtp.mails[0]
  assert.deepEqual(first.to, ['soc@example.org'])
  assert.match(first.raw, /Subject: trackalert: 2 alerts/)
  assert.match(first.raw, /#1 2023-11-14T22:13:20\.000Z high custom_x login=alice remote=192\.0\.2\.1/)
  assert.match(first.raw, /#2 [^\n]* custom_x login=bob/)
  assert.doesNotMatch(first.raw, /carol/)
  // Three more digest periods with no alert: no mail.
  await new Promise((resolve) => setTimeout(resolve, 3200))
  assert.equal(smtp.mails.length, 1)
  await send(d, 'dave', { type: 'custom_x' }, T)
  await smtp.waitFor(2)
  assert.match(smtp.mails[1].raw, /Subject: trackalert: 1 alerts/)
  assert.match(smtp.mails[1].raw, /#4 [^\n]* custom_x login=dave/)
  assert.doesNotMatch(smtp.mails[1].raw, /login=alice/)
})
