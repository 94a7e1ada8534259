import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { SourceWindow } from '../../src/policies/index.ts'
import { engineWith, facts, sourceWindow, typesFor } from './facts.ts'

/** A failed report whose IP has `attack` in the policy window and `hour` (successes) in the shared window. */
function fromIp (windowS: number, attack: Partial<SourceWindow>, hour: Partial<SourceWindow> = {}) {
  const ip = windowS === 3600
    ? [sourceWindow(3600, { ...attack, ...hour })]
    : [sourceWindow(windowS, attack), sourceWindow(3600, { ...attack, ...hour })]
  return facts({ report: { success: false }, ip, prefix: ip.map(w => ({ ...w })) })
}

describe('password_spray', () => {
  const engine = engineWith(['password_spray'])
  const spray = (failing_logins: number, failures: number, max_failures_per_login: number) =>
    fromIp(3600, { failing_logins, failures, max_failures_per_login })

  it('fires at 5 logins and 15 failures in an hour with 2 to 8 per login', () => {
    assert.deepEqual(typesFor(engine, spray(5, 15, 3)), ['password_spray'])
    assert.deepEqual(typesFor(engine, spray(6, 16, 8)), ['password_spray'])
    const [finding] = engine.evaluate(spray(5, 15, 3)).findings
    assert.deepEqual([finding?.login, finding?.remote, finding?.severity], [null, '192.0.2.10', 'high'])
    assert.deepEqual([finding?.evidence.scope, finding?.evidence.key, finding?.evidence.failures], ['ip', '192.0.2.10', 15])
  })

  it('is silent just below each threshold', () => {
    assert.deepEqual(typesFor(engine, spray(4, 15, 4)), [])
    assert.deepEqual(typesFor(engine, spray(5, 14, 3)), [])
    assert.deepEqual(typesFor(engine, spray(5, 15, 9)), []) // one account hammered: brute force, not spray
    assert.deepEqual(typesFor(engine, spray(15, 15, 1)), []) // one try each: stuffing-shaped
  })

  it('is judged on failures only', () => {
    const success = spray(5, 15, 3)
    success.report.success = true
    assert.deepEqual(typesFor(engine, success), [])
  })

  it('falls back to the prefix when the IP alone does not match (rotation inside a network)', () => {
    const rotating = facts({
      report: { success: false },
      ip: [sourceWindow(3600, { failures: 2, failing_logins: 2, max_failures_per_login: 1 })],
      prefix: [sourceWindow(3600, { failures: 20, failing_logins: 8, max_failures_per_login: 3 })]
    })
    const [finding] = engine.evaluate(rotating).findings
    assert.deepEqual([finding?.evidence.scope, finding?.evidence.key], ['prefix', '192.0.2.0/24'])
    rotating.report.prefix = null
    assert.deepEqual(typesFor(engine, rotating), [])
  })

  it('raises one finding, for the IP, when both the IP and its prefix match', () => {
    const result = engine.evaluate(spray(5, 15, 3))
    assert.deepEqual(result.findings.map(f => f.evidence.scope), ['ip'])
  })

  it('yields to credential_stuffing on the same source in the same report', () => {
    const both = engineWith(['password_spray', 'credential_stuffing'])
    const burst = fromIp(900, { failing_logins: 15, failures: 25, max_failures_per_login: 2 })
    const result = both.evaluate(burst)
    assert.deepEqual(result.findings.map(f => f.type), ['credential_stuffing'])
    assert.match(result.notes.map(n => n.reason).join(' '), /credential_stuffing already reported the source/)
    assert.deepEqual(typesFor(engine, burst), ['password_spray'])
  })

  it('is reported beside credential_stuffing from 1.75 failures per failing login (a second round of passwords)', () => {
    const both = engineWith(['password_spray', 'credential_stuffing'])
    // 900 s: stuffing-shaped (at most 2 per login); the hour holds 100 failing logins.
    const round = (failures: number) => facts({
      report: { success: false },
      ip: [sourceWindow(900, { failing_logins: 20, failures: 30, max_failures_per_login: 2 }), sourceWindow(3600, { failing_logins: 100, failures, max_failures_per_login: 2 })]
    })
    assert.deepEqual(typesFor(both, round(174)), ['credential_stuffing'])
    assert.deepEqual(typesFor(both, round(175)), ['credential_stuffing', 'password_spray'])
    assert.deepEqual(typesFor(both, round(176)), ['credential_stuffing', 'password_spray'])
    const never = engineWith(['password_spray', 'credential_stuffing'], { password_spray: { distinct_mean_per_login: 2 } })
    assert.deepEqual(typesFor(never, round(199)), ['credential_stuffing'])
  })
})

