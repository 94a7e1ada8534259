/**
 * Injects labelled attacks of every kind the policies target. Each attack draws from its own
 * forked stream, so the legitimate part of the stream does not change with the attack mix.
 */
import { addressIn, type GeoCatalog } from '../geo/catalog.ts'
import type { Rng } from '../rng.ts'
import { ATTACK_USER_AGENTS } from './devices.ts'
import { COMMON_PASSWORDS, botnet, farNetwork, singleOrPrefix, unknownLogin, type AttackSource } from './attack-sources.ts'
import { DAY, HOUR, MINUTE, ms, type LoginEvent } from './events.ts'
import type { AttackType, Label } from './labels.ts'
import type { User } from './population.ts'

export interface AttackPlan {
  readonly users: readonly User[]
  /** Each user's legitimate events, in time order. */
  readonly legit: ReadonlyMap<string, readonly LoginEvent[]>
  readonly catalog: GeoCatalog
  readonly t0: number
  readonly days: number
  /** Attacks of each type (the generator scales it with users × days). */
  readonly perType: number
}

interface Sink { events: LoginEvent[], labels: Label[] }

const webAttack = (rng: Rng): { protocol: string, deviceId: string } => ({ protocol: 'http', deviceId: rng.pick(ATTACK_USER_AGENTS) })

function label (sink: Sink, type: AttackType, login: string | null, src: AttackSource, tStart: number, tEnd: number): number {
  sink.labels.push({ id: sink.labels.length, type, login, ips: src.ips, prefix: src.prefix, t_start: ms(tStart), t_end: ms(tEnd), report_ids: [] })
  return sink.labels.length - 1
}

/**
 * Spray or stuffing from one source. A spray goes password by password over all its accounts (the
 * way sprays stay under lockout limits); stuffing tries each leaked pair once or twice. Half of
 * them find one account's real password: that attempt is a success, made after the attack already
 * crossed its published threshold (16 spray failures, 26 stuffing attempts), and the source leaves
 * that account alone afterwards.
 */
function manyLogins (p: AttackPlan, rng: Rng, sink: Sink, type: 'password_spray' | 'credential_stuffing'): void {
  const spray = type === 'password_spray'
  const src = singleOrPrefix(p.catalog, rng)
  const start = p.t0 + rng.real(DAY, p.days * DAY - 3 * HOUR)
  const span = spray ? rng.real(20, 55) * MINUTE : rng.real(4, 12) * MINUTE
  const targets = spray ? rng.int(10, 40) : rng.int(30, 120)
  const real = new Map<string, User>()
  const unique = new Set<string>()
  // Distinct accounts: each is tried at most a few times, which is what sets these attacks apart.
  for (let tries = 0; unique.size < targets && tries < targets * 4; tries++) {
    if (rng.chance(0.5)) {
      const u = rng.pick(p.users)
      if (!unique.has(u.login)) { real.set(u.login, u); unique.add(u.login) }
    } else unique.add(unknownLogin(rng))
  }
  const logins = [...unique]
  const slots: Array<{ login: string, password: string }> = []
  if (spray) {
    const rounds = rng.int(Math.max(2, Math.ceil(20 / logins.length)), Math.min(8, Math.max(3, Math.ceil(20 / logins.length) + 1)))
    for (let a = 0; a < rounds; a++) for (const login of logins) slots.push({ login, password: COMMON_PASSWORDS[a % COMMON_PASSWORDS.length]! })
  } else {
    for (const login of logins) {
      const n = rng.chance(0.1) ? 2 : 1
      for (let a = 0; a < n; a++) slots.push({ login, password: `leaked-${rng.u32().toString(36)}` })
    }
  }
  const firstAfter = spray ? 16 : 26
  const candidates = slots.map((x, i) => ({ ...x, i })).filter((x) => x.i >= firstAfter && real.has(x.login))
  const hit = candidates.length > 0 && rng.chance(0.5) ? rng.pick(candidates) : null
  const id = label(sink, type, null, src, start, start + span)
  const tool = webAttack(rng)
  let last = start
  slots.forEach((slot, i) => {
    if (hit !== null && slot.login === hit.login && i > hit.i) return
    const t = ms(start + span * i / slots.length + rng.real(0, 2))
    last = Math.max(last, t)
    const victim = hit !== null && i === hit.i ? real.get(slot.login)! : null
    const owner = victim === null ? id : label(sink, 'compromised_by_attacker', slot.login, src, t, t)
    sink.events.push({ t, login: slot.login, remote: rng.pick(src.ips), success: victim !== null, password: victim?.password ?? slot.password, ...tool, label: owner })
  })
  sink.labels[id] = { ...sink.labels[id]!, t_end: ms(last) }
}

