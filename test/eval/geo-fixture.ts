/**
 * A small DB-IP-City-shaped IPv4 MMDB for the evaluation tests (the real database is 130 MB): real
 * city coordinates in eight countries, several /24 networks per city, so distances are real.
 */
import { buildMmdb, type MmdbNetwork } from '../geoip/mmdb-writer.ts'

export const FIXTURE_CITIES = [
  { country_code: 'US', city: 'New York', latitude: 40.7128, longitude: -74.006, first: 20 },
  { country_code: 'US', city: 'Los Angeles', latitude: 34.0522, longitude: -118.2437, first: 21 },
  { country_code: 'US', city: 'Chicago', latitude: 41.8781, longitude: -87.6298, first: 22 },
  { country_code: 'DE', city: 'Berlin', latitude: 52.52, longitude: 13.405, first: 30 },
  { country_code: 'DE', city: 'Munich', latitude: 48.1351, longitude: 11.582, first: 31 },
  { country_code: 'GB', city: 'London', latitude: 51.5074, longitude: -0.1278, first: 40 },
  { country_code: 'FR', city: 'Paris', latitude: 48.8566, longitude: 2.3522, first: 50 },
  { country_code: 'JP', city: 'Tokyo', latitude: 35.6762, longitude: 139.6503, first: 60 },
  { country_code: 'BR', city: 'Sao Paulo', latitude: -23.5505, longitude: -46.6333, first: 70 },
  { country_code: 'AU', city: 'Sydney', latitude: -33.8688, longitude: 151.2093, first: 80 }
] as const

/** Every city owns `A.0-15.x.0/24` networks where A is its `first` octet. */
export function fixtureMmdb (): Buffer {
  const networks: MmdbNetwork[] = []
  for (const c of FIXTURE_CITIES) {
    for (let b = 0; b < 16; b++) {
      networks.push({
        network: `${c.first}.${b}.${b * 7}.0/24`,
        data: { city: c.city, country_code: c.country_code, latitude: c.latitude, longitude: c.longitude, postcode: '', state1: '', state2: '', timezone: '' }
      })
    }
  }
  return buildMmdb(networks, { ipVersion: 4, recordSize: 24, databaseType: 'dbip-city-ipv4-fixture', dedupe: true })
}
