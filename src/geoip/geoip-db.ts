import { logger } from '../log/index.ts'
import { parseAddress, type ParsedAddress } from './ip-address.ts'
import { type DbState, type GeoIPDBInfo } from './load-db.ts'
import { type GeoIPPathElement, type RawMmdb } from './mmdb-raw.ts'

/** The GeoIPRecord returned by lookupCity(); missing values are "" and 0, as upstream. */
export interface GeoIPRecord {
  country_code: string
  country_name: string
  region: string
  city: string
  postal_code: string
  continent_code: string
  latitude: number
  longitude: number
}

/** A decoded MMDB value (uint64/uint128 decode to bigint, bytes to a Buffer). Read-only: it may be shared. */
export type GeoIPValue = string | number | bigint | boolean | Uint8Array | readonly GeoIPValue[] | { readonly [key: string]: GeoIPValue }

/** What getGeoIP2DB(name) returns to Lua: a real database or emptyGeoIPDB. Lookups take an IP string. */
export interface GeoIPLookup {
  readonly name: string
  lookupCountry (ip: string): string
  lookupISP (ip: string): string
  lookupCity (ip: string): GeoIPRecord
  /** The decoded value at `path` (the whole record for []), undefined when absent. */
  lookupValue (ip: string, path: readonly GeoIPPathElement[]): GeoIPValue | undefined
  lookupStringValue (ip: string, path: readonly GeoIPPathElement[]): string
  lookupUIntValue (ip: string, path: readonly GeoIPPathElement[]): number
  lookupBoolValue (ip: string, path: readonly GeoIPPathElement[]): boolean
  lookupDoubleValue (ip: string, path: readonly GeoIPPathElement[]): number
}

type Decoded = Readonly<Record<string, unknown>>

/**
 * A named database handle. Lua configs fetch it once (`local db = getGeoIP2DB("City")`) and keep
 * it, so a reload must update this object: it swaps the single #state reference to a fully built
 * DbState, and every lookup reads #state exactly once, so it sees the old or the new db, never a mix.
 */
export class GeoIPDB implements GeoIPLookup {
  readonly name: string
  #file: string
  #state: DbState

  constructor (name: string, file: string, state: DbState) {
    this.name = name
    this.#file = file
    this.#state = state
  }

