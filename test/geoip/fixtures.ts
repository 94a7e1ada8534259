import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bytes, f32, i32, u128, u16, u32, u64, type MmdbNetwork, type MmdbValue } from './mmdb-writer.ts'

/** A fresh temp directory; the caller removes it with removeDir in its after hook. */
export async function makeTempDir (): Promise<string> {
  return await mkdtemp(join(tmpdir(), 'trackalert-geoip-'))
}

export async function removeDir (dir: string | undefined): Promise<void> {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
}

interface CityFields {
  readonly city: string
  readonly country: string
  readonly countryName: string
  readonly region: string
  readonly postal: string
  readonly continent: string
  readonly lat: number
  readonly lon: number
}

/** A record shaped like GeoIP2/GeoLite2-City. */
export function cityRecord (f: CityFields): MmdbValue {
  return {
    city: { geoname_id: u32(5375480), names: { en: f.city, de: `${f.city} (de)` } },
    continent: { code: f.continent, geoname_id: u32(6255149), names: { en: 'Somewhere' } },
    country: { geoname_id: u32(6252001), iso_code: f.country, names: { en: f.countryName, fr: `${f.countryName} (fr)` } },
    location: { accuracy_radius: u16(20), latitude: f.lat, longitude: f.lon, time_zone: 'Etc/UTC' },
    postal: { code: f.postal },
    registered_country: { geoname_id: u32(6252001), iso_code: f.country, names: { en: f.countryName } },
    subdivisions: [{ geoname_id: u32(5332921), iso_code: f.region, names: { en: `Region ${f.region}` } }]
  }
}

export const mountainView = cityRecord({
  city: 'Mountain View', country: 'US', countryName: 'United States', region: 'CA', postal: '94035', continent: 'NA', lat: 37.386, lon: -122.0838
})
export const london = cityRecord({
  city: 'London', country: 'GB', countryName: 'United Kingdom', region: 'ENG', postal: 'EC1A', continent: 'EU', lat: 51.5142, lon: -0.0931
})
export const berlin = cityRecord({
  city: 'Berlin', country: 'DE', countryName: 'Germany', region: 'BE', postal: '10115', continent: 'EU', lat: 52.52, lon: 13.405
})

/** A record holding every MMDB type, for the typed lookups. */
export const typesRecord: MmdbValue = {
  str: 'hello',
  utf8: 'Zürich – 東京',
  u16: u16(65535),
  u32: u32(4294967295),
  u32zero: u32(0),
  u64: u64(2n ** 40n + 5n),
  u128: u128(2n ** 100n),
  i32: i32(-5),
  dbl: 2.5,
  flt: f32(1.5),
  yes: true,
  no: false,
  arr: ['a', 'b', 'c'],
  nested: { list: [{ v: u32(7) }, { v: u32(8) }], '0': 'zero-key' },
  blob: bytes(Uint8Array.from([1, 2, 3])),
  empty: {}
}

/** The city database used by most tests: IPv4 and IPv6 networks, nested prefixes, one ISP-shaped record. */
export const cityNetworks: MmdbNetwork[] = [
  { network: '192.0.2.0/24', data: mountainView },
  { network: '198.51.100.0/24', data: london },
  { network: '198.51.100.128/25', data: berlin }, // more specific inside London's /24
  { network: '203.0.113.0/24', data: typesRecord },
  { network: '2001:db8::/32', data: london },
  { network: '2001:db8:beef::/48', data: typesRecord },
  { network: '10.0.0.0/8', data: { isp: 'Example Broadband', organization: 'Example Org', autonomous_system_number: u32(64500) } },
  { network: '100.64.0.0/10', data: { cities: ['Legacy Town', 'Other'], city: { names: { en: 'Ignored' } }, country: { iso_code: 'FR' } } },
  { network: '172.16.0.0/12', data: { country: { iso_code: u32(42), names: { en: 7 } }, location: { latitude: 'north' }, isp: true } }
]

export const ispNetworks: MmdbNetwork[] = [
  { network: '192.0.2.0/24', data: { isp: 'Documentation ISP', organization: 'Doc Org', autonomous_system_number: u32(64496) } },
  { network: '2001:db8::/32', data: { isp: 'Documentation ISP v6' } }
]
