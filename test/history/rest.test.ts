import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { request, startDaemon } from '../helpers/daemon.ts'
import { consoleConfig, consoleExec, writeClientConfig } from '../integration/helpers.ts'
import { CHROME_121, history, historyConfig, login, sendReport, THUNDERBIRD } from './helpers.ts'

test('every accepted report is recorded with its facts; POST /command/history returns the profile and newest reports first', async (t) => {
  const d = await startDaemon({ config: historyConfig() })
  t.after(() => d.stop())
  await sendReport(d, login({ t: 1000 }))
  await sendReport(d, login({ t: 1100, success: false, fail_type: 'credentials', device_id: CHROME_121 }))
  await sendReport(d, login({ t: 1200, remote: '2a00:1450:4001::1', protocol: 'imap', device_id: THUNDERBIRD }))
  await sendReport(d, login({ login: 'alice', t: 1300 }))
  const res = await history(d, { login: 'bob', limit: 50 })
  assert.equal(res.status, 200, res.text)
  const { profile, reports } = res.body
  assert.equal(res.body.login, 'bob')
  assert.deepEqual(reports.map((r: { t: number }) => r.t), [1200, 1100, 1000], 'newest first, only bob')
  assert.deepEqual(
    reports.map((r: Record<string, unknown>) => [r.remote, r.success, r.country, r.device, r.prefix, r.fail_type]),
    [
      ['2a00:1450:4001::1', true, 'DE', 'imap:Thunderbird/Linux', '2a00:1450:4001::/56', null],
      ['8.8.8.8', false, 'US', 'Chrome/Windows', '8.8.8.0/24', 'credentials'],
      ['8.8.8.8', true, 'US', 'Chrome/Windows', '8.8.8.0/24', null]
    ])
  // The Chrome update is the same device family: one device row with both reports.
  assert.deepEqual(profile.devices.find((x: { value: string }) => x.value === 'Chrome/Windows'),
    { value: 'Chrome/Windows', first_seen: 1000, last_seen: 1100, successes: 1, failures: 1 })
  assert.deepEqual(profile.countries.map((c: { value: string }) => c.value).sort(), ['DE', 'US'])
  assert.deepEqual(profile.prefixes.map((c: { value: string }) => c.value).sort(), ['2a00:1450:4001::/56', '8.8.8.0/24'])
  assert.equal(profile.last_success.t, 1200)
  assert.equal(profile.last_success.country, 'DE')
  assert.equal(profile.last_success.city, 'Frankfurt am Main')
  assert.equal(typeof profile.last_success.lat, 'number')

  const limited = await history(d, { login: 'bob', limit: 1 })
  assert.deepEqual(limited.body.reports.map((r: { t: number }) => r.t), [1200])
  const unknown = await history(d, { login: 'nobody' })
  assert.deepEqual(unknown.body, { login: 'nobody', profile: { countries: [], devices: [], prefixes: [], last_success: null, first_seen: null, last_seen: null, successes: 0, failures: 0 }, reports: [] })

  await d.stop()
  // The password hash is never stored: not in the database, not in its WAL.
  for (const name of (await readdir(d.dir)).filter((f) => f.startsWith('history.db'))) {
    assert.ok(!(await readFile(join(d.dir, name))).includes('S3cretHash'), `${name} holds the pwhash`)
  }
})

test('bad history requests answer 400 with a JSON reason; without setHistory the routes answer 409', async (t) => {
  const d = await startDaemon({ config: historyConfig() })
  t.after(() => d.stop())
  for (const [body, reason] of [
    [{ limit: 5 }, "Field 'login' must be a non-empty string"],
    [{ login: '' }, "Field 'login' must be a non-empty string"],
    [['bob'], 'Request body must be a JSON object with a "login" string'],
    [{ login: 'bob', limit: -1 }, "Field 'limit' must be an integer from 0 to 1000"],
    [{ login: 'bob', limit: 'all' }, "Field 'limit' must be an integer from 0 to 1000"]
  ] as const) {
    const res = await history(d, body)
    assert.equal(res.status, 400, JSON.stringify(body))
    assert.deepEqual(res.body, { status: 'failure', reason })
  }
  const notJson = await request(`${d.url}/command/history`, { body: '{"login":', headers: { 'content-type': 'application/json' } })
  assert.equal(notJson.status, 400)
  assert.match(notJson.body.reason, /^Invalid JSON/)
  const unauthorized = await request(`${d.url}/command/history`, { body: { login: 'bob' }, auth: false })
  assert.equal(unauthorized.status, 401)

  const off = await startDaemon({ config: 'setNumWorkerThreads(1)\n' })
  t.after(() => off.stop())
  for (const route of ['history', 'eraseHistory']) {
    const res = await request(`${off.url}/command/${route}`, { body: { login: 'bob' } })
    assert.equal(res.status, 409)
    assert.deepEqual(res.body, { status: 'failure', reason: 'Login history is not enabled (setHistory in the configuration)' })
  }
})

test('a login\'s history is erased over REST and from the console; other logins stay', async (t) => {
  const { key, lines } = consoleConfig()
  const d = await startDaemon({ config: historyConfig('', lines) })
  t.after(() => d.stop())
  for (const who of ['bob', 'carol', 'alice']) await sendReport(d, login({ login: who, t: 2000 }))
  await sendReport(d, login({ login: 'bob', t: 2001, success: false }))

  const erased = await request(`${d.url}/command/eraseHistory`, { body: { login: 'bob' } })
  assert.equal(erased.status, 200)
  assert.deepEqual(erased.body, { status: 'ok', login: 'bob', reports_removed: 2, alerts_removed: 0 })
  const after = await history(d, { login: 'bob' })
  assert.deepEqual([after.body.reports, after.body.profile.devices, after.body.profile.last_success], [[], [], null])

  const client = await writeClientConfig(d, key)
  const out = await consoleExec(client, 'eraseHistory("carol")')
  assert.equal(out.code, 0, out.stderr)
  assert.match(out.stdout, /eraseHistory\("carol"\): 1 reports removed/)
  assert.deepEqual((await history(d, { login: 'carol' })).body.reports, [])
  assert.equal((await history(d, { login: 'alice' })).body.reports.length, 1)
  // Retention on demand counts back from the newest event time (t = 2000): alice stays, a login
  // last seen 91 days before goes (its report, three profile rows and its login row).
  await sendReport(d, login({ login: 'ancient', t: 2000 - 91 * 86_400 }))
  const pruned = await consoleExec(client, 'pruneHistory()')
  assert.equal(pruned.code, 0, pruned.stderr)
  assert.match(pruned.stdout, /pruneHistory\(\): 5 rows removed/)
  assert.equal((await history(d, { login: 'alice' })).body.reports.length, 1)
  assert.deepEqual((await history(d, { login: 'ancient' })).body.reports, [])
})

test('history survives a restart (graceful stop commits the queue)', async (t) => {
  const config = historyConfig('commit_interval_ms = 5000')
  const first = await startDaemon({ config })
  for (let i = 0; i < 20; i++) await sendReport(first, login({ t: 3000 + i }))
  // A 5 s commit interval: these are still queued when SIGTERM arrives.
  assert.equal(await first.stop(), 0)
  const second = await startDaemon({ config, dir: first.dir })
  t.after(() => second.stop())
  const res = await history(second, { login: 'bob', limit: 100 })
  assert.equal(res.body.reports.length, 20)
  assert.equal(res.body.profile.successes, 20)
})
