import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Report } from '../../eval/generate.ts'
import type { AttackType, Label } from '../../eval/model/labels.ts'
import { parseAlerts, type Alert } from '../../eval/replay/alerts.ts'
import { riskKey } from '../../eval/replay/history-risk.ts'
import { per10kUsersPerDay, perUserPerMonth, rocAuc, shareAboveRecallThreshold } from '../../eval/score/metrics.ts'
import { score } from '../../eval/score/score.ts'

test('ROC AUC: perfect, reversed, all tied, and mid-ranks for ties', () => {
  assert.equal(rocAuc([0.9, 0.8], [0.1, 0.2]), 1)
  assert.equal(rocAuc([0.1], [0.9, 0.8]), 0)
  assert.equal(rocAuc([0.5, 0.5], [0.5, 0.5, 0.5]), 0.5)
  // Pairs: 0.8>0.5, 0.8>0.2, 0.5=0.5 (half), 0.5>0.2 → 3.5 of 4.
  assert.equal(rocAuc([0.8, 0.5], [0.5, 0.2]), 0.875)
  assert.equal(rocAuc([], [0.1]), null)
})

test('the 95% threshold is the lowest score among the top 95% of takeovers; legit at or above it count', () => {
  const pos = Array.from({ length: 20 }, (_, i) => (i + 1) / 20) // 0.05 … 1.00
  const r = shareAboveRecallThreshold(pos, [0.05, 0.1, 0.1, 0.5], 0.95)
  // 19 of 20 must be caught: the threshold is the 19th highest, 0.10; legit 0.1, 0.1 and 0.5 reach it.
  assert.deepEqual(r, { threshold: 0.1, share: 0.75 })
  assert.equal(shareAboveRecallThreshold([], [0.3]), null)
  assert.equal(per10kUsersPerDay(6, 2000, 30), 1)
  assert.equal(perUserPerMonth(300, 1000, 15), 0.6)
})

const report = (id: number, login: string, remote: string, t: number, success: boolean, label: number): Report =>
  ({ id, label, body: { login, remote, pwhash: '00', success, t, protocol: 'http', tls: true, device_id: '', policy_reject: false, session_id: '', fail_type: '', type: 'wforce_report' } })
const label = (id: number, type: AttackType, login: string | null, ips: string[], prefix: string | null, t: number, ids: number[]): Label =>
  ({ id, type, login, ips, prefix, t_start: t, t_end: t + 600, report_ids: ids })
const alert = (id: number, type: string, login: string | null, remote: string | null, t: number, risk?: number): Alert =>
  ({ id, type, login, remote, t, risk })

const labels = [
  label(0, 'password_spray', null, ['198.51.100.7', '198.51.100.9'], '198.51.100.0/24', 10_000, [0]),
  label(1, 'password_spray', null, ['203.0.113.5'], null, 50_000, [1]),
  label(2, 'account_takeover', 'bob', ['192.0.2.1'], null, 20_000, [2]),
  label(3, 'new_country', 'carol', ['192.0.2.2'], null, 30_000, [3])
]
const reports = [
  report(0, 'x1', '198.51.100.7', 10_000, false, 0),
  report(1, 'x2', '203.0.113.5', 50_000, false, 1),
  report(2, 'bob', '192.0.2.1', 20_000, true, 2),
  report(3, 'carol', '192.0.2.2', 30_000, true, 3),
  report(4, 'dave', '10.0.0.1', 20_000, true, -1),
  report(5, 'erin', '10.0.0.2', 21_000, true, -1)
]

