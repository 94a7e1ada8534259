import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { T0, engineWith, established, facts, loginWindow, sourceWindow, typesFor } from './facts.ts'

describe('compromise_after_failures', () => {
  const engine = engineWith(['compromise_after_failures'])
  const success = (failures: number) => facts({ profile: established(), login: [loginWindow(3600, { failures, successes: 1, failing_ips: 2 })] })

  it('fires on a success after 10 failures in the hour, not 9', () => {
    assert.deepEqual(typesFor(engine, success(9)), [])
    assert.deepEqual(typesFor(engine, success(10)), ['compromise_after_failures'])
    assert.deepEqual(typesFor(engine, success(11)), ['compromise_after_failures'])
    const [finding] = engine.evaluate(success(10)).findings
    assert.deepEqual([finding?.login, finding?.severity, finding?.evidence], ['alice', 'high', { window_s: 3600, failures: 10, failing_ips: 2 }])
  })

  it('is silent on a failure, and notes a missing window instead of guessing', () => {
    assert.deepEqual(typesFor(engine, facts({ report: { success: false }, login: [loginWindow(3600, { failures: 50 })] })), [])
    const result = engine.evaluate(facts({ login: [loginWindow(60, { failures: 50 })] }))
    assert.deepEqual(result.findings, [])
    assert.match(result.notes[0]?.reason ?? '', /lack the login window of 3600 s/)
  })

  it('uses the configured window and count', () => {
    const wazuh = engineWith(['compromise_after_failures'], { compromise_after_failures: { window_s: 160, min_failures: 12 } })
    assert.deepEqual(wazuh.requirements().login_windows_s, [160])
    assert.deepEqual(typesFor(wazuh, facts({ login: [loginWindow(160, { failures: 12 })] })), ['compromise_after_failures'])
    assert.deepEqual(typesFor(wazuh, facts({ login: [loginWindow(160, { failures: 11 })] })), [])
  })
})

describe('distributed_account_attack', () => {
  const engine = engineWith(['distributed_account_attack'])
  const failure = (failing_ips: number, failures: number) =>
    facts({ report: { success: false }, login: [loginWindow(3600, { failures, failing_ips })] })

  it('fires at 5 failing IPs and 10 failures in 1 h, not at 4 IPs or 9 failures', () => {
    assert.deepEqual(typesFor(engine, failure(4, 20)), [])
    assert.deepEqual(typesFor(engine, failure(5, 9)), [])
    assert.deepEqual(typesFor(engine, failure(5, 10)), ['distributed_account_attack'])
    assert.deepEqual(typesFor(engine, failure(6, 11)), ['distributed_account_attack'])
  })

  it('names the login and is not raised by a success', () => {
    assert.equal(engine.evaluate(failure(5, 10)).findings[0]?.login, 'alice')
    assert.deepEqual(typesFor(engine, facts({ login: [loginWindow(3600, { failures: 50, failing_ips: 20 })] })), [])
  })
})

describe('compromised_by_attacker', () => {
  const engine = engineWith(['compromised_by_attacker'])

  it('fires on a success from an IP or prefix with an active spray or stuffing finding', () => {
    const byIp = facts({ attacker_findings: [{ type: 'password_spray', scope: 'ip', key: '192.0.2.10', t: T0 - 600 }] })
    const [finding] = engine.evaluate(byIp).findings
    assert.deepEqual([finding?.type, finding?.severity, finding?.login], ['compromised_by_attacker', 'critical', 'alice'])
    assert.deepEqual(finding?.evidence.attacker_findings, [{ type: 'password_spray', scope: 'ip', key: '192.0.2.10', t: T0 - 600 }])
    const byPrefix = facts({ attacker_findings: [{ type: 'credential_stuffing', scope: 'prefix', key: '192.0.2.0/24', t: T0 }] })
    assert.deepEqual(typesFor(engine, byPrefix), ['compromised_by_attacker'])
  })

  it('fires on a success from a source whose windows match spray or stuffing now, whatever process raised the finding', () => {
    const both = engineWith(['password_spray', 'credential_stuffing', 'compromised_by_attacker'])
    // A spray-shaped hour from the IP: 15 failures over 5 logins, 3 each; the success itself is one more attempt.
    const spray = (failures: number, successes = 1, succeeding = 1) => facts({
      ip: [sourceWindow(3600, { failures, failing_logins: 5, max_failures_per_login: 3, successes, succeeding_logins: succeeding }), sourceWindow(900, { failures })]
    })
    const [finding, ...rest] = both.evaluate(spray(15)).findings
    assert.deepEqual([finding?.type, finding?.login, rest.length], ['compromised_by_attacker', 'alice', 0])
    assert.deepEqual(finding?.evidence.attacker_findings, [{ type: 'password_spray', scope: 'ip', key: '192.0.2.10', t: T0 }])
    assert.deepEqual(typesFor(both, spray(14)), [])
    assert.deepEqual(typesFor(both, spray(16)), ['compromised_by_attacker'])
    // A shared address (5 logins succeeded, most attempts succeed) is no attacker.
    assert.deepEqual(typesFor(both, spray(15, 20, 5)), [])
    // Without the source policies enabled, only stored findings count.
    assert.deepEqual(typesFor(engine, spray(15)), [])
  })

  it('ignores findings for other sources, expired ones (active_s edge), later ones, and failures', () => {
    const at = (t: number, key = '192.0.2.10') => facts({ attacker_findings: [{ type: 'password_spray', scope: 'ip', key, t }] })
    assert.deepEqual(typesFor(engine, at(T0, '203.0.113.1')), [])
    assert.deepEqual(typesFor(engine, at(T0 - 86_400 - 1)), [])
    assert.deepEqual(typesFor(engine, at(T0 - 86_400)), ['compromised_by_attacker'])
    assert.deepEqual(typesFor(engine, at(T0 + 1)), [])
    assert.deepEqual(typesFor(engine, facts({ report: { success: false }, attacker_findings: at(T0).attacker_findings })), [])
  })

  it('asks the history for findings as far back as active_s', () => {
    assert.equal(engine.requirements().attacker_findings_s, 86_400)
    const short = engineWith(['compromised_by_attacker'], { compromised_by_attacker: { active_s: 3600 } })
    assert.equal(short.requirements().attacker_findings_s, 3600)
    const at = facts({ attacker_findings: [{ type: 'password_spray', scope: 'ip', key: '192.0.2.10', t: T0 - 3601 }] })
    assert.deepEqual(typesFor(short, at), [])
  })
})
