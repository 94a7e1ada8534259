/**
 * The simulated users and the shared networks they log in through: home ISPs, regional mobile
 * carrier NAT gateways (many users behind few addresses), office and university NATs (hundreds of
 * users behind one or two addresses) and commercial VPN egress points.
 */
import { addressIn, type GeoCatalog, type GeoNetwork } from '../geo/catalog.ts'
import { distanceKm } from '../geo/distance.ts'
import type { Rng } from '../rng.ts'
import { desktopKind, phoneKind, type OwnedDevice } from './devices.ts'

export interface Egress { readonly ip: string, readonly net: GeoNetwork }

export interface SharedNetwork {
  readonly kind: 'carrier' | 'university' | 'office' | 'vpn'
  readonly name: string
  readonly egress: readonly Egress[]
}

export interface User {
  readonly index: number
  readonly login: string
  readonly password: string
  readonly country: string
  readonly home: GeoNetwork
  /** The home address changes now and then (ISP lease renewal): one address per period. */
  readonly homeIps: readonly string[]
  readonly homeIpDays: number
  /** Offset of local time from UTC, in hours (from the home longitude). */
  readonly tzHours: number
  readonly desktops: readonly OwnedDevice[]
  readonly phones: readonly OwnedDevice[]
  readonly carrier: readonly Egress[]
  readonly workplace: SharedNetwork | null
  readonly vpn: SharedNetwork | null
  readonly sessionsPerDay: number
  readonly typoRate: number
}

const FIRST = ['anna', 'ben', 'carla', 'david', 'emma', 'felix', 'gina', 'hugo', 'ines', 'jonas', 'kim', 'lena', 'marco', 'nina', 'omar', 'paula', 'quinn', 'rosa', 'sven', 'tara', 'umar', 'vera', 'wei', 'yuki', 'zoe']
const LAST = ['smith', 'muller', 'garcia', 'rossi', 'tanaka', 'silva', 'kowalski', 'nguyen', 'dubois', 'jansen', 'kim', 'ivanov', 'okafor', 'haddad', 'larsen', 'costa']
const VPN_COUNTRIES = ['NL', 'US', 'DE', 'SE', 'CH', 'GB']

export interface PopulationOptions {
  readonly users: number
  readonly days: number
  /** Home countries to draw from, most users in the first ones (default: the catalog's top 20). */
  readonly countries?: readonly string[]
}

export interface Population {
  readonly users: readonly User[]
  readonly shared: readonly SharedNetwork[]
}

function nearest (catalog: GeoCatalog, country: string, to: GeoNetwork, n: number): GeoNetwork[] {
  const list = [...(catalog.byCountry.get(country) ?? [])]
  return list.sort((a, b) => distanceKm(a, to) - distanceKm(b, to) || a.base - b.base).slice(0, n)
}

function shared (rng: Rng, kind: SharedNetwork['kind'], name: string, nets: readonly GeoNetwork[], addresses: number): SharedNetwork {
  const egress: Egress[] = []
  for (let i = 0; i < addresses; i++) {
    const net = nets[i % nets.length]!
    egress.push({ ip: addressIn(net, rng), net })
  }
  return { kind, name, egress }
}

