import { u16, u32, writeMmdb, type MmdbNetwork, type MmdbValue } from '../test/geoip/mmdb-writer.ts'

const COUNTRIES = ['US', 'DE', 'GB', 'FR', 'NL', 'SE', 'JP', 'BR'] as const

function city (i: number): MmdbValue {
  const cc = COUNTRIES[i % COUNTRIES.length] ?? 'US'
  return {
    city: { geoname_id: u32(1000 + i), names: { en: `City ${i}`, de: `Stadt ${i}` } },
    continent: { code: 'EU', geoname_id: u32(6255148), names: { en: 'Europe' } },
    country: { geoname_id: u32(2000 + i % COUNTRIES.length), iso_code: cc, names: { en: `Country ${cc}` } },
    location: { accuracy_radius: u16(50), latitude: 40 + i / 10, longitude: -3 + i / 10, time_zone: 'Etc/UTC' },
    postal: { code: String(10000 + i) },
    subdivisions: [{ geoname_id: u32(3000 + i), iso_code: `R${i % 10}`, names: { en: `Region ${i % 10}` } }]
  }
}

/**
 * A GeoLite2-City-shaped database: an IPv6 tree (IPv4 under ::/96, as MaxMind ships it) with 4096
 * /20 networks covering 16.0.0.0/8 and 64 distinct city records shared between them.
 */
export async function writeBenchCityDb (file: string): Promise<void> {
  const networks: MmdbNetwork[] = []
  for (let i = 0; i < 4096; i++) {
    networks.push({ network: `16.${i >> 4}.${(i & 15) << 4}.0/20`, data: city(i % 64) })
  }
  await writeMmdb(file, networks, { ipVersion: 6, recordSize: 28, databaseType: 'GeoLite2-City', dedupe: true })
}
