/** What a built-in policy is: its options, the facts it needs, and a pure check over those facts. */
import { severityOf, type OptionSpecs, type OptionValues } from './options.ts'
import type { FactsRequirements, Finding, LoginFacts, PolicyName, AttackerFinding } from './types.ts'
import type { RiskResult } from './risk.ts'

/** Why a policy said nothing although it could have: a missing fact, a protection rule. */
export interface PolicyNote {
  policy: PolicyName
  reason: string
  evidence?: Record<string, unknown>
}

/** What the policies of one evaluation share: the risk score, and the findings raised before. */
export interface PolicyContext {
  risk: RiskResult | null
  findings: readonly Finding[]
  /**
   * Sources that match spray or stuffing on a successful report (those policies raise findings on
   * failures only): the success itself is then `compromised_by_attacker`, judged from the shared
   * store's windows, so it does not depend on which process raised the source's finding.
   */
  attackedSources: AttackerFinding[]
}

export interface PolicyOutcome {
  findings: Finding[]
  notes: PolicyNote[]
}

export interface PolicyDefinition {
  name: PolicyName
  /** Where the defaults come from (docs/policies.md prints it). */
  source: string
  options: OptionSpecs
  requires: (options: OptionValues) => Partial<FactsRequirements>
  check: (facts: LoginFacts, options: OptionValues, context: PolicyContext) => PolicyOutcome
}

export const nothing = (): PolicyOutcome => ({ findings: [], notes: [] })

export const noted = (policy: PolicyName, reason: string, evidence?: Record<string, unknown>): PolicyOutcome =>
  ({ findings: [], notes: [evidence === undefined ? { policy, reason } : { policy, reason, evidence }] })

export function found (finding: Finding): PolicyOutcome {
  return { findings: [finding], notes: [] }
}

/** A finding about the report's login (login-level), at the report's event time. */
export function loginFinding (facts: LoginFacts, type: PolicyName, options: OptionValues, evidence: Record<string, unknown>): Finding {
  return { type, severity: severityOf(options), login: facts.report.login, remote: facts.report.remote, t: facts.report.t, evidence }
}

export function missingWindow (policy: PolicyName, scope: string, windowS: number): PolicyOutcome {
  return noted(policy, `facts lack the ${scope} window of ${windowS} s`)
}
