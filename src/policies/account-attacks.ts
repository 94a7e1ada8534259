/**
 * Attacks on one account: a success after many failures, many IPs failing on one login, and a
 * success from a source already caught spraying or stuffing.
 */
import { num, severityOption, type OptionValues } from './options.ts'
import { found, loginFinding, missingWindow, nothing, type PolicyDefinition, type PolicyOutcome } from './policy.ts'
import type { AttackerFinding, LoginFacts } from './types.ts'

function loginWindow (facts: LoginFacts, windowS: number) {
  return facts.windows.login.find(window => window.window_s === windowS)
}

export const compromiseAfterFailures: PolicyDefinition = {
  name: 'compromise_after_failures',
  source: 'Wazuh rule 40112 (a success after an authentication-failures alert within 240 s), widened to catch attacks paced over minutes',
  options: {
    window_s: { kind: 'number', default: 3600, min: 1, max: 30 * 86_400, unit: 's', doc: 'how far back failures count' },
    min_failures: { kind: 'number', default: 10, min: 1, integer: true, doc: 'failures of the login (any IP, the successful one included) before the success' },
    severity: severityOption('high')
  },
  requires: options => ({ login_windows_s: [num(options, 'window_s')] }),
  check (facts, options): PolicyOutcome {
    if (!facts.report.success) return nothing()
    const windowS = num(options, 'window_s')
    const window = loginWindow(facts, windowS)
    if (window === undefined) return missingWindow('compromise_after_failures', 'login', windowS)
    if (window.failures < num(options, 'min_failures')) return nothing()
    return found(loginFinding(facts, 'compromise_after_failures', options, {
      window_s: windowS, failures: window.failures, failing_ips: window.failing_ips
    }))
  }
}

export const distributedAccountAttack: PolicyDefinition = {
  name: 'distributed_account_attack',
  source: 'Elastic "Potential Okta Brute Force (Multi-Source)": ≥ 5 source IPs and ≥ 10 failures in 30 min; window widened to 1 h by trackalert for botnets paced over an hour',
  options: {
    window_s: { kind: 'number', default: 3600, min: 1, max: 30 * 86_400, unit: 's', doc: 'sliding window' },
    min_ips: { kind: 'number', default: 5, min: 2, integer: true, doc: 'distinct IPs with a failure for the login' },
    min_failures: { kind: 'number', default: 10, min: 1, integer: true, doc: 'failures of the login' },
    severity: severityOption('high')
  },
  requires: options => ({ login_windows_s: [num(options, 'window_s')] }),
  check (facts, options): PolicyOutcome {
    if (facts.report.success) return nothing()
    const windowS = num(options, 'window_s')
    const window = loginWindow(facts, windowS)
    if (window === undefined) return missingWindow('distributed_account_attack', 'login', windowS)
    if (window.failing_ips < num(options, 'min_ips') || window.failures < num(options, 'min_failures')) return nothing()
    return found(loginFinding(facts, 'distributed_account_attack', options, {
      window_s: windowS, failing_ips: window.failing_ips, failures: window.failures
    }))
  }
}

/**
 * Stored findings against the report's IP or prefix, raised within `active_s` before the report.
 * Spray and stuffing are raised on failures and this policy judges successes, so a finding of the
 * same report can never apply: the stored ones are all there is.
 */
function activeAttackerFindings (facts: LoginFacts, options: OptionValues): AttackerFinding[] {
  const since = facts.report.t - num(options, 'active_s')
  const { remote, prefix } = facts.report
  return facts.attacker_findings.filter(finding =>
    finding.t >= since && finding.t <= facts.report.t &&
    ((finding.scope === 'ip' && finding.key === remote) || (finding.scope === 'prefix' && finding.key === prefix)))
}

export const compromisedByAttacker: PolicyDefinition = {
  name: 'compromised_by_attacker',
  source: 'Elastic "Successful Okta login after credential attack"; active period: trackalert',
  options: {
    active_s: { kind: 'number', default: 86_400, min: 1, max: 30 * 86_400, unit: 's', doc: 'a spray or stuffing finding makes its source suspect for this long' },
    severity: severityOption('critical')
  },
  requires: options => ({ attacker_findings_s: num(options, 'active_s') }),
  check (facts, options, context): PolicyOutcome {
    if (!facts.report.success) return nothing()
    const active = [...activeAttackerFindings(facts, options), ...context.attackedSources]
    if (active.length === 0) return nothing()
    return found(loginFinding(facts, 'compromised_by_attacker', options, {
      attacker_findings: active.map(({ type, scope, key, t }) => ({ type, scope, key, t }))
    }))
  }
}
