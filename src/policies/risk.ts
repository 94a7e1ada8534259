/**
 * The per-login risk score, after Freeman et al., "Who Are You? A Statistical Approach to Measuring
 * User Authenticity" (NDSS 2016): for each feature of a successful login, the likelihood ratio
 * p(value | attacker) / p(value | this user), multiplied over features (naive Bayes) and turned into a
 * posterior probability with a prior. The attacker model mixes the global population of successful
 * logins (an attacker logs in like a random user) with an even spread over the values and with where
 * failures come from, so a value rare among users or frequent among failures is likelier an
 * attacker's even for a login without history; the user model is the login's own history, smoothed so
 * an unseen value gets the share of logins in which this user used a new value. The model is
 * documented in docs/policies.md, "Risk score".
 */
import { num, severityOption, type OptionValues } from './options.ts'
import { found, loginFinding, noted, nothing, type PolicyDefinition, type PolicyOutcome } from './policy.ts'
import type { RiskFacts, RiskFeature, RiskFeatureFacts } from './types.ts'

export interface FeatureRisk {
  feature: RiskFeature
  value: string
  seen: boolean
  /** p(value | attacker) / p(value | user); above 1 raises the risk. */
  likelihood_ratio: number
}

export interface RiskResult {
  risk: number
  features: FeatureRisk[]
}

/** p(value | population): the value's share of successful logins, add-one smoothed over the known values plus one unseen. */
export function populationProbability (f: RiskFeatureFacts): number {
  return (f.global_count + 1) / (f.global_total + f.global_distinct + 1)
}

/** The value's share of failed logins, smoothed the same way: where failures (mostly attacks) come from. */
export function failureProbability (f: RiskFeatureFacts): number {
  return (f.global_failures + 1) / (f.global_failures_total + f.global_distinct + 1)
}

/**
 * p(value | attacker): a mixture of the population (an attacker logs in like a random user), an even
 * spread over the known values plus one unseen (an attacker's country or network is not chosen the
 * way the users' are: the model is flatter than the population) and the
 * failures' distribution (a value attackers already failed from is likelier theirs). The population
 * gets what `even` and `failures` leave; when they add up to more than 1 they are scaled to sum 1.
 */
export function attackerProbability (f: RiskFeatureFacts, even: number, failures: number): number {
  const population = Math.max(0, 1 - even - failures)
  const mix = population * populationProbability(f) + even / (f.global_distinct + 1) + failures * failureProbability(f)
  return mix / (population + even + failures)
}

/**
 * p(value | user). The mass of "a value never used before" is estimated from the user's own habit:
 * (distinct values + α) / (logins + α), so a user on ever-changing mobile IPs is not
 * surprised by a new IP while a user with one home IP is. That mass is spread over unseen values by
 * their population frequency; the rest goes to the seen values in proportion to their counts. With no
 * history the user model is the population (the cold start): the score is then the attacker model
 * against the population's habits, low for a common home country and client, high for a rare one.
 */
export function userProbability (f: RiskFeatureFacts, alpha: number, pPopulation: number): number {
  if (f.login_total <= 0) return pPopulation
  const distinct = Math.max(1, Math.min(f.login_distinct, f.login_total))
  const unseenMass = Math.min(1, (distinct + alpha) / (f.login_total + alpha))
  if (f.login_count <= 0) return unseenMass * pPopulation
  return (1 - unseenMass) * Math.min(1, f.login_count / f.login_total) + unseenMass * pPopulation
}

/** ASN, when the facts give one, stands in for the country: both say "which network, where". */
function usedFeatures (facts: RiskFacts): Array<RiskFeatureFacts & { value: string }> {
  const present = facts.features.filter((f): f is RiskFeatureFacts & { value: string } => f.value !== null && f.value !== '')
  const hasAsn = present.some(f => f.feature === 'asn')
  return present.filter(f => !(hasAsn && f.feature === 'country'))
}

export function riskScore (facts: RiskFacts, options: OptionValues): RiskResult {
  const alpha = num(options, 'smoothing')
  const prior = num(options, 'attack_prior')
  let logOdds = Math.log(prior / (1 - prior))
  const features: FeatureRisk[] = []
  for (const f of usedFeatures(facts)) {
    const weight = num(options, `${f.feature}_weight`)
    const pPopulation = populationProbability(f)
    const pAttacker = attackerProbability(f, num(options, 'attacker_even'), num(options, 'attacker_failures'))
    const ratio = pAttacker / userProbability(f, alpha, pPopulation)
    logOdds += weight * Math.log(ratio)
    features.push({ feature: f.feature, value: f.value, seen: f.login_count > 0, likelihood_ratio: round(ratio) })
  }
  return { risk: 1 / (1 + Math.exp(-logOdds)), features }
}

function round (x: number): number {
  return Number(x.toPrecision(4))
}

const weight = (feature: RiskFeature) => ({
  kind: 'number', default: 1, min: 0, max: 10, doc: `weight of the ${feature} likelihood ratio (0 leaves it out)`
} as const)

export const riskyLogin: PolicyDefinition = {
  name: 'risky_login',
  source: 'Freeman et al., NDSS 2016 (model); attacker mixture, threshold and prior: trackalert, set with npm run eval',
  options: {
    threshold: { kind: 'number', default: 0.5, min: 0, max: 1, doc: 'alert when the risk is at least this (0.5: an attacker\'s login is then at least as likely as the owner\'s)' },
    attack_prior: { kind: 'number', default: 0.01, min: 1e-9, max: 0.5, doc: 'prior probability that a successful login is an attacker\'s' },
    attacker_even: { kind: 'number', default: 0.2, min: 0, max: 1, doc: 'share of the attacker model spread evenly over the values (0 with attacker_failures 0: the population alone)' },
    attacker_failures: { kind: 'number', default: 0.3, min: 0, max: 1, doc: 'share of the attacker model that follows the values\' failed logins (reputation)' },
    smoothing: { kind: 'number', default: 1, min: 1e-6, max: 1000, doc: 'α: pseudo-count added to the user\'s new-value habit' },
    min_history: { kind: 'number', default: 0, min: 0, integer: true, doc: 'no alert before the login has this many successful logins (the model scores a new login itself)' },
    ip_weight: weight('ip'),
    prefix_weight: weight('prefix'),
    asn_weight: weight('asn'),
    country_weight: weight('country'),
    device_weight: weight('device'),
    severity: severityOption('medium')
  },
  requires: () => ({ risk: true }),
  check (facts, options, context): PolicyOutcome {
    if (!facts.report.success || context.risk === null) return nothing()
    const { risk } = context.risk
    if (risk < num(options, 'threshold')) return nothing()
    const history = facts.profile.successes
    if (history < num(options, 'min_history')) {
      return noted('risky_login', 'cold start: the login has too little history', { risk, login_successes: history })
    }
    return found({
      ...loginFinding(facts, 'risky_login', options, { threshold: num(options, 'threshold'), features: context.risk.features }),
      risk
    })
  }
}
