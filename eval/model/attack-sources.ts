/** Where attacks come from: single hosting addresses, /24 prefixes, botnets spread over countries. */
import type { GeoCatalog, GeoNetwork } from '../geo/catalog.ts'
import { addressIn } from '../geo/catalog.ts'
import { distanceKm } from '../geo/distance.ts'
import { ipv4Number, ipv4String } from '../geo/mmdb-leaves.ts'
import type { Rng } from '../rng.ts'

export interface AttackSource { readonly ips: readonly string[], readonly prefix: string | null }

/** One address, or 3-8 addresses of one /24 (a rented block rotating its addresses). */
export function singleOrPrefix (catalog: GeoCatalog, rng: Rng): AttackSource {
  const net = catalog.network(rng, rng.pick(catalog.countries.slice(0, 40)))
  const first = addressIn(net, rng)
  if (net.prefixLen > 24 || rng.chance(0.6)) return { ips: [first], prefix: null }
  const block = ipv4Number(first) & 0xffffff00
  const ips = new Set<string>()
  const n = rng.int(3, 8)
  while (ips.size < n) ips.add(ipv4String((block | rng.int(1, 254)) >>> 0))
  return { ips: [...ips].sort(), prefix: `${ipv4String(block >>> 0)}/24` }
}

/** Many addresses, each in a random network of a random country (a botnet). */
export function botnet (catalog: GeoCatalog, rng: Rng, n: number): string[] {
  const ips = new Set<string>()
  while (ips.size < n) ips.add(addressIn(catalog.network(rng, rng.pick(catalog.countries)), rng))
  return [...ips]
}

/** A network abroad at least `minKm` from `from` (the farthest of a few tries when none is that far). */
export function farNetwork (catalog: GeoCatalog, rng: Rng, from: GeoNetwork, country: string, minKm: number): GeoNetwork {
  let best = catalog.foreignNetwork(rng, country)
  for (let i = 0; i < 20 && distanceKm(best, from) < minKm; i++) {
    const next = catalog.foreignNetwork(rng, country)
    if (distanceKm(next, from) > distanceKm(best, from)) best = next
  }
  return best
}

export const COMMON_PASSWORDS = ['123456', 'Password1', 'Summer2025!', 'Welcome1', 'qwerty123', 'Winter2025!', 'letmein', 'P@ssw0rd', 'Company123', 'iloveyou']

/** Account names that do not exist here: attackers' lists hold many of them. */
export function unknownLogin (rng: Rng): string {
  return rng.pick(['admin', 'info', 'test', 'sales', 'support', 'office', 'j.doe', 'mail', 'contact', 'user']) + String(rng.int(1, 99999))
}
