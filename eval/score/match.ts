/**
 * Pairs alerts with labels. An alert matches a label when it names the label's account, or its
 * address (or prefix) is one of the attack's, and its event time falls in the attack window (from a
 * minute before the first report to an hour after the last: thresholds are crossed during the
 * attack, rate-limited alerts can come a little later). An alert matching no label is a false alert.
 */
import { ipv4Number } from '../geo/mmdb-leaves.ts'
import type { Alert } from '../replay/alerts.ts'
import type { AttackType, Label } from '../model/labels.ts'

export const POLICIES = [
  'password_spray', 'credential_stuffing', 'distributed_account_attack', 'compromise_after_failures',
  'compromised_by_attacker', 'impossible_travel', 'new_device', 'new_country', 'risky_login'
] as const
export type Policy = typeof POLICIES[number]

/** Findings for an admin (the ≤ 1 false alert per 10K users per day target). */
export const ADMIN_POLICIES: ReadonlySet<string> = new Set(['password_spray', 'credential_stuffing', 'distributed_account_attack', 'compromise_after_failures', 'compromised_by_attacker', 'impossible_travel'])
/** Notifications to the user (the ≤ 1 per user per month target). */
export const USER_POLICIES: ReadonlySet<string> = new Set(['new_device', 'new_country'])

/** The attacks each policy is built to catch: its recall is measured over these labels. */
export const TARGETS: Readonly<Record<Policy, readonly AttackType[]>> = {
  password_spray: ['password_spray'],
  credential_stuffing: ['credential_stuffing'],
  distributed_account_attack: ['distributed_account_attack'],
  compromise_after_failures: ['compromise_after_failures'],
  compromised_by_attacker: ['compromised_by_attacker'],
  impossible_travel: ['impossible_travel'],
  new_device: ['new_device', 'account_takeover'],
  new_country: ['new_country', 'account_takeover'],
  risky_login: ['compromise_after_failures', 'compromised_by_attacker', 'impossible_travel', 'new_device', 'new_country', 'account_takeover']
}

export const WINDOW_BEFORE = 60
export const WINDOW_AFTER = 3600

function inPrefix (ip: string, prefix: string): boolean {
  const [base, len] = prefix.split('/')
  const bits = Number(len)
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || base === undefined || !/^\d+\.\d+\.\d+\.\d+$/.test(base) || !(bits >= 0 && bits <= 32)) return false
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
  return ((ipv4Number(ip) & mask) >>> 0) === ((ipv4Number(base) & mask) >>> 0)
}

function sameSource (remote: string, label: Label): boolean {
  if (remote.includes('/')) return label.ips.some((ip) => inPrefix(ip, remote))
  return label.ips.includes(remote) || (label.prefix !== null && inPrefix(remote, label.prefix))
}

/**
 * `until`: a later end for this label than an hour after it (see `returnTimes`): the owner's next
 * login after a takeover can raise an alert of its own (travelling back from the attacker's place).
 */
export function alertMatchesLabel (a: Alert, l: Label, until = l.t_end + WINDOW_AFTER): boolean {
  if (a.t < l.t_start - WINDOW_BEFORE || a.t > Math.max(until, l.t_end + WINDOW_AFTER)) return false
  if (l.login !== null && a.login === l.login) return true
  return a.remote !== null && sameSource(a.remote, l)
}

export interface Matching {
  /** For each alert (same order), the ids of the labels it matches. */
  readonly alertLabels: ReadonlyArray<readonly number[]>
  /** For each label, the alert types that matched it. */
  readonly labelTypes: ReadonlyArray<ReadonlySet<string>>
}

/**
 * For labels naming an account: the time of the owner's first legitimate login after the attack.
 * An alert on that login (e.g. impossible travel from the attacker's place back home) is the
 * attack's doing, however long after it comes.
 */
export function returnTimes (labels: readonly Label[], reports: ReadonlyArray<{ readonly label: number, readonly body: { readonly login: string, readonly t: number } }>): Map<number, number> {
  const waiting = new Map<string, Label[]>()
  for (const l of labels) if (l.login !== null) waiting.set(l.login, [...(waiting.get(l.login) ?? []), l])
  const out = new Map<number, number>()
  for (const r of reports) {
    if (r.label !== -1) continue
    const list = waiting.get(r.body.login)
    if (list === undefined) continue
    for (const l of list) if (!out.has(l.id) && r.body.t > l.t_end) out.set(l.id, r.body.t)
  }
  return out
}

export function matchAlerts (alerts: readonly Alert[], labels: readonly Label[], until: ReadonlyMap<number, number> = new Map()): Matching {
  // Index labels by login and by address so matching stays linear in the alert count.
  const byKey = new Map<string, Label[]>()
  const add = (k: string, l: Label): void => { const list = byKey.get(k) ?? []; list.push(l); byKey.set(k, list) }
  for (const l of labels) {
    if (l.login !== null) add(`login:${l.login}`, l)
    for (const ip of l.ips) add(`ip:${ip}`, l)
    if (l.prefix !== null) add(`prefix:${l.prefix}`, l)
  }
  const prefixed = labels.filter((l) => l.prefix !== null)
  const labelTypes = labels.map(() => new Set<string>())
  const alertLabels = alerts.map((a) => {
    const candidates = new Set<Label>([
      ...(a.login !== null ? byKey.get(`login:${a.login}`) ?? [] : []),
      ...(a.remote !== null ? byKey.get(`ip:${a.remote}`) ?? [] : []),
      ...(a.remote !== null ? byKey.get(`prefix:${a.remote}`) ?? [] : []),
      ...(a.remote !== null && !a.remote.includes('/') ? prefixed : []),
      ...(a.remote !== null && a.remote.includes('/') ? labels : [])
    ])
    const ids = [...candidates].filter((l) => alertMatchesLabel(a, l, until.get(l.id))).map((l) => l.id).sort((x, y) => x - y)
    for (const id of ids) labelTypes[id]!.add(a.type)
    return ids
  })
  return { alertLabels, labelTypes }
}
