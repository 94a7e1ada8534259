/**
 * The policy engine: which built-in policies are enabled, their options, and `evaluate(facts)` that
 * runs the enabled ones over one report's facts. It keeps no state between reports: everything a
 * policy knows comes from the facts, so evaluation order across reports and processes cannot matter.
 */
import { TrackalertError } from '../errors.ts'
import { compromiseAfterFailures, compromisedByAttacker, distributedAccountAttack } from './account-attacks.ts'
import { checkFacts } from './facts.ts'
import { newCountry, newDevice } from './novelty.ts'
import { defaultsOf, mergeOptions, type OptionValues } from './options.ts'
import type { PolicyContext, PolicyDefinition, PolicyNote } from './policy.ts'
import { riskScore, riskyLogin, type RiskResult } from './risk.ts'
import { credentialStuffing, passwordSpray } from './source-attacks.ts'
import { impossibleTravel } from './travel.ts'
import { policyNames, type FactsRequirements, type Finding, type LoginFacts, type PolicyName } from './types.ts'

/** Evaluation order matters within one report only: stuffing before spray (a spray yields to a stuffing finding on the same source). */
export const builtInPolicies: readonly PolicyDefinition[] = [
  credentialStuffing, passwordSpray, distributedAccountAttack, compromiseAfterFailures,
  newDevice, newCountry, impossibleTravel, riskyLogin, compromisedByAttacker
]

const byName = new Map<string, PolicyDefinition>(builtInPolicies.map(policy => [policy.name, policy]))

export interface Evaluation {
  findings: Finding[]
  /** The risk score of a successful login whose facts carry risk inputs; else null. */
  risk: RiskResult | null
  /** Why enabled policies stayed silent where they might have spoken (missing facts, protections). */
  notes: PolicyNote[]
}

function policyError (message: string): TrackalertError {
  return new TrackalertError('TA_ERR_CONFIG_INVALID', message)
}

function definition (caller: string, name: unknown): PolicyDefinition {
  const policy = typeof name === 'string' ? byName.get(name) : undefined
  if (policy === undefined) {
    throw policyError(`${caller}: unknown policy ${JSON.stringify(name) ?? String(name)} (known: ${policyNames.join(', ')})`)
  }
  return policy
}

export class PolicyEngine {
  readonly #enabled = new Set<PolicyName>()
  readonly #options = new Map<PolicyName, OptionValues>(builtInPolicies.map(policy => [policy.name, defaultsOf(policy.options)]))

  /**
   * `enablePolicies()` enables every built-in policy; `enablePolicies{ "a", "b" }` exactly those. Each
   * call replaces the previous set (the last call in the configuration wins). Options set with
   * `setPolicyOptions` are kept whatever the order of the two calls.
   */
  enablePolicies (names?: unknown): void {
    if (names === undefined) {
      this.#setEnabled(policyNames)
      return
    }
    if (!Array.isArray(names) || names.length === 0) {
      throw policyError('enablePolicies: give a list of policy names, or no argument for all of them')
    }
    this.#setEnabled(names.map(name => definition('enablePolicies', name).name))
  }

  /** Sets some options of one policy, enabled or not; a bad option refuses the whole call. */
  setPolicyOptions (name: unknown, options: unknown): void {
    const policy = definition('setPolicyOptions', name)
    const current = this.optionsOf(policy.name)
    this.#options.set(policy.name, mergeOptions(policy.name, policy.options, current, options))
  }

  get enabled (): PolicyName[] {
    return policyNames.filter(name => this.#enabled.has(name))
  }

  optionsOf (name: PolicyName): OptionValues {
    const options = this.#options.get(name)
    if (options === undefined) throw policyError(`unknown policy ${name}`)
    return options
  }

  /** The facts the enabled policies need, so the history answers exactly these questions. */
  requirements (): FactsRequirements {
    const ip = new Set<number>()
    const prefix = new Set<number>()
    const login = new Set<number>()
    const needs: FactsRequirements = { ip_windows_s: [], prefix_windows_s: [], login_windows_s: [], attacker_findings_s: 0, risk: false }
    for (const policy of this.#enabledDefinitions()) {
      const wants = policy.requires(this.optionsOf(policy.name))
      wants.ip_windows_s?.forEach(s => ip.add(s))
      wants.prefix_windows_s?.forEach(s => prefix.add(s))
      wants.login_windows_s?.forEach(s => login.add(s))
      needs.attacker_findings_s = Math.max(needs.attacker_findings_s, wants.attacker_findings_s ?? 0)
      needs.risk ||= wants.risk === true
    }
    const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b)
    return { ...needs, ip_windows_s: sorted(ip), prefix_windows_s: sorted(prefix), login_windows_s: sorted(login) }
  }

  /**
   * Runs the enabled policies over one report. The risk score is computed for every successful login
   * whose facts carry risk inputs, with risky_login's model options, whether risky_login alerts or not:
   * the score is recorded and shown to Lua on its own.
   */
  evaluate (facts: LoginFacts): Evaluation {
    checkFacts(facts)
    const risk = facts.report.success && facts.risk !== null ? riskScore(facts.risk, this.optionsOf('risky_login')) : null
    const findings: Finding[] = []
    const notes: PolicyNote[] = []
    const context: PolicyContext = { risk, findings, attackedSources: [] }
    for (const policy of this.#enabledDefinitions()) {
      const outcome = policy.check(facts, this.optionsOf(policy.name), context)
      findings.push(...outcome.findings)
      notes.push(...outcome.notes)
    }
    if (risk !== null) {
      for (const finding of findings) if (finding.login !== null) finding.risk = risk.risk
    }
    return { findings, risk, notes }
  }

  #setEnabled (names: readonly PolicyName[]): void {
    this.#enabled.clear()
    for (const name of names) this.#enabled.add(name)
  }

  #enabledDefinitions (): PolicyDefinition[] {
    return builtInPolicies.filter(policy => this.#enabled.has(policy.name))
  }
}
