import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { isTrackalertError } from '../../src/errors.ts'
import { PolicyEngine, builtInPolicies, policyNames, type LoginFacts } from '../../src/policies/index.ts'
import { T0, engineWith, established, facts, loginWindow, typesFor } from './facts.ts'

function refused (action: () => void, message: RegExp): void {
  assert.throws(action, (err: unknown) => isTrackalertError(err, 'TA_ERR_CONFIG_INVALID') && message.test(err.message))
}

describe('enablePolicies', () => {
  it('enables nothing until called; with no argument, every built-in policy', () => {
    const engine = new PolicyEngine()
    assert.deepEqual(engine.enabled, [])
    assert.deepEqual(engine.evaluate(facts({ report: { device: 'new' }, profile: established() })).findings, [])
    engine.enablePolicies()
    assert.deepEqual(engine.enabled, [...policyNames])
    assert.deepEqual(typesFor(engine, facts({ report: { device: 'new' }, profile: established(), login: [loginWindow(3600), loginWindow(1800)] })), ['new_device'])
  })

  it('with a list, exactly those; a later call replaces the set', () => {
    const engine = new PolicyEngine()
    engine.enablePolicies(['impossible_travel', 'new_device', 'new_device'])
    assert.deepEqual(engine.enabled, ['new_device', 'impossible_travel'])
    engine.enablePolicies(['new_country'])
    assert.deepEqual(engine.enabled, ['new_country'])
    assert.deepEqual(typesFor(engine, facts({ report: { device: 'new', country: 'BR' }, profile: established() })), ['new_country'])
  })

  it('refuses unknown names, empty lists and non-lists, leaving the set unchanged', () => {
    const engine = engineWith(['new_device'])
    refused(() => engine.enablePolicies(['new_device', 'geo_fence']), /enablePolicies: unknown policy "geo_fence" \(known: new_device, new_country/)
    refused(() => engine.enablePolicies([]), /give a list of policy names/)
    refused(() => engine.enablePolicies('new_device'), /give a list of policy names/)
    refused(() => engine.enablePolicies([42]), /unknown policy 42/)
    assert.deepEqual(engine.enabled, ['new_device'])
  })
})

describe('setPolicyOptions', () => {
  it('starts from the documented defaults and merges calls', () => {
    const engine = new PolicyEngine()
    assert.deepEqual(engine.optionsOf('impossible_travel'), { min_km: 500, min_kmh: 800, max_accuracy_km: 500, default_accuracy_km: 50, own_network_successes: 1, common_network_successes: 2, learning_days: 14, learning_successes: 5, severity: 'high' })
    engine.setPolicyOptions('impossible_travel', { min_km: 1000 })
    engine.setPolicyOptions('impossible_travel', { severity: 'critical' })
    assert.deepEqual(engine.optionsOf('impossible_travel'), { min_km: 1000, min_kmh: 800, max_accuracy_km: 500, default_accuracy_km: 50, own_network_successes: 1, common_network_successes: 2, learning_days: 14, learning_successes: 5, severity: 'critical' })
  })

  it('keeps options whatever the order of enablePolicies and setPolicyOptions', () => {
    const before = new PolicyEngine()
    before.setPolicyOptions('new_device', { severity: 'high' })
    before.enablePolicies()
    assert.equal(before.evaluate(facts({ report: { device: 'new' }, profile: established(), login: [loginWindow(3600), loginWindow(1800)] })).findings[0]?.severity, 'high')
  })

  it('refuses unknown options, wrong types and values out of range, naming the policy and option', () => {
    const engine = new PolicyEngine()
    refused(() => engine.setPolicyOptions('impossible_travel', { min_kph: 800 }), /^setPolicyOptions\("impossible_travel"\): unknown option "min_kph" \(known: min_km, min_kmh,/)
    refused(() => engine.setPolicyOptions('impossible_travel', { min_km: '500' }), /option "min_km" must be a number, got string "500"/)
    refused(() => engine.setPolicyOptions('impossible_travel', { min_km: -1 }), /option "min_km" must be at least 0, got -1/)
    refused(() => engine.setPolicyOptions('impossible_travel', { min_km: Number.NaN }), /must be a number/)
    refused(() => engine.setPolicyOptions('password_spray', { min_logins: 4.5 }), /option "min_logins" must be a whole number, got 4.5/)
    refused(() => engine.setPolicyOptions('risky_login', { threshold: 1.5 }), /option "threshold" must be between 0 and 1, got 1.5/)
    refused(() => engine.setPolicyOptions('new_device', { severity: 'urgent' }), /option "severity" must be one of low, medium, high, critical, got string "urgent"/)
    refused(() => engine.setPolicyOptions('new_device', { severity: null }), /got nil/)
    refused(() => engine.setPolicyOptions('new_device', [5]), /options must be a table of name = value, got a list/)
    refused(() => engine.setPolicyOptions('new_device', undefined), /options must be a table/)
    refused(() => engine.setPolicyOptions('geo_fence', {}), /^setPolicyOptions: unknown policy "geo_fence"/)
  })

  it('a refused call changes nothing, not even its valid options', () => {
    const engine = new PolicyEngine()
    refused(() => engine.setPolicyOptions('impossible_travel', { min_km: 100, min_kmh: -5 }), /min_kmh/)
    assert.equal(engine.optionsOf('impossible_travel').min_km, 500)
  })
})

describe('requirements and evaluate', () => {
  it('asks for the union of the enabled policies\' windows', () => {
    const engine = new PolicyEngine()
    engine.enablePolicies()
    engine.setPolicyOptions('compromise_after_failures', { window_s: 7200 })
    assert.deepEqual(engine.requirements(), {
      ip_windows_s: [900, 3600], prefix_windows_s: [900, 3600], login_windows_s: [3600, 7200], attacker_findings_s: 86_400, risk: true
    })
  })

  it('gives the risk to every login-level finding of a scored success', () => {
    const engine = engineWith(['new_device', 'compromise_after_failures'])
    const input = facts({
      report: { device: 'new' }, profile: established(), login: [loginWindow(3600, { failures: 12 })],
      risk: { features: [{ feature: 'device', value: 'new', login_count: 0, login_total: 20, login_distinct: 1, global_count: 3, global_total: 1000, global_distinct: 40, global_failures: 0, global_failures_total: 100 }] }
    })
    const result = engine.evaluate(input)
    assert.deepEqual(result.findings.map(f => f.type), ['compromise_after_failures', 'new_device'])
    assert.ok(result.risk !== null && result.findings.every(f => f.risk === result.risk?.risk))
    assert.equal(result.findings[0]?.t, T0)
  })

  it('refuses malformed facts with the field named', () => {
    const engine = engineWith(['new_device'])
    const broken = (change: (f: Record<string, unknown> & LoginFacts) => void) => {
      const input = facts() as Record<string, unknown> & LoginFacts
      change(input)
      return () => engine.evaluate(input)
    }
    assert.throws(broken(f => { (f.report as unknown as Record<string, unknown>).t = '1700000000' }), /policy facts: report.t must be a finite number, got "1700000000"/)
    assert.throws(broken(f => { (f.report as unknown as Record<string, unknown>).success = 1 }), /report.success must be true or false/)
    assert.throws(broken(f => { (f.windows as unknown as Record<string, unknown>).login = undefined }), /windows.login must be a list/)
    assert.throws(broken(f => { f.windows.ip = [{ window_s: 60 } as never] }), /windows.ip\[0\].failures must be a finite number/)
    assert.throws(broken(f => { (f.profile as unknown as Record<string, unknown>).devices = {} }), /profile.devices must be a list/)
    assert.throws(broken(f => { f.risk = {} as never }), /risk must be null or an object with a features list/)
  })
})

describe('docs/policies.md', () => {
  it('lists every option of every policy with its default', async () => {
    const doc = await readFile(new URL('../../../docs/policies.md', import.meta.url), 'utf8')
    for (const policy of builtInPolicies) {
      for (const [name, spec] of Object.entries(policy.options)) {
        const row = `| \`${policy.name}\` | \`${name}\` | ${String(spec.default)} |`
        assert.ok(doc.includes(row), `docs/policies.md lacks the row ${row}`)
      }
    }
  })
})
