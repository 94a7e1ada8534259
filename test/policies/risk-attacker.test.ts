import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { attackerProbability, PolicyEngine, riskScore, type RiskFacts, type RiskFeatureFacts } from '../../src/policies/index.ts'
import { engineWith, facts } from './facts.ts'

const model = new PolicyEngine().optionsOf('risky_login')

/**
 * A feature of a login with no successful login yet (the cold start), in a population of 100,000
 * successes and 10,000 failures over 1,000 known values; `global` successes and `failures` of them
 * with this value.
 */
function fresh (name: RiskFeatureFacts['feature'], global: number, failures = 0): RiskFeatureFacts {
  return {
    feature: name, value: `${name}-value`, login_count: 0, login_total: 0, login_distinct: 0,
    global_count: global, global_total: 100_000, global_distinct: 1_000, global_failures: failures, global_failures_total: 10_000
  }
}

const score = (features: RiskFeatureFacts[], options = model): number => riskScore({ features }, options).risk

describe('risk score: the attacker model and the cold start', () => {
  it('cold start: a new login from a value rare among users scores above the prior, from a common one below it', () => {
    const rare = score([fresh('country', 3)])
    const common = score([fresh('country', 40_000)])
    assert.ok(rare > 0.01 && common < 0.01, `rare ${rare}, common ${common}`)
  })

  it('reputation: the same value scores higher the more failed logins came from it', () => {
    const clean = score([fresh('prefix', 10, 0)])
    const some = score([fresh('prefix', 10, 50)])
    const many = score([fresh('prefix', 10, 2_000)])
    assert.ok(clean < some && some < many, `${clean} < ${some} < ${many}`)
  })

  it('attacker_even 0 and attacker_failures 0 give the population attacker alone: a new login scores the prior, whatever its values', () => {
    const engine = new PolicyEngine()
    engine.setPolicyOptions('risky_login', { attacker_even: 0, attacker_failures: 0 })
    const population = engine.optionsOf('risky_login')
    for (const features of [[fresh('country', 3)], [fresh('country', 40_000)], [fresh('prefix', 10, 2_000)]]) {
      assert.ok(Math.abs(score(features, population) - 0.01) < 1e-12)
    }
  })

  it('the attacker model mixes population, even spread and failures; shares above 1 in all are scaled to 1', () => {
    const f = fresh('device', 99, 9) // population 100 / 101,001, even 1 / 1,001, failures 10 / 11,001
    const expected = 0.5 * 100 / 101_001 + 0.2 / 1_001 + 0.3 * 10 / 11_001
    assert.ok(Math.abs(attackerProbability(f, 0.2, 0.3) - expected) < 1e-15)
    assert.ok(Math.abs(attackerProbability(f, 0.8, 0.8) - attackerProbability(f, 0.5, 0.5)) < 1e-15)
    assert.ok(Math.abs(attackerProbability(f, 1, 0) - 1 / 1_001) < 1e-15)
  })

  it('the options are checked: a share outside 0 to 1 is refused with the option named', () => {
    assert.throws(() => new PolicyEngine().setPolicyOptions('risky_login', { attacker_even: 1.5 }), /option "attacker_even" must be between 0 and 1, got 1.5/)
    assert.throws(() => new PolicyEngine().setPolicyOptions('risky_login', { attacker_failures: -0.1 }), /option "attacker_failures" must be between 0 and 1/)
  })
})

describe('risky_login on a new login (defaults: threshold 0.5, min_history 0)', () => {
  /** A takeover-shaped cold start: a rare country and client, from a network that failed often. */
  const takeover: RiskFacts = { features: [fresh('prefix', 0, 300), fresh('country', 5, 40), fresh('device', 2, 100)] }
  /** A new user at home: the population's country, network and client. */
  const newcomer: RiskFacts = { features: [fresh('prefix', 400, 4), fresh('country', 40_000, 400), fresh('device', 30_000, 300)] }
  const success = (risk: RiskFacts) => facts({ risk })

  it('alerts on the takeover-shaped first login, not on the newcomer', () => {
    const engine = engineWith(['risky_login'])
    const [finding] = engine.evaluate(success(takeover)).findings
    assert.equal(finding?.type, 'risky_login')
    assert.ok((finding?.risk ?? 0) >= 0.5)
    assert.deepEqual(engine.evaluate(success(newcomer)).findings, [])
  })

  it('at the default threshold: alerts at exactly the score and just below it, not just above it', () => {
    const risk = riskScore(takeover, model).risk
    const at = (threshold: number) => engineWith(['risky_login'], { risky_login: { threshold } }).evaluate(success(takeover)).findings.length
    assert.equal(at(risk), 1)
    assert.equal(at(risk - 1e-9), 1)
    assert.equal(at(Math.min(1, risk + 1e-9)), 0)
    assert.ok(riskScore(newcomer, model).risk < 0.5 && risk >= 0.5)
  })
})
