/**
 * new_device and new_country: a successful login with a device family or a country the login has
 * never succeeded with, once the login's learning period is over.
 */
import { num, severityOption, type OptionSpecs, type OptionValues } from './options.ts'
import { found, loginFinding, noted, nothing, type PolicyDefinition, type PolicyOutcome } from './policy.ts'
import type { LoginFacts, LoginProfile, PolicyName, SeenValue } from './types.ts'

const DAY_S = 86_400

export const learningOptions = {
  learning_days: {
    kind: 'number', default: 14, min: 0, max: 3650, unit: 'days',
    doc: 'the learning period ends this long after the login\'s first report…'
  },
  learning_successes: {
    kind: 'number', default: 5, min: 0, max: 1_000_000, integer: true,
    doc: '…or after this many successful logins, whichever comes first'
  }
} as const satisfies OptionSpecs

export interface LearningState {
  learning: boolean
  days: number | null
  successes: number
}

/**
 * A login is learning until `learning_days` have passed since its first report or it has
 * `learning_successes` successful logins, whichever comes first. A login never seen is learning.
 * Both limits are inclusive: 14 days and 0 s, or the 5th success, ends it.
 */
export function learningState (profile: LoginProfile, t: number, options: OptionValues): LearningState {
  const days = profile.first_seen === null ? null : (t - profile.first_seen) / DAY_S
  const ended = profile.successes >= num(options, 'learning_successes') ||
    (days !== null && days >= num(options, 'learning_days'))
  return { learning: !ended, days, successes: profile.successes }
}

/** A value is known when the login has succeeded with it: an attacker's failed tries teach nothing. */
function knownEntry (entries: readonly SeenValue[], value: string): SeenValue | undefined {
  return entries.find(entry => entry.value === value && entry.successes > 0)
}

function noveltyCheck (
  name: PolicyName,
  valueOf: (facts: LoginFacts) => string | null,
  entriesOf: (profile: LoginProfile) => readonly SeenValue[],
  label: string
): PolicyDefinition['check'] {
  return (facts, options): PolicyOutcome => {
    const { report, profile } = facts
    if (!report.success) return nothing()
    const value = valueOf(facts)
    if (value === null || value === '') return noted(name, `the report has no ${label}`)
    const known = entriesOf(profile)
    if (knownEntry(known, value) !== undefined) return nothing()
    const learning = learningState(profile, report.t, options)
    if (learning.learning) {
      return noted(name, 'the login is in its learning period', { [label]: value, ...learning })
    }
    return found(loginFinding(facts, name, options, {
      [label]: value,
      known: known.filter(entry => entry.successes > 0).map(entry => entry.value),
      login_successes: profile.successes,
      login_first_seen: profile.first_seen
    }))
  }
}

export const newDevice: PolicyDefinition = {
  name: 'new_device',
  source: 'Okta "new device" notification, Auth0 new-device e-mail; learning period: issue 17 defaults',
  options: { ...learningOptions, severity: severityOption('low') },
  requires: () => ({}),
  check: noveltyCheck('new_device', facts => facts.report.device, profile => profile.devices, 'device')
}

export const newCountry: PolicyDefinition = {
  name: 'new_country',
  source: 'Okta "new country" behaviour detection (Okta Adaptive MFA); learning period: issue 17 defaults',
  options: { ...learningOptions, severity: severityOption('medium') },
  requires: () => ({}),
  check: noveltyCheck('new_country', facts => facts.report.country, profile => profile.countries, 'country')
}