describe('credential_stuffing', () => {
  const engine = engineWith(['credential_stuffing'])
  const stuffing = (failing_logins: number, failures: number, max_failures_per_login: number) =>
    fromIp(900, { failing_logins, failures, max_failures_per_login })

  it('fires at 15 logins and 25 failures in 15 min with at most 2 per login', () => {
    assert.deepEqual(typesFor(engine, stuffing(15, 25, 2)), ['credential_stuffing'])
    assert.deepEqual(typesFor(engine, stuffing(16, 26, 1)), ['credential_stuffing'])
    assert.deepEqual(engine.evaluate(stuffing(15, 25, 2)).findings[0]?.evidence.window_s, 900)
  })

  it('is silent just below each threshold', () => {
    assert.deepEqual(typesFor(engine, stuffing(14, 25, 2)), [])
    assert.deepEqual(typesFor(engine, stuffing(15, 24, 2)), [])
    assert.deepEqual(typesFor(engine, stuffing(15, 25, 3)), [])
  })

  it('asks for its window and the shared-address window, per IP and per prefix', () => {
    assert.deepEqual(engine.requirements(), {
      ip_windows_s: [900, 3600], prefix_windows_s: [900, 3600], login_windows_s: [], attacker_findings_s: 0, risk: false
    })
  })
})

describe('shared addresses (NAT, carrier NAT) do not raise spray or stuffing', () => {
  const engine = engineWith(['password_spray', 'credential_stuffing'])
  // A campus NAT in one hour: 300 users log in, 40 of them mistype once or twice.
  const campus = { failing_logins: 40, failures: 60, max_failures_per_login: 2 }

  it('a campus NAT with many users and typos: both shapes match, the successes exempt it', () => {
    const busy = fromIp(900, campus, { successes: 300, succeeding_logins: 290 })
    const result = busy.windows.ip.length === 2 ? engine.evaluate(busy) : assert.fail('two windows expected')
    assert.deepEqual(result.findings, [])
    assert.deepEqual(result.notes.map(n => n.reason), [
      'the ip is a shared address', 'the prefix is a shared address',
      'the ip is a shared address', 'the prefix is a shared address'
    ])
    assert.equal(result.notes[0]?.evidence?.success_share, 0.833)
  })

  it('the rule at its edges: 5 succeeding logins and a success share of 0.5', () => {
    const shape = { failing_logins: 15, failures: 25, max_failures_per_login: 2 }
    assert.deepEqual(typesFor(engine, fromIp(900, shape, { successes: 25, succeeding_logins: 5 })), [])
    assert.deepEqual(typesFor(engine, fromIp(900, shape, { successes: 25, succeeding_logins: 4 })), ['credential_stuffing'])
    assert.deepEqual(typesFor(engine, fromIp(900, shape, { successes: 24, succeeding_logins: 24 })), ['credential_stuffing'])
  })

  it('a stuffing source that finds valid pairs stays an attacker: its failures dominate', () => {
    const stuffing = fromIp(900, { failing_logins: 900, failures: 1000, max_failures_per_login: 2 }, { successes: 20, succeeding_logins: 20 })
    assert.deepEqual(typesFor(engine, stuffing), ['credential_stuffing'])
  })

  it('tuning: a stricter share catches an attacker hiding in a busy NAT', () => {
    const hidden = fromIp(900, { failing_logins: 60, failures: 90, max_failures_per_login: 2 }, { successes: 270, succeeding_logins: 260 })
    assert.deepEqual(typesFor(engine, hidden), [])
    const strict = engineWith(['credential_stuffing'], { credential_stuffing: { shared_min_success_share: 0.8 } })
    assert.deepEqual(typesFor(strict, hidden), ['credential_stuffing'])
  })
})
