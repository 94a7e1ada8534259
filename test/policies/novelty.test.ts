import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { DAY, T0, engineWith, established, facts, seen, typesFor } from './facts.ts'

describe('new_device', () => {
  const engine = engineWith(['new_device'])

  it('fires on a success with a device family the login never succeeded with', () => {
    const result = engine.evaluate(facts({ report: { device: 'Chrome/Windows' }, profile: established() }))
    assert.equal(result.findings.length, 1)
    const [finding] = result.findings
    assert.deepEqual({ ...finding, evidence: undefined }, {
      type: 'new_device', severity: 'low', login: 'alice', remote: '192.0.2.10', t: T0, evidence: undefined
    })
    assert.equal(finding?.evidence.device, 'Chrome/Windows')
    assert.deepEqual(finding?.evidence.known, ['Firefox/Linux'])
  })

  it('is silent for a known family, on failures, and when the device is unknown', () => {
    assert.deepEqual(typesFor(engine, facts({ profile: established() })), [])
    assert.deepEqual(typesFor(engine, facts({ report: { device: 'Chrome/Windows', success: false }, profile: established() })), [])
    const unknown = engine.evaluate(facts({ report: { device: null }, profile: established() }))
    assert.deepEqual(unknown.findings, [])
    assert.match(unknown.notes[0]?.reason ?? '', /no device/)
  })

  it('does not count a family seen only on failures as known (an attacker\'s tries teach nothing)', () => {
    const profile = established([seen('Firefox/Linux', 20), seen('Chrome/Windows', 0, 3)])
    assert.deepEqual(typesFor(engine, facts({ report: { device: 'Chrome/Windows' }, profile })), ['new_device'])
  })

  it('learning period: ends at the 5th success, not the 4th', () => {
    const young = { first_seen: T0 - DAY, devices: [seen('Firefox/Linux', 4)], countries: [] }
    assert.deepEqual(typesFor(engine, facts({ report: { device: 'Chrome/Windows' }, profile: { ...young, successes: 4 } })), [])
    assert.deepEqual(typesFor(engine, facts({ report: { device: 'Chrome/Windows' }, profile: { ...young, successes: 5 } })), ['new_device'])
    assert.deepEqual(typesFor(engine, facts({ report: { device: 'Chrome/Windows' }, profile: { ...young, successes: 6 } })), ['new_device'])
  })

  it('learning period: ends 14 days after the first report, not a second before', () => {
    const profile = (age: number) => ({ first_seen: T0 - age, successes: 1, devices: [seen('Firefox/Linux', 1)], countries: [] })
    assert.deepEqual(typesFor(engine, facts({ report: { device: 'Chrome/Windows' }, profile: profile(14 * DAY - 1) })), [])
    assert.deepEqual(typesFor(engine, facts({ report: { device: 'Chrome/Windows' }, profile: profile(14 * DAY) })), ['new_device'])
    assert.deepEqual(typesFor(engine, facts({ report: { device: 'Chrome/Windows' }, profile: profile(14 * DAY + 1) })), ['new_device'])
  })

  it('a login never seen is learning, and the note says so', () => {
    const result = engine.evaluate(facts({ report: { device: 'Chrome/Windows' } }))
    assert.deepEqual(result.findings, [])
    assert.match(result.notes[0]?.reason ?? '', /learning period/)
  })

  it('learning options apply: 0 successes and 0 days means no learning period', () => {
    const eager = engineWith(['new_device'], { new_device: { learning_days: 0, learning_successes: 0 } })
    assert.deepEqual(typesFor(eager, facts({ report: { device: 'Chrome/Windows' } })), ['new_device'])
  })
})

describe('new_country', () => {
  const engine = engineWith(['new_country'])

  it('fires on a success from a country the login never succeeded from, after learning', () => {
    const result = engine.evaluate(facts({ report: { country: 'BR' }, profile: established() }))
    assert.deepEqual(result.findings.map(f => [f.type, f.severity, f.evidence.country]), [['new_country', 'medium', 'BR']])
  })

  it('is silent for a known country, an unknown one, a failure, or while learning', () => {
    assert.deepEqual(typesFor(engine, facts({ report: { country: 'NL' }, profile: established() })), [])
    assert.deepEqual(typesFor(engine, facts({ report: { country: null }, profile: established() })), [])
    assert.deepEqual(typesFor(engine, facts({ report: { country: 'BR', success: false }, profile: established() })), [])
    assert.deepEqual(typesFor(engine, facts({ report: { country: 'BR' }, profile: { first_seen: T0 - DAY, successes: 4, countries: [seen('NL', 4)] } })), [])
  })
})