test('alerts match labels by account or by address/prefix within the attack window', () => {
  const alerts = [
    alert(1, 'password_spray', null, '198.51.100.9', 10_300), // the prefix's other address: caught
    alert(2, 'password_spray', null, '198.51.100.0/24', 10_400), // the prefix itself: also true
    alert(3, 'password_spray', null, '203.0.113.5', 50_000 + 600 + 3601), // too late: false
    alert(4, 'new_device', 'bob', '192.0.2.1', 20_000), // takeover caught by new_device
    alert(5, 'new_device', 'dave', '10.0.0.1', 20_000), // legitimate: a false notification
    alert(6, 'new_country', 'carol', '192.0.2.2', 30_000),
    alert(7, 'my_lua_rule', 'erin', '10.0.0.2', 21_000)
  ]
  const s = score({ users: 10_000, days: 1, reports, labels, alerts, historyRisk: null })
  const spray = s.policies.find((p) => p.policy === 'password_spray')!
  assert.deepEqual([spray.alerts, spray.falseAlerts, spray.targets, spray.caught], [3, 1, 2, 1])
  assert.equal(spray.recall, 0.5)
  assert.equal(spray.precision, 2 / 3)
  assert.equal(spray.falsePer10kUsersPerDay, 1)
  const nd = s.policies.find((p) => p.policy === 'new_device')!
  // new_device targets new_device and account_takeover labels: only bob's takeover exists.
  assert.deepEqual([nd.alerts, nd.falseAlerts, nd.targets, nd.caught, nd.recall], [2, 1, 1, 1, 1])
  const nc = s.policies.find((p) => p.policy === 'new_country')!
  assert.deepEqual([nc.targets, nc.caught], [2, 1])
  assert.equal(s.userNotificationsPerUserPerMonth, 1 / 10_000 * 30)
  assert.equal(s.adminFalsePer10kUsersPerDay, 1)
  assert.deepEqual(s.attacks.find((a) => a.type === 'account_takeover')!.caughtBy, { new_device: 1 })
  assert.deepEqual(s.otherAlertTypes, { my_lua_rule: 1 })
  assert.equal(s.risk.source, null)
})

test('risk comes from history when it has it, else from alerts (missing counts as 0)', () => {
  const history = new Map([[riskKey('bob', 20_000, '192.0.2.1'), 0.9], [riskKey('carol', 30_000, '192.0.2.2'), 0.4], [riskKey('dave', 20_000, '10.0.0.1'), 0.4], [riskKey('erin', 21_000, '10.0.0.2'), 0.1]])
  const h = score({ users: 10, days: 1, reports, labels, alerts: [], historyRisk: history })
  assert.equal(h.risk.source, 'history')
  assert.deepEqual([h.risk.takeovers, h.risk.legit, h.risk.auc, h.risk.threshold95, h.risk.legitAboveShare], [2, 2, 0.875, 0.4, 0.5])
  // The curve: takeovers 0.9 and 0.4, legitimate 0.4 and 0.1, each threshold inclusive.
  const at = (t: number) => h.risk.curve.find((c) => c.threshold === t)
  assert.deepEqual(h.risk.curve.map((c) => c.threshold), [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.9])
  assert.deepEqual(at(0.1), { threshold: 0.1, takeovers: 1, legit: 1 })
  assert.deepEqual(at(0.2), { threshold: 0.2, takeovers: 1, legit: 0.5 })
  assert.deepEqual(at(0.9), { threshold: 0.9, takeovers: 0.5, legit: 0 })
  const a = score({ users: 10, days: 1, reports, labels, alerts: [alert(1, 'risky_login', 'bob', '192.0.2.1', 20_000, 0.7)], historyRisk: null })
  assert.equal(a.risk.source, 'alerts')
  assert.deepEqual([a.risk.takeovers, a.risk.legit, a.risk.auc], [2, 2, 0.75])
})

test('the alerts route may answer an array or {"alerts": [...]}; malformed alerts are named', () => {
  const one = { id: 3, type: 'new_device', severity: 'low', login: 'bob', remote: '192.0.2.1', t: 5, risk: 0.2, evidence: { family: 'x' } }
  assert.deepEqual(parseAlerts(JSON.stringify([one])), [one])
  assert.deepEqual(parseAlerts(JSON.stringify({ alerts: [{ ...one, login: null, risk: undefined }] }))[0]!.login, null)
  assert.throws(() => parseAlerts('{"alerts": [{"type": "x"}]}'), /alert 0 lacks a string "type" or a numeric "t"/)
  assert.throws(() => parseAlerts('nope'), /not JSON/)
})

test("an alert on the owner's first login after a takeover belongs to the takeover, however late; later ones do not", () => {
  const ls = [label(0, 'new_country', 'carol', ['192.0.2.2'], null, 30_000, [0])]
  const rs = [
    report(0, 'carol', '192.0.2.2', 30_000, true, 0),
    report(1, 'carol', '10.0.0.3', 50_000, true, -1), // back home hours later: travel from the attacker's place
    report(2, 'carol', '10.0.0.3', 90_000, true, -1)
  ]
  const alerts = [alert(1, 'impossible_travel', 'carol', '10.0.0.3', 50_000), alert(2, 'impossible_travel', 'carol', '10.0.0.3', 90_000)]
  const it = score({ users: 10_000, days: 1, reports: rs, labels: ls, alerts, historyRisk: null }).policies.find((p) => p.policy === 'impossible_travel')!
  assert.deepEqual([it.alerts, it.falseAlerts], [2, 1])
})
