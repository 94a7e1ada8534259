/**
 * Facts about the generated stream that bound what a policy can do on it: how often legitimate
 * users look like travellers (and why: carrier gateways, VPN egress, trips), how many new countries
 * and device families they really bring, how crowded the shared addresses are. They turn a false
 * alert count into something readable: "the policy fired on 40 of the 300 VPN jumps".
 */
import type { GeoCatalog, GeoNetwork } from './geo/catalog.ts'
import { distanceKm } from './geo/distance.ts'
import { ipv4Number } from './geo/mmdb-leaves.ts'
import type { Stream } from './generate.ts'

export interface StreamFacts {
  readonly reports: number
  readonly successes: number
  readonly failures: number
  readonly attackReports: number
  /** Consecutive legitimate successes ≥ 500 km apart at ≥ 800 km/h, by the kind of network at either end. */
  readonly legitFastMoves: Readonly<Record<string, number>>
  /**
   * Countries and device families (versions ignored) new to a user after the default
   * learning period (14 days or 5 successes), per user per month: what a rule with no other
   * smarts would notify about legitimately.
   */
  readonly legitNewCountriesPerUserMonth: number
  readonly legitNewDeviceFamiliesPerUserMonth: number
  /** Most distinct legitimate logins behind one workplace and one carrier address. */
  readonly busiestWorkplaceAddressUsers: number
  readonly busiestCarrierAddressUsers: number
}

/** The catalog network holding an address (networks are sorted by base and do not overlap). */
function locate (networks: readonly GeoNetwork[], ip: string): GeoNetwork | null {
  const n = ipv4Number(ip)
  let lo = 0
  let hi = networks.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const net = networks[mid]!
    if (n < net.base) hi = mid - 1
    else if (n >= net.base + 2 ** (32 - net.prefixLen)) lo = mid + 1
    else return net
  }
  return null
}

/** The user agent or client id without its version numbers: what stays when a browser updates. */
export function clientFamily (deviceId: string): string { return deviceId.replace(/\d+/g, '#') }

export function streamFacts (s: Stream, catalog: GeoCatalog): StreamFacts {
  const networks = [...catalog.networks].sort((a, b) => a.base - b.base)
  const kindOf = new Map<string, string>()
  for (const sh of s.population.shared) for (const e of sh.egress) kindOf.set(e.ip, sh.kind === 'university' || sh.kind === 'office' ? 'workplace' : sh.kind)
  const last = new Map<string, { net: GeoNetwork, t: number, ip: string }>()
  const countries = new Map<string, Set<string>>()
  const families = new Map<string, Set<string>>()
  const learning = new Map<string, { first: number, successes: number }>()
  let newCountries = 0
  let newFamilies = 0
  const usersAt = new Map<string, Set<string>>()
  const moves: Record<string, number> = {}
  let successes = 0
  let attackReports = 0
  for (const r of s.reports) {
    if (r.body.success) successes++
    if (r.label >= 0) { attackReports++; continue }
    const login = r.body.login
    const at = usersAt.get(r.body.remote) ?? new Set()
    usersAt.set(r.body.remote, at.add(login))
    if (!r.body.success) continue
    const net = locate(networks, r.body.remote)
    if (net === null) continue
    const prev = last.get(login)
    if (prev !== undefined) {
      const km = distanceKm(prev.net, net)
      if (km >= 500 && km / Math.max((r.body.t - prev.t) / 3600, 1 / 3600) >= 800) {
        const ends = [kindOf.get(prev.ip) ?? 'home or trip', kindOf.get(r.body.remote) ?? 'home or trip'].sort().join(' / ')
        moves[ends] = (moves[ends] ?? 0) + 1
      }
    }
    last.set(login, { net, t: r.body.t, ip: r.body.remote })
    const l = learning.get(login) ?? { first: r.body.t, successes: 0 }
    learning.set(login, l)
    const learnt = l.successes >= 5 || r.body.t - l.first >= 14 * 86_400
    l.successes++
    const cs = countries.get(login) ?? new Set()
    const fs = families.get(login) ?? new Set()
    const family = clientFamily(r.body.device_id)
    if (learnt && !cs.has(net.country)) newCountries++
    if (learnt && !fs.has(family)) newFamilies++
    countries.set(login, cs.add(net.country))
    families.set(login, fs.add(family))
  }
  const months = s.options.days / 30
  const busiest = (kind: string): number => Math.max(0, ...[...usersAt].filter(([ip]) => kindOf.get(ip) === kind).map(([, set]) => set.size))
  return {
    reports: s.reports.length,
    successes,
    failures: s.reports.length - successes,
    attackReports,
    legitFastMoves: Object.fromEntries(Object.entries(moves).sort()),
    legitNewCountriesPerUserMonth: newCountries / s.options.users / months,
    legitNewDeviceFamiliesPerUserMonth: newFamilies / s.options.users / months,
    busiestWorkplaceAddressUsers: busiest('workplace'),
    busiestCarrierAddressUsers: busiest('carrier')
  }
}

export function streamFactsMarkdown (f: StreamFacts): string[] {
  const moves = Object.entries(f.legitFastMoves).map(([k, v]) => `${k} ${v}`).join(', ')
  return [
    `- stream: ${f.reports} reports (${f.successes} successes, ${f.failures} failures), ${f.attackReports} of them from attacks`,
    `- legitimate consecutive successes ≥ 500 km apart at ≥ 800 km/h (what impossible travel must tell from attacks): ${moves === '' ? 'none' : moves}`,
    `- legitimate novelty after a 14-day / 5-success learning period, per user per month: new countries ${f.legitNewCountriesPerUserMonth.toFixed(3)}, new device families (versions ignored) ${f.legitNewDeviceFamiliesPerUserMonth.toFixed(3)}`,
    `- busiest shared addresses: ${f.busiestWorkplaceAddressUsers} users behind one workplace address, ${f.busiestCarrierAddressUsers} behind one carrier address`
  ]
}
