import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { CHROME_120, historyConfig, login, sendReport, THUNDERBIRD } from '../history/helpers.ts'

type Alert = Record<string, unknown> & { type: string, login: string | null, remote: string | null, t: number }

const alerts = async (d: RunningDaemon, type: string): Promise<Alert[]> => {
  const res = await request(`${d.url}/command/alerts?type=${type}&limit=1000`)
  assert.equal(res.status, 200, res.text)
  return (JSON.parse(res.text) as { alerts: Alert[] }).alerts
}

const T = 1_700_000_000
const DE = '2a00:1450:4001::1'
const US = '8.8.8.8'

/**
 * One daemon for every scenario: each uses its own logins, sources and hour of event time, so the
 * windows of one never reach another. Sequences at a threshold raise; the same just below stays silent.
 */
test('built-in policies end to end: each raises its alert at its threshold and not just below', async (t) => {
  const d = await startDaemon({
    config: historyConfig('', `
      enablePolicies()
      setReport(function (lt)
        local found = policies.check(lt)
        if lt.attrs.probe == "1" then
          raiseAlert{ type = "lua_probe", login = lt.login, t = lt.t, evidence = { risk = history.risk(lt) or -1, findings = #found } }
        end
      end)
    `)
  })
  t.after(() => d.stop())
  const fail = (over: Record<string, unknown>): Promise<void> => sendReport(d, login({ success: false, ...over }))
  const ok = (over: Record<string, unknown>): Promise<void> => sendReport(d, login(over))

  // password_spray: 5 logins × 3 failures from 10.1.0.1 within the hour; 10.2.0.1 stops at 14 failures.
  for (let i = 0; i < 15; i++) await fail({ login: `spray${i % 5}`, remote: '10.1.0.1', t: T + i * 60 })
  for (let i = 0; i < 14; i++) await fail({ login: `nspray${i % 5}`, remote: '10.2.0.1', t: T + i * 60 })
  // credential_stuffing: 25 logins once each from 10.3.0.1 in 15 min; 10.4.0.1 stops at 24.
  for (let i = 0; i < 25; i++) await fail({ login: `stuff${i}`, remote: '10.3.0.1', t: T + 3600 + i * 10 })
  for (let i = 0; i < 24; i++) await fail({ login: `nstuff${i}`, remote: '10.4.0.1', t: T + 3600 + i * 10 })
  // compromised_by_attacker: a success from the stuffing source names the login.
  await ok({ login: 'victim', remote: '10.3.0.1', t: T + 3900 })
  // Shared NAT 10.5.0.1: 40 users log in, a third of them mistype once first; no spray, no stuffing.
  for (let i = 0; i < 40; i++) {
    if (i % 3 === 0) await fail({ login: `nat${i}`, remote: '10.5.0.1', t: T + 7200 + i * 20 })
    await ok({ login: `nat${i}`, remote: '10.5.0.1', t: T + 7201 + i * 20 })
  }
  // compromise_after_failures: 10 failures (from 4 IPs: 5 would be a distributed attack) then a success; 'ntypo' has 9.
  for (let i = 0; i < 10; i++) await fail({ login: 'guessed', remote: `10.6.0.${(i % 4) + 1}`, t: T + 10800 + i * 300 })
  await ok({ login: 'guessed', remote: '10.6.0.1', t: T + 10800 + 3000 })
  for (let i = 0; i < 9; i++) await fail({ login: 'ntypo', remote: `10.7.0.${i + 1}`, t: T + 10800 + i * 300 })
  await ok({ login: 'ntypo', remote: '10.7.0.1', t: T + 10800 + 3000 })
  // distributed_account_attack: 5 IPs, 10 failures on one login within the hour (54 min); 'ndist' from 4 IPs.
  for (let i = 0; i < 10; i++) await fail({ login: 'dist', remote: `10.8.${i % 5}.1`, t: T + 14400 + i * 360 })
  for (let i = 0; i < 10; i++) await fail({ login: 'ndist', remote: `10.9.${i % 4}.1`, t: T + 14400 + i * 360 })
  // new_device / new_country / impossible_travel: 'carol' learned 5 logins in DE on Chrome, then
  // Thunderbird from the US a minute later; 'dave' with 4 learned logins is still learning.
  for (let i = 0; i < 5; i++) await ok({ login: 'carol', remote: DE, device_id: CHROME_120, t: T + 18000 + i * 3600 })
  await ok({ login: 'carol', remote: US, protocol: 'imap', device_id: THUNDERBIRD, t: T + 18000 + 4 * 3600 + 60, attrs: { probe: '1' } })
  for (let i = 0; i < 4; i++) await ok({ login: 'dave', remote: DE, device_id: CHROME_120, t: T + 18000 + i * 3600 })
  await ok({ login: 'dave', remote: DE, protocol: 'imap', device_id: THUNDERBIRD, t: T + 18000 + 4 * 3600 })

  const spray = await alerts(d, 'password_spray')
  assert.deepEqual(spray.map((a) => [a.login, a.remote]), [[null, '10.1.0.1']])
  const stuffing = await alerts(d, 'credential_stuffing')
  assert.deepEqual(stuffing.map((a) => [a.login, a.remote]), [[null, '10.3.0.1']])
  assert.deepEqual((await alerts(d, 'compromised_by_attacker')).map((a) => [a.login, a.remote]), [['victim', '10.3.0.1']])
  assert.deepEqual((await alerts(d, 'compromise_after_failures')).map((a) => a.login), ['guessed'])
  assert.deepEqual((await alerts(d, 'distributed_account_attack')).map((a) => a.login), ['dist'])
  assert.deepEqual((await alerts(d, 'new_device')).map((a) => [a.login, (a.evidence as { device: string }).device]), [['carol', 'imap:Thunderbird/Linux']])
  assert.deepEqual((await alerts(d, 'new_country')).map((a) => [a.login, (a.evidence as { country: string }).country]), [['carol', 'US']])
  const travel = await alerts(d, 'impossible_travel')
  assert.deepEqual(travel.map((a) => [a.login, a.t]), [['carol', T + 18000 + 4 * 3600 + 60]])
  assert.equal(typeof travel[0]?.risk, 'number')

  // The report function saw its own report's risk and findings (policies.check), without raising them again.
  const [probe] = await alerts(d, 'lua_probe')
  const evidence = probe?.evidence as { risk: number, findings: number }
  assert.ok(evidence.risk > 0 && evidence.risk <= 1, `risk ${evidence.risk}`)
  // new_device, new_country, impossible_travel and risky_login (its risk is far above the 0.012 threshold).
  assert.equal(evidence.findings, 4)
  assert.deepEqual((await alerts(d, 'risky_login')).map((a) => [a.login, a.t]), [['carol', T + 18000 + 4 * 3600 + 60]])

  // The risk of every successful login is recorded in history; failures have none.
  const res = await request(`${d.url}/command/history`, { body: { login: 'carol', limit: 10 } })
  const rows = (JSON.parse(res.text) as { reports: Array<{ risk: number | null, remote: string }> }).reports
  assert.equal(rows.length, 6)
  assert.ok(rows.every((r) => typeof r.risk === 'number'), JSON.stringify(rows))
  assert.equal(rows[0]?.risk, evidence.risk)
  // New country, network and device score far above the login's usual ones (after its first).
  const usual = rows.slice(1, -1).map((r) => r.risk as number)
  assert.ok(usual.every((r) => r * 10 < evidence.risk), JSON.stringify({ usual, risk: evidence.risk }))
  const failures = (JSON.parse((await request(`${d.url}/command/history`, { body: { login: 'guessed', limit: 20 } })).text) as { reports: Array<{ success: boolean, risk: number | null }> }).reports
  assert.ok(failures.filter((r) => !r.success).every((r) => r.risk === null))
})

test('enablePolicies without setHistory, an unknown policy or a bad option: a config error at its line', async () => {
  const cases: Array<[string, RegExp]> = [
    ['setNumLuaStates(1)\nenablePolicies()\n', /trackalert\.conf:4: enablePolicies: the policies need the login history: call setHistory/],
    [historyConfig('', 'enablePolicies{ "new_devices" }'), /trackalert\.conf:6: enablePolicies: unknown policy "new_devices" \(known: new_device,/],
    [historyConfig('', 'setPolicyOptions("impossible_travel", { min_km = "500" })'), /trackalert\.conf:6: setPolicyOptions\("impossible_travel"\): option "min_km" must be a number, got string "500"/]
  ]
  for (const [config, expected] of cases) {
    await assert.rejects(startDaemon({ config }), (err: Error) => { assert.match(err.message, expected); return true })
  }
})
