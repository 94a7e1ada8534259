/**
 * Attacks from one source (an IP, else its prefix) on many accounts: password spraying and credential
 * stuffing, with the shared-address rule that keeps busy NATs from looking like either.
 */
import { num, severityOf, severityOption, type OptionSpecs, type OptionValues } from './options.ts'
import { missingWindow, noted, nothing, type PolicyContext, type PolicyDefinition, type PolicyOutcome } from './policy.ts'
import type { LoginFacts, PolicyName, SourceWindow } from './types.ts'

type Scope = 'ip' | 'prefix'

/**
 * Shared-address rule: a source is shared (a NAT with many users, a carrier NAT) when, over
 * `shared_window_s`, at least `shared_min_success_logins` distinct logins succeeded from it AND
 * successes make at least `shared_min_success_share` of its attempts. Users behind a NAT mostly type
 * their password right; a spraying or stuffing source mostly fails, whatever valid pairs it finds.
 */
const sharedOptions = {
  shared_window_s: { kind: 'number', default: 3600, min: 1, max: 30 * 86_400, unit: 's', doc: 'window over which a source\'s successes are weighed against its failures' },
  shared_min_success_logins: { kind: 'number', default: 5, min: 0, integer: true, doc: 'distinct logins that succeeded from the source (a number no source reaches turns the rule off)' },
  shared_min_success_share: { kind: 'number', default: 0.5, min: 0, max: 1, doc: 'successes / (successes + failures) from the source' }
} as const satisfies OptionSpecs

interface SharedVerdict { shared: boolean, evidence: Record<string, unknown> }

export function sharedAddress (window: SourceWindow, options: OptionValues): SharedVerdict {
  const attempts = window.successes + window.failures
  const share = attempts === 0 ? 0 : window.successes / attempts
  const shared = window.succeeding_logins >= num(options, 'shared_min_success_logins') &&
    share >= num(options, 'shared_min_success_share')
  return {
    shared,
    evidence: { window_s: window.window_s, successes: window.successes, failures: window.failures, succeeding_logins: window.succeeding_logins, success_share: Math.round(share * 1000) / 1000 }
  }
}

interface SourceRule {
  name: PolicyName
  matches: (window: SourceWindow, options: OptionValues) => boolean
  /** Another finding of this evaluation that already explains the source (spray yields to stuffing). */
  yieldsTo?: PolicyName
  /** The window shows this rule's own shape, so it is reported even beside `yieldsTo`. */
  distinct?: (window: SourceWindow, options: OptionValues) => boolean
}

function windowsOf (facts: LoginFacts, scope: Scope): SourceWindow[] {
  return scope === 'ip' ? facts.windows.ip : facts.windows.prefix
}

function checkScope (rule: SourceRule, facts: LoginFacts, scope: Scope, key: string, options: OptionValues, context: PolicyContext): PolicyOutcome | null {
  const windowS = num(options, 'window_s')
  const sharedS = num(options, 'shared_window_s')
  const window = windowsOf(facts, scope).find(w => w.window_s === windowS)
  if (window === undefined) return missingWindow(rule.name, scope, windowS)
  if (!rule.matches(window, options)) return null
  const sharedWindow = windowsOf(facts, scope).find(w => w.window_s === sharedS)
  if (sharedWindow === undefined) return missingWindow(rule.name, scope, sharedS)
  const shared = sharedAddress(sharedWindow, options)
  if (shared.shared) return noted(rule.name, `the ${scope} is a shared address`, { scope, key, ...shared.evidence })
  // Every finding of one evaluation concerns this report's IP or prefix: one of them explains both.
  const explained = rule.distinct?.(window, options) === true ? undefined : context.findings.find(finding => finding.type === rule.yieldsTo)
  if (explained !== undefined) return noted(rule.name, `${explained.type} already reported the source`, { scope, key })
  return {
    findings: [{
      type: rule.name,
      severity: severityOf(options),
      login: null,
      remote: facts.report.remote,
      t: facts.report.t,
      evidence: {
        scope, key, window_s: windowS,
        failures: window.failures,
        failing_logins: window.failing_logins,
        max_failures_per_login: window.max_failures_per_login,
        successes: window.successes,
        last_login: facts.report.login
      }
    }],
    notes: []
  }
}

/**
 * On a success the source is judged the same way but raises nothing: a match is handed to
 * `compromised_by_attacker` through the context (the source's finding came from its failures).
 */