function distributed (p: AttackPlan, rng: Rng, sink: Sink): void {
  const victim = rng.pick(p.users)
  const ips = botnet(p.catalog, rng, rng.int(15, 50))
  const start = p.t0 + rng.real(DAY, p.days * DAY - 3 * HOUR)
  const span = rng.real(20, 90) * MINUTE
  const id = label(sink, 'distributed_account_attack', victim.login, { ips, prefix: null }, start, start + span)
  ips.forEach((ip, i) => {
    const n = rng.chance(0.3) ? 2 : 1
    for (let a = 0; a < n; a++) {
      sink.events.push({ t: ms(start + span * (i + a / 2) / ips.length), login: victim.login, remote: ip, success: false, password: rng.pick(COMMON_PASSWORDS), ...webAttack(rng), label: id })
    }
  })
}

/** Guessing paced over minutes (slower than Wazuh's 12 in 160 s) until the password is found. */
function afterFailures (p: AttackPlan, rng: Rng, sink: Sink): void {
  const victim = rng.pick(p.users)
  const src = rng.chance(0.7) ? { ips: botnet(p.catalog, rng, 1), prefix: null } : { ips: botnet(p.catalog, rng, rng.int(2, 3)), prefix: null }
  const tool = webAttack(rng)
  const failures = rng.int(12, 30)
  let t = p.t0 + rng.real(DAY, p.days * DAY - 3 * HOUR)
  const start = t
  const events: LoginEvent[] = []
  for (let i = 0; i < failures; i++) {
    events.push({ t: ms(t), login: victim.login, remote: rng.pick(src.ips), success: false, password: `guess-${i}`, ...tool, label: sink.labels.length })
    t += rng.real(1, 4) * MINUTE
  }
  events.push({ t: ms(t), login: victim.login, remote: src.ips[0]!, success: true, password: victim.password, ...tool, label: sink.labels.length })
  label(sink, 'compromise_after_failures', victim.login, src, start, t)
  sink.events.push(...events)
}

/** A victim with a settled profile (at least 5 successes before the attack), and the attack time. */
function settledVictim (p: AttackPlan, rng: Rng, taken: Set<string>): { user: User, t: number, prior: LoginEvent } | null {
  const from = p.t0 + Math.min(15, Math.max(1, Math.floor(p.days / 2))) * DAY
  for (let tries = 0; tries < 50; tries++) {
    const user = rng.pick(p.users)
    if (taken.has(user.login)) continue
    const t = rng.real(from, p.t0 + p.days * DAY - HOUR)
    const before = (p.legit.get(user.login) ?? []).filter((e) => e.success && e.t < t)
    if (before.length < 5) continue
    taken.add(user.login)
    return { user, t, prior: before[before.length - 1]! }
  }
  return null
}

/** Successful logins with a stolen password and no failure first: new device, new country, or both, or a jump. */
function takeover (p: AttackPlan, rng: Rng, sink: Sink, type: 'impossible_travel' | 'new_device' | 'new_country' | 'account_takeover', taken: Set<string>): void {
  const v = settledVictim(p, rng, taken)
  if (v === null) return
  const sameDevice = { protocol: v.prior.protocol, deviceId: v.prior.deviceId }
  let t = v.t
  let net
  let client = webAttack(rng)
  if (type === 'impossible_travel') {
    // A stolen session or password used far away right after the owner logged in at home.
    t = v.prior.t + rng.real(10 * MINUTE, 3 * HOUR)
    net = farNetwork(p.catalog, rng, v.user.home, v.user.country, 3000)
    client = sameDevice
  } else if (type === 'new_device') {
    net = p.catalog.network(rng, v.user.country) // a residential proxy in the victim's country
  } else if (type === 'new_country') {
    net = farNetwork(p.catalog, rng, v.user.home, v.user.country, 0)
    client = sameDevice // the victim's own user agent, copied
  } else {
    net = farNetwork(p.catalog, rng, v.user.home, v.user.country, 0)
  }
  const src = { ips: [addressIn(net, rng)], prefix: null }
  const id = label(sink, type, v.user.login, src, t, t)
  sink.events.push({ t: ms(t), login: v.user.login, remote: src.ips[0]!, success: true, password: v.user.password, ...client, label: id })
}

export function injectAttacks (p: AttackPlan, rng: Rng): Sink {
  const sink: Sink = { events: [], labels: [] }
  const taken = new Set<string>()
  for (let i = 0; i < p.perType; i++) {
    manyLogins(p, rng.fork(`spray-${i}`), sink, 'password_spray')
    manyLogins(p, rng.fork(`stuffing-${i}`), sink, 'credential_stuffing')
    distributed(p, rng.fork(`distributed-${i}`), sink)
    afterFailures(p, rng.fork(`failures-${i}`), sink)
    for (const type of ['impossible_travel', 'new_device', 'new_country', 'account_takeover'] as const) takeover(p, rng.fork(`${type}-${i}`), sink, type, taken)
  }
  return sink
}
