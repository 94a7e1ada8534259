/** Hand-built facts for policy tests: a report with an empty history, changed per test. */
import { PolicyEngine } from '../../src/policies/index.ts'
import type { LoginFacts, LoginWindow, PolicyName, SeenValue, SourceWindow } from '../../src/policies/index.ts'

export const T0 = 1_700_000_000
export const DAY = 86_400

export function facts (changes: {
  report?: Partial<LoginFacts['report']>
  profile?: Partial<LoginFacts['profile']>
  ip?: SourceWindow[]
  prefix?: SourceWindow[]
  login?: LoginWindow[]
  attacker_findings?: LoginFacts['attacker_findings']
  risk?: LoginFacts['risk']
} = {}): LoginFacts {
  return {
    report: {
      t: T0, login: 'alice', remote: '192.0.2.10', prefix: '192.0.2.0/24', success: true,
      device: 'Firefox/Linux', country: 'NL', location: null, ...changes.report
    },
    profile: { first_seen: null, successes: 0, devices: [], countries: [], last_success: null, ...changes.profile },
    windows: { ip: changes.ip ?? [], prefix: changes.prefix ?? [], login: changes.login ?? [] },
    attacker_findings: changes.attacker_findings ?? [],
    risk: changes.risk ?? null
  }
}

export function seen (value: string, successes: number, failures = 0, firstSeen = T0 - 30 * DAY): SeenValue {
  return { value, first_seen: firstSeen, last_seen: T0 - DAY, successes, failures }
}

/** A login out of its learning period (30 days old, 20 successes) that knows `devices` and `countries`. */
export function established (devices: SeenValue[] = [seen('Firefox/Linux', 20)], countries: SeenValue[] = [seen('NL', 20)]): Partial<LoginFacts['profile']> {
  return { first_seen: T0 - 30 * DAY, successes: 20, devices, countries }
}

export function sourceWindow (window_s: number, w: Partial<SourceWindow> = {}): SourceWindow {
  return { window_s, failures: 0, successes: 0, failing_logins: 0, succeeding_logins: 0, max_failures_per_login: 0, ...w }
}

export function loginWindow (window_s: number, w: Partial<LoginWindow> = {}): LoginWindow {
  return { window_s, failures: 0, successes: 0, failing_ips: 0, ...w }
}

/** An engine with only `names` enabled and the given options. */
export function engineWith (names: PolicyName[], options: Partial<Record<PolicyName, Record<string, unknown>>> = {}): PolicyEngine {
  const engine = new PolicyEngine()
  engine.enablePolicies(names)
  for (const [name, values] of Object.entries(options)) engine.setPolicyOptions(name, values)
  return engine
}

/** The finding types raised for `input` by an engine running only `name`. */
export function typesFor (engine: PolicyEngine, input: LoginFacts): string[] {
  return engine.evaluate(input).findings.map(finding => finding.type)
}