function noteAttackedSource (rule: SourceRule, facts: LoginFacts, options: OptionValues, context: PolicyContext): PolicyOutcome {
  for (const [scope, key] of [['ip', facts.report.remote], ['prefix', facts.report.prefix]] as const) {
    if (key === null) continue
    const outcome = checkScope(rule, facts, scope, key, options, context)
    if (outcome !== null && outcome.findings.length > 0) {
      context.attackedSources.push({ type: rule.name === 'password_spray' ? 'password_spray' : 'credential_stuffing', scope, key, t: facts.report.t })
      return nothing()
    }
  }
  return nothing()
}

/**
 * The IP is judged first; its prefix only when the IP alone does not match, so an attacker rotating
 * addresses inside one network is caught without a second finding for a single noisy IP.
 */
function sourceCheck (rule: SourceRule): PolicyDefinition['check'] {
  return (facts, options, context) => {
    if (facts.report.success) return noteAttackedSource(rule, facts, options, context)
    const byIp = checkScope(rule, facts, 'ip', facts.report.remote, options, context)
    if (byIp !== null && byIp.findings.length > 0) return byIp
    const byPrefix = facts.report.prefix === null ? null : checkScope(rule, facts, 'prefix', facts.report.prefix, options, context)
    return { findings: byPrefix?.findings ?? [], notes: [...(byIp?.notes ?? []), ...(byPrefix?.notes ?? [])] }
  }
}

function sourceRequires (options: OptionValues): ReturnType<PolicyDefinition['requires']> {
  const windows = [num(options, 'window_s'), num(options, 'shared_window_s')]
  return { ip_windows_s: windows, prefix_windows_s: windows }
}

export const passwordSpray: PolicyDefinition = {
  name: 'password_spray',
  source: 'Elastic "Potential Okta Password Spray (Single Source)": ≥ 5 users, ≥ 15 failures in 1 h, 2 to 8 per user',
  options: {
    window_s: { kind: 'number', default: 3600, min: 1, max: 30 * 86_400, unit: 's', doc: 'sliding window' },
    min_logins: { kind: 'number', default: 5, min: 1, integer: true, doc: 'distinct logins failing from the source' },
    min_failures: { kind: 'number', default: 15, min: 1, integer: true, doc: 'failures from the source' },
    max_per_login: { kind: 'number', default: 8, min: 1, integer: true, doc: 'at most this many failures of any one login (more is brute force on one account)' },
    min_top_login_failures: { kind: 'number', default: 2, min: 1, integer: true, doc: 'the most-tried login failed at least this often (a spray cycles passwords over the same accounts; one try each is stuffing)' },
    distinct_mean_per_login: { kind: 'number', default: 1.75, min: 1, doc: 'failures per failing login at which the spray is reported beside a credential_stuffing finding (a second round of passwords); below it the spray yields' },
    ...sharedOptions,
    severity: severityOption('high')
  },
  requires: sourceRequires,
  check: sourceCheck({
    name: 'password_spray',
    yieldsTo: 'credential_stuffing',
    distinct: (w, o) => w.failures >= num(o, 'distinct_mean_per_login') * w.failing_logins,
    matches: (w, o) => w.failing_logins >= num(o, 'min_logins') && w.failures >= num(o, 'min_failures') &&
      w.max_failures_per_login <= num(o, 'max_per_login') && w.max_failures_per_login >= num(o, 'min_top_login_failures')
  })
}

export const credentialStuffing: PolicyDefinition = {
  name: 'credential_stuffing',
  source: 'Elastic "Potential Okta Credential Stuffing (Single Source)": ≥ 15 users, ≥ 25 failures in 15 min, ≤ 2 per user',
  options: {
    window_s: { kind: 'number', default: 900, min: 1, max: 30 * 86_400, unit: 's', doc: 'sliding window' },
    min_logins: { kind: 'number', default: 15, min: 1, integer: true, doc: 'distinct logins failing from the source' },
    min_failures: { kind: 'number', default: 25, min: 1, integer: true, doc: 'failures from the source' },
    max_per_login: { kind: 'number', default: 2, min: 1, integer: true, doc: 'at most this many failures of any one login (a list tries each pair once or twice)' },
    ...sharedOptions,
    severity: severityOption('high')
  },
  requires: sourceRequires,
  check: sourceCheck({
    name: 'credential_stuffing',
    matches: (w, o) => w.failing_logins >= num(o, 'min_logins') && w.failures >= num(o, 'min_failures') &&
      w.max_failures_per_login <= num(o, 'max_per_login')
  })
}