  get file (): string { return this.#file }
  get info (): GeoIPDBInfo { return this.#state.info }

  /** Used by GeoIPRegistry on open/reload; `state` must be completely built before this call. */
  replaceState (file: string, state: DbState): void {
    this.#file = file
    this.#state = state
  }

  lookupCountry (ip: string): string {
    return str(field(field(this.#decoded(ip), 'country'), 'iso_code'))
  }

  lookupISP (ip: string): string {
    return str(field(this.#decoded(ip), 'isp'))
  }

  lookupCity (ip: string): GeoIPRecord {
    const rec = this.#decoded(ip)
    const country = field(rec, 'country')
    const cities = field(rec, 'cities')
    // Upstream prefers a top-level "cities" array (some commercial layouts) over city.names.en.
    const firstCity = Array.isArray(cities) ? cities[0] : undefined
    return {
      country_code: str(field(country, 'iso_code')),
      country_name: str(field(field(country, 'names'), 'en')),
      region: str(field(element(field(rec, 'subdivisions')), 'iso_code')),
      city: typeof firstCity === 'string' ? firstCity : str(field(field(field(rec, 'city'), 'names'), 'en')),
      postal_code: str(field(field(rec, 'postal'), 'code')),
      continent_code: str(field(field(rec, 'continent'), 'code')),
      latitude: num(field(field(rec, 'location'), 'latitude')),
      longitude: num(field(field(rec, 'location'), 'longitude'))
    }
  }

  lookupValue (ip: string, path: readonly GeoIPPathElement[]): GeoIPValue | undefined {
    let value: unknown = this.#decoded(ip)
    for (const step of path) {
      if (value === undefined) return undefined
      value = Array.isArray(value) ? element(value, step) : field(value, String(step))
    }
    return value as GeoIPValue | undefined
  }

  lookupStringValue (ip: string, path: readonly GeoIPPathElement[]): string {
    return this.#typed(ip, path, readString) ?? ''
  }

  lookupUIntValue (ip: string, path: readonly GeoIPPathElement[]): number {
    return this.#typed(ip, path, readUInt) ?? 0
  }

  lookupBoolValue (ip: string, path: readonly GeoIPPathElement[]): boolean {
    return this.#typed(ip, path, readBool) ?? false
  }

  lookupDoubleValue (ip: string, path: readonly GeoIPPathElement[]): number {
    return this.#typed(ip, path, readDouble) ?? 0
  }

  #decoded (ip: string): Decoded | undefined {
    const state = this.#state
    const addr = this.#address(ip, state)
    if (addr === undefined) return undefined
    try {
      const rec = state.reader.get(addr.text) as unknown
      return rec !== null && typeof rec === 'object' ? rec as Decoded : undefined
    } catch (err) {
      this.#lookupFailed(ip, err)
      return undefined
    }
  }

  #typed<T> (ip: string, path: readonly GeoIPPathElement[], read: (raw: RawMmdb, record: number, path: readonly GeoIPPathElement[]) => T | undefined): T | undefined {
    const state = this.#state
    const addr = this.#address(ip, state)
    if (addr === undefined) return undefined
    try {
      const record = state.raw.findRecord(addr.bytes)
      return record === -1 ? undefined : read(state.raw, record, path)
    } catch (err) {
      this.#lookupFailed(ip, err)
      return undefined
    }
  }

  #address (ip: string, state: DbState): ParsedAddress | undefined {
    const addr = typeof ip === 'string' ? parseAddress(ip) : null
    if (addr === null) {
      logger.warn('GeoIP2 lookup failed: not an IP address', { db: this.name, address: String(ip) })
      return undefined
    }
    // libmaxminddb refuses IPv6 in an IPv4-only database; an IPv6 client simply has no data there.
    if (addr.version === 6 && state.info.ipVersion === 4) return undefined
    return addr
  }

  #lookupFailed (ip: string, err: unknown): void {
    logger.warn('GeoIP2 lookup failed: database is corrupt', { db: this.name, file: this.#file, address: ip, reason: err })
  }
}

const readString = (raw: RawMmdb, record: number, path: readonly GeoIPPathElement[]): string | undefined => raw.lookupString(record, path)
const readUInt = (raw: RawMmdb, record: number, path: readonly GeoIPPathElement[]): number | undefined => raw.lookupUInt(record, path)
const readBool = (raw: RawMmdb, record: number, path: readonly GeoIPPathElement[]): boolean | undefined => raw.lookupBool(record, path)
const readDouble = (raw: RawMmdb, record: number, path: readonly GeoIPPathElement[]): number | undefined => raw.lookupDouble(record, path)

function field (value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) return undefined
  return Object.hasOwn(value, key) ? (value as Decoded)[key] : undefined
}

/** Array element by index (number or decimal string, negative from the end), like libmaxminddb. */
function element (value: unknown, step: GeoIPPathElement = 0): unknown {
  if (!Array.isArray(value)) return undefined
  const index = typeof step === 'number' ? step : /^-?\d+$/.test(step) ? Number(step) : NaN
  if (!Number.isInteger(index)) return undefined
  return value[index < 0 ? value.length + index : index] as unknown
}

function str (value: unknown): string {
  return typeof value === 'string' ? value : ''
}

function num (value: unknown): number {
  return typeof value === 'number' ? value : 0
}

/** getGeoIP2DB() of an unknown name: every lookup is empty (upstream returns an unopened WFGeoIP2DB). */
export const emptyGeoIPDB: GeoIPLookup = Object.freeze({
  name: '',
  lookupCountry: () => '',
  lookupISP: () => '',
  lookupCity: (): GeoIPRecord => ({ country_code: '', country_name: '', region: '', city: '', postal_code: '', continent_code: '', latitude: 0, longitude: 0 }),
  lookupValue: () => undefined,
  lookupStringValue: () => '',
  lookupUIntValue: () => 0,
  lookupBoolValue: () => false,
  lookupDoubleValue: () => 0
})