export function buildPopulation (catalog: GeoCatalog, rng: Rng, opts: PopulationOptions): Population {
  const countries = (opts.countries ?? catalog.countries.slice(0, 20)).filter((c) => catalog.byCountry.has(c))
  if (countries.length < 2) throw new Error('population: the geo catalog needs networks in at least two countries')
  // Zipf-like: the first country is home to most users, as for a national provider with abroad customers.
  const weights = countries.map((_, i) => 1 / (i + 1) ** 1.3)
  const infra = rng.fork('infrastructure')
  const carriers = new Map<string, SharedNetwork[]>()
  for (const c of countries) {
    const nets = catalog.byCountry.get(c)!
    carriers.set(c, [0, 1].map((k) => shared(infra, 'carrier', `carrier-${c}-${k}`, Array.from({ length: 16 }, () => infra.pick(nets)), 32)))
  }
  const vpnCountries = VPN_COUNTRIES.filter((c) => catalog.byCountry.has(c))
  const vpns = (vpnCountries.length > 0 ? vpnCountries : countries.slice(0, 2)).map((c, k) =>
    shared(infra, 'vpn', `vpn-${k}-${c}`, [catalog.network(infra, c)], 4))
  // Workplace NATs: a university per ~1,000 users holding hundreds of logins behind two addresses,
  // and an office per ~150 users holding a few dozen behind one.
  const workplaces: Array<{ nat: SharedNetwork, country: string, near: GeoNetwork[] }> = []
  const universities = Math.max(1, Math.round(opts.users / 1000))
  const workplaceCount = universities + Math.max(1, Math.round(opts.users / 150))
  for (let k = 0; k < workplaceCount; k++) {
    const country = infra.weighted(countries, weights)
    const kind = k < universities ? 'university' : 'office'
    const nat = shared(infra, kind, `${kind}-${k}-${country}`, [catalog.network(infra, country)], kind === 'university' ? 2 : 1)
    workplaces.push({ nat, country, near: nearest(catalog, country, nat.egress[0]!.net, 8) })
  }

  const users: User[] = []
  for (let i = 0; i < opts.users; i++) {
    const r = rng.fork(`user-${i}`)
    const workplace = r.chance(0.35) ? r.weighted(workplaces, workplaces.map((w) => w.nat.kind === 'university' ? 8 : 1)) : null
    const country = workplace?.country ?? r.weighted(countries, weights)
    // People live near their workplace; others anywhere in their country.
    const home = workplace !== null ? r.pick(workplace.near) : catalog.network(r, country)
    const homeIpDays = r.int(7, 45)
    const homeIps = Array.from({ length: Math.ceil(opts.days / homeIpDays) + 1 }, () => addressIn(home, r))
    const carrierNet = r.chance(0.8) ? r.pick(carriers.get(country)!) : null
    // A carrier routes a subscriber through its regional gateways: the two nearest to home.
    const carrier = carrierNet === null ? [] : [...carrierNet.egress].sort((a, b) => distanceKm(a.net, home) - distanceKm(b.net, home) || (a.ip < b.ip ? -1 : 1)).slice(0, 2)
    const desktops: OwnedDevice[] = [{ kind: desktopKind(r), fromDay: 0, updatePhase: r.int(0, 60) }]
    if (r.chance(0.3)) desktops.push({ kind: desktopKind(r), fromDay: 0, updatePhase: r.int(0, 60) })
    const phones: OwnedDevice[] = r.chance(0.85) ? [{ kind: phoneKind(r), fromDay: 0, updatePhase: r.int(0, 60) }] : []
    // A new phone replaces (or adds to) the old one: about one user in 24 a month.
    if (r.chance(opts.days / 30 / 24)) phones.push({ kind: phoneKind(r), fromDay: r.int(1, Math.max(1, opts.days - 1)), updatePhase: r.int(0, 60) })
    const first = FIRST[i % FIRST.length]!
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!
    users.push({
      index: i,
      login: `${first}.${last}${i}`,
      password: `pw-${i}-${r.u32().toString(36)}`,
      country,
      home,
      homeIps,
      homeIpDays,
      tzHours: Math.round(home.lon / 15),
      desktops,
      phones,
      carrier,
      workplace: workplace?.nat ?? null,
      vpn: r.chance(0.06) ? r.pick(vpns) : null,
      sessionsPerDay: Math.max(0.3, r.exp(2.5)),
      typoRate: r.real(0.01, 0.06)
    })
  }
  return { users, shared: [...[...carriers.values()].flat(), ...vpns, ...workplaces.map((w) => w.nat)] }
}

export function homeIpOn (user: User, day: number): string {
  return user.homeIps[Math.min(user.homeIps.length - 1, Math.floor(day / user.homeIpDays))]!
}
