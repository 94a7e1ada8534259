import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { request, type RunningDaemon, startDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { CHROME_120, historyConfig, login, sendReport, THUNDERBIRD } from '../history/helpers.ts'
import { sample, scrape } from '../integration/helpers.ts'
import { Receiver } from '../integration/receiver.ts'
import { startSmtp } from '../lualib/smtp.ts'

const SECRET = 'policy-secret'
const T = 1_700_000_000
const HOUR = 3600
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'

type Alert = Record<string, unknown> & { id: number, type: string, login: string | null }

const alerts = async (d: RunningDaemon): Promise<Alert[]> => {
  const res = await request(`${d.url}/command/alerts`)
  assert.equal(res.status, 200, res.text)
  return (JSON.parse(res.text) as { alerts: Alert[] }).alerts
}

/**
 * Policy findings end to end: reports over HTTP with event times, the built-in policies on the
 * SQLite history, the alerts on a real webhook receiver (signed) and a real SMTP server.
 */
test('policy findings reach a signed webhook and the user by mail; GET /command/alerts lists them', async (t) => {
  const rx = await new Receiver().start()
  const smtp = await startSmtp()
  let started: RunningDaemon | undefined
  // The daemon first: the SMTP server's close waits for the daemon's pooled connection to go.
  t.after(async () => { await started?.stop(); await rx.close(); await smtp.close() })
  const d = started = await startDaemon({
    // No geo database: 192.0.2.x and 198.51.100.x have no country anyway, and starts stay fast.
    config: historyConfig('geoip = false', `
      setMailRelay{ host = "127.0.0.1", port = ${smtp.port}, from = "security@example.org", retry_delay = 0.1 }
      addCustomWebHook("soc", { url = "${rx.url}/alerts", secret = "${SECRET}" })
      setAlertRoute{ webhooks = "soc" }
      setAlertRoute{ types = { "new_device", "new_country" }, user_mail = { address_attr = "email" } }
      -- Every policy but risky_login, whose threshold the labelled replay sets (its alerts are
      -- tested in test/policies and test/detect): this test is about the path to the receivers.
      enablePolicies{ "new_device", "new_country", "impossible_travel", "compromise_after_failures",
                      "compromised_by_attacker", "password_spray", "credential_stuffing", "distributed_account_attack" }
    `)
  })
  const email = { email: 'alice@example.org' }

  // alice learns Chrome over 5 successful logins (the learning period ends at 5), then signs in
  // with Thunderbird: a new device family. Firefox 10 minutes later is another one, within the
  // hour of de-duplication: suppressed.
  for (let i = 0; i < 5; i++) await sendReport(d, login({ login: 'alice', remote: '192.0.2.10', device_id: CHROME_120, t: T + i * HOUR, attrs: email }))
  await sendReport(d, login({ login: 'alice', remote: '192.0.2.10', protocol: 'imap', device_id: THUNDERBIRD, t: T + 5 * HOUR, attrs: email }))
  await sendReport(d, login({ login: 'alice', remote: '192.0.2.10', device_id: FIREFOX, t: T + 5 * HOUR + 600, attrs: email }))

  // A password spray from one IP: 5 logins × 3 failures, one every 2 minutes (28 minutes in all).
  const SPRAY_T = T + 6 * HOUR
  for (let i = 0; i < 15; i++) {
    await sendReport(d, login({ login: `user${i % 5}`, remote: '198.51.100.7', success: false, t: SPRAY_T + i * 120, attrs: { email: `user${i % 5}@example.org` } }))
  }

  await eventually(() => rx.requests.length >= 2 && smtp.mails.length >= 1, 'two webhook deliveries and one mail')
  const bodies = rx.requests.map((r) => JSON.parse(r.body.toString()) as Alert).sort((a, b) => a.id - b.id)
  for (const r of rx.requests) assert.equal(r.headers['x-wforce-signature'], createHmac('sha256', SECRET).update(r.body).digest('base64'))
  assert.deepEqual(bodies.map((b) => [b.type, b.login]), [['new_device', 'alice'], ['password_spray', null]])

  const [device, spray] = bodies
  // The alert contract: these fields, in this shape; risk when the policy computed one.
  assert.deepEqual(Object.keys(device).filter((k) => k !== 'risk'), ['id', 'type', 'severity', 'login', 'remote', 't', 'evidence', 'suppressed'])
  assert.deepEqual(
    { id: device.id, severity: device.severity, remote: device.remote, t: device.t, suppressed: device.suppressed },
    { id: 1, severity: 'low', remote: '192.0.2.10', t: T + 5 * HOUR, suppressed: 0 })
  assert.equal((device.evidence as { device: string }).device, 'imap:Thunderbird/Linux')
  if ('risk' in device) assert.ok(typeof device.risk === 'number' && device.risk >= 0 && device.risk <= 1, `risk ${String(device.risk)}`)
  assert.deepEqual({ remote: spray.remote, login: spray.login, t: spray.t }, { remote: '198.51.100.7', login: null, t: SPRAY_T + 14 * 120 })
  const evidence = spray.evidence as Record<string, unknown>
  assert.deepEqual([evidence.failing_logins, evidence.failures, evidence.max_failures_per_login], [5, 15, 3])

  // One mail, to the address of alice's report attribute (the mail route takes new_device and
  // new_country); the IP-level spray mails no user, though its reports carried addresses.
  assert.deepEqual(smtp.mails.map((m) => m.to), [['alice@example.org']])
  assert.match(smtp.mails[0].raw, /Subject: Security alert for alice: new_device/)

  const listed = await alerts(d)
  assert.deepEqual(listed.map((a) => [a.id, a.type]), [[1, 'new_device'], [2, 'password_spray']])
  assert.deepEqual(listed, bodies, 'the list holds what the webhook received')
  const metrics = await scrape(d)
  assert.equal(sample(metrics, 'trackalert_alerts_suppressed_total', { type: 'new_device' }), 1)
  assert.equal(sample(metrics, 'trackalert_alert_deliveries_dropped_total', { type: 'new_device' }) ?? 0, 0)
  // Nothing more went out: the suppressed repeat reached no route.
  assert.equal(rx.requests.length, 2)
  assert.equal(smtp.mails.length, 1)
})
