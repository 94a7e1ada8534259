import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PolicyEngine, riskScore, type RiskFacts, type RiskFeatureFacts } from '../../src/policies/index.ts'
import { engineWith, established, facts } from './facts.ts'

const model = new PolicyEngine().optionsOf('risky_login')

/**
 * A feature of a login with `n` successes over `distinct` values, `count` of them with this value. By
 * default the value is a typical one: 1 in 5,000 of the successes and of the failures, with 4,999
 * values known (smoothed: 20 / 100,000 and 2 / 10,000), so the attacker model (population, even
 * spread, failures) gives it exactly its population share and the ratios are the user model's alone.
 */
function feature (name: RiskFeatureFacts['feature'], count: number, n = 20, distinct = 2, global = 19): RiskFeatureFacts {
  return {
    feature: name, value: `${name}-value`, login_count: count, login_total: n, login_distinct: distinct,
    global_count: global, global_total: 95_000, global_distinct: 4_999, global_failures: 1, global_failures_total: 5_000
  }
}

/** A takeover-shaped login: every feature new for a login with 20 successes over 2 values each. */
const allNew = (): RiskFacts => ({ features: [feature('ip', 0), feature('prefix', 0), feature('country', 0), feature('device', 0)] })
const allKnown = (): RiskFacts => ({ features: [feature('ip', 15), feature('prefix', 18), feature('country', 20), feature('device', 19)] })

function withFeature (base: RiskFacts, name: RiskFeatureFacts['feature'], change: Partial<RiskFeatureFacts>): RiskFacts {
  return { features: base.features.map(f => f.feature === name ? { ...f, ...change } : f) }
}

describe('risk score', () => {
  it('lies in [0, 1]: near 1 for a login that is new in every feature, near 0 for a usual one', () => {
    const high = riskScore(allNew(), model).risk
    const low = riskScore(allKnown(), model).risk
    assert.ok(high > 0.95 && high <= 1, `all new: ${high}`) // 7⁴ = 2401 to 1 against odds of 1 to 99
    assert.ok(low >= 0 && low < 0.001, `all known: ${low}`)
  })

  for (const name of ['device', 'country', 'ip', 'prefix'] as const) {
    it(`a known ${name} lowers the risk, and more use of it lowers it more`, () => {
      const unseen = riskScore(allNew(), model).risk
      const once = riskScore(withFeature(allNew(), name, { login_count: 1 }), model).risk
      const often = riskScore(withFeature(allNew(), name, { login_count: 15 }), model).risk
      assert.ok(once < unseen && often < once, `${name}: ${unseen} > ${once} > ${often}`)
    })
  }

  it('cold start: a login with no history, on values as common among attackers as among users, scores the prior', () => {
    const fresh: RiskFacts = { features: allNew().features.map(f => ({ ...f, login_total: 0, login_distinct: 0 })) }
    const result = riskScore(fresh, model)
    assert.ok(Math.abs(result.risk - 0.01) < 1e-12)
    assert.ok(result.features.every(f => f.likelihood_ratio === 1))
  })

  it('history grows the surprise of a new value: 2 < 5 < 50 successes', () => {
    const at = (n: number) => riskScore({ features: allNew().features.map(f => ({ ...f, login_total: n, login_distinct: 1 })) }, model).risk
    assert.ok(at(2) < at(5) && at(5) < at(50), `${at(2)} < ${at(5)} < ${at(50)}`)
  })

  it('smoothing: a new IP surprises a one-IP user far more than a user whose IPs always change', () => {
    const oneIp = riskScore({ features: [feature('ip', 0, 100, 1)] }, model)
    const mobile = riskScore({ features: [feature('ip', 0, 100, 100)] }, model)
    assert.ok(Math.abs((oneIp.features[0]?.likelihood_ratio ?? 0) - 101 / 2) < 0.01)
    assert.ok(Math.abs((mobile.features[0]?.likelihood_ratio ?? 0) - 101 / 101) < 0.01)
    assert.ok(oneIp.risk > mobile.risk)
  })

  it('smoothing: a value never seen globally still gives a finite ratio, and α changes its weight', () => {
    const never = riskScore({ features: [{ ...feature('device', 0), global_count: 0 }] }, model)
    assert.ok(Number.isFinite(never.features[0]?.likelihood_ratio) && never.risk < 1)
    const engine = new PolicyEngine()
    engine.setPolicyOptions('risky_login', { smoothing: 100 })
    const damped = riskScore({ features: [feature('device', 0, 20, 1)] }, engine.optionsOf('risky_login'))
    const sharp = riskScore({ features: [feature('device', 0, 20, 1)] }, model)
    assert.ok(damped.risk < sharp.risk)
  })

  it('a value common in the population reassures less when known than a rare one', () => {
    const rare = riskScore({ features: [feature('device', 10, 20, 2, 10)] }, model).risk
    const common = riskScore({ features: [feature('device', 10, 20, 2, 40_000)] }, model).risk
    assert.ok(rare < common)
  })

  it('ASN stands in for the country when given; unknown values and weight 0 leave a feature out', () => {
    const both: RiskFacts = { features: [feature('asn', 0), feature('country', 20)] }
    assert.deepEqual(riskScore(both, model).features.map(f => f.feature), ['asn'])
    const noAsn: RiskFacts = { features: [{ ...feature('asn', 0), value: null }, feature('country', 20)] }
    assert.deepEqual(riskScore(noAsn, model).features.map(f => f.feature), ['country'])
    const engine = new PolicyEngine()
    engine.setPolicyOptions('risky_login', { ip_weight: 0, prefix_weight: 0, country_weight: 0, device_weight: 0 })
    assert.ok(Math.abs(riskScore(allNew(), engine.optionsOf('risky_login')).risk - 0.01) < 1e-12)
  })
})

