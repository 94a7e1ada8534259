/** What the generator injected, for scoring: one label per attack (or per compromised account). */
export const ATTACK_TYPES = [
  'password_spray',
  'credential_stuffing',
  'distributed_account_attack',
  'compromise_after_failures',
  'compromised_by_attacker',
  'impossible_travel',
  'new_device',
  'new_country',
  'account_takeover'
] as const

export type AttackType = typeof ATTACK_TYPES[number]

export interface Label {
  readonly id: number
  readonly type: AttackType
  /** The attacked account; null for IP-level attacks on many accounts. */
  readonly login: string | null
  /** Attacker addresses, and their common /24 when the attack came from a prefix. */
  readonly ips: readonly string[]
  readonly prefix: string | null
  readonly t_start: number
  readonly t_end: number
  /** Ids of the reports the attack produced (filled once the stream is ordered). */
  readonly report_ids: number[]
}

/** Attacker successes: the logins a takeover detector (and the risk score) should single out. */
export const TAKEOVER_TYPES: ReadonlySet<AttackType> = new Set([
  'compromise_after_failures', 'compromised_by_attacker', 'impossible_travel', 'new_device', 'new_country', 'account_takeover'
])