describe('risky_login', () => {
  const success = (risk: RiskFacts, successes = 20) => facts({ profile: { ...established(), successes }, risk })
  const score = riskScore(withFeature(allNew(), 'device', { login_count: 5 }), model).risk

  it('alerts at the threshold and above, not just below it', () => {
    const at = (threshold: number) => engineWith(['risky_login'], { risky_login: { threshold } }).evaluate(success(withFeature(allNew(), 'device', { login_count: 5 })))
    assert.deepEqual(at(score - 1e-9).findings.map(f => f.type), ['risky_login'])
    assert.deepEqual(at(score).findings.map(f => f.type), ['risky_login'])
    assert.deepEqual(at(Math.min(1, score + 1e-9)).findings, [])
  })

  it('carries the risk and the per-feature ratios; the default threshold is 0.5, set from npm run eval', () => {
    assert.equal(engineWith(['risky_login']).optionsOf('risky_login').threshold, 0.5)
    const [finding] = engineWith(['risky_login']).evaluate(success(allNew())).findings
    assert.equal(finding?.type, 'risky_login')
    assert.ok((finding?.risk ?? 0) > 0.95)
    assert.deepEqual((finding?.evidence.features as Array<{ feature: string }>).map(f => f.feature), ['ip', 'prefix', 'country', 'device'])
    assert.deepEqual(engineWith(['risky_login']).evaluate(success(allKnown())).findings, [])
  })

  it('min_history: no alert before that many successful logins, whatever the score', () => {
    const engine = engineWith(['risky_login'], { risky_login: { min_history: 5 } })
    assert.deepEqual(engine.evaluate(success(allNew(), 4)).findings, [])
    assert.match(engine.evaluate(success(allNew(), 4)).notes[0]?.reason ?? '', /cold start/)
    assert.deepEqual(engine.evaluate(success(allNew(), 5)).findings.map(f => f.type), ['risky_login'])
  })

  it('the score is computed for successes only, and only when the facts carry risk inputs', () => {
    const engine = engineWith(['new_device'])
    assert.ok((engine.evaluate(success(allNew())).risk?.risk ?? 0) > 0.95)
    const failure = success(allNew())
    failure.report.success = false
    assert.equal(engine.evaluate(failure).risk, null)
    assert.equal(engine.evaluate(facts({ profile: established() })).risk, null)
  })
})
