import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { GeoIPRegistry, emptyGeoIPDB, type GeoIPDB, type GeoIPRecord } from '../../src/geoip/index.ts'
import { logger, StreamSink, type LogSink } from '../../src/log/index.ts'
import { writeMmdb } from './mmdb-writer.ts'
import { cityNetworks, ispNetworks, makeTempDir, removeDir, typesRecord } from './fixtures.ts'

const emptyCity: GeoIPRecord = { country_code: '', country_name: '', region: '', city: '', postal_code: '', continent_code: '', latitude: 0, longitude: 0 }
const warnings: string[] = []
const captureSink: LogSink = { write: (_level, message, fields) => { warnings.push(`${message} ${JSON.stringify(fields)}`) } }

before(() => { logger.setSinks([captureSink]) })
after(() => { logger.setSinks([new StreamSink()]) })

for (const recordSize of [24, 28, 32] as const) {
  for (const dedupe of [false, true]) {
    describe(`IPv6 city database, ${recordSize}-bit records${dedupe ? ', pointers' : ''}`, () => {
      let dir: string | undefined
      let db: GeoIPDB
      before(async () => {
        dir = await makeTempDir()
        const file = join(dir, 'city.mmdb')
        await writeMmdb(file, cityNetworks, { ipVersion: 6, recordSize, dedupe, databaseType: 'GeoIP2-City' })
        db = new GeoIPRegistry().open('CityDB', file)
      })
      after(() => removeDir(dir))

      it('reports its metadata', () => {
        assert.equal(db.info.databaseType, 'GeoIP2-City')
        assert.equal(db.info.ipVersion, 6)
        assert.equal(db.info.recordSize, recordSize)
      })

      it('lookupCountry: IPv4, IPv6, nested prefixes, mapped and bracketed forms', () => {
        assert.equal(db.lookupCountry('192.0.2.1'), 'US')
        assert.equal(db.lookupCountry('198.51.100.1'), 'GB')
        assert.equal(db.lookupCountry('198.51.100.200'), 'DE')
        assert.equal(db.lookupCountry('2001:db8::1'), 'GB')
        assert.equal(db.lookupCountry('2001:DB8:0:0:0:0:0:2'), 'GB')
        assert.equal(db.lookupCountry('::ffff:192.0.2.7'), 'US')
        assert.equal(db.lookupCountry('[2001:db8::1]'), 'GB')
        assert.equal(db.lookupCountry('2001:db8::1%eth0'), 'GB')
      })

      it('lookupCountry: not found and not an address give ""', () => {
        assert.equal(db.lookupCountry('8.8.8.8'), '')
        assert.equal(db.lookupCountry('2001:db9::1'), '')
        assert.equal(db.lookupCountry('::1'), '')
        assert.equal(db.lookupCountry('10.1.2.3'), '') // record without a country
        warnings.length = 0
        assert.equal(db.lookupCountry('not-an-ip'), '')
        assert.equal(db.lookupCountry('192.0.2.1:80'), '')
        assert.equal(warnings.length, 2)
        assert.match(warnings[0]!, /not an IP address.*"db":"CityDB".*not-an-ip/)
      })

      it('lookupCity fills every GeoIPRecord field', () => {
        assert.deepEqual(db.lookupCity('192.0.2.1'), {
          country_code: 'US', country_name: 'United States', region: 'CA', city: 'Mountain View',
          postal_code: '94035', continent_code: 'NA', latitude: 37.386, longitude: -122.0838
        })
        assert.equal(db.lookupCity('2001:db8:1::1').city, 'London')
        assert.equal(db.lookupCity('198.51.100.130').city, 'Berlin')
      })

      it('lookupCity: missing and wrongly typed values are "" and 0', () => {
        assert.deepEqual(db.lookupCity('8.8.8.8'), emptyCity)
        assert.deepEqual(db.lookupCity('bogus'), emptyCity)
        assert.deepEqual(db.lookupCity('10.0.0.1'), emptyCity)
        assert.deepEqual(db.lookupCity('172.16.0.1'), emptyCity) // iso_code a uint32, names.en a number, latitude a string
        // A top-level "cities" array wins over city.names.en, as upstream.
        assert.deepEqual(db.lookupCity('100.64.0.1'), { ...emptyCity, city: 'Legacy Town', country_code: 'FR' })
      })

      it('lookupISP', () => {
        assert.equal(db.lookupISP('10.200.0.1'), 'Example Broadband')
        assert.equal(db.lookupISP('192.0.2.1'), '')
        assert.equal(db.lookupISP('172.16.0.1'), '') // isp is a boolean there
        assert.equal(db.lookupISP('8.8.4.4'), '')
      })

      it('lookupValue returns decoded values along a path', () => {
        const ip = '203.0.113.9'
        assert.equal((db.lookupValue(ip, []) as Record<string, unknown>).str, 'hello')
        assert.equal(db.lookupValue(ip, ['nested', 'list', 1, 'v']), 8)
        assert.equal(db.lookupValue(ip, ['nested', 'list', '-1', 'v']), 8)
        assert.equal(db.lookupValue(ip, ['nested', 0]), 'zero-key')
        assert.equal(db.lookupValue(ip, ['u64']), 2n ** 40n + 5n)
        assert.deepEqual([...db.lookupValue(ip, ['blob']) as Uint8Array], [1, 2, 3])
        assert.deepEqual(db.lookupValue(ip, ['arr']), ['a', 'b', 'c'])
        assert.deepEqual(db.lookupValue(ip, ['empty']), {})
        for (const path of [['missing'], ['str', 'x'], ['arr', 3], ['arr', 'x'], ['arr', -4], ['u32', 0]]) {
          assert.equal(db.lookupValue(ip, path), undefined, JSON.stringify(path))
        }
        assert.equal(db.lookupValue('8.8.8.8', []), undefined)
        assert.equal(db.lookupValue('2001:db8:beef::1', ['utf8']), 'Zürich – 東京')
      })

      it('lookupValue results are shared and frozen', () => {
        const list = db.lookupValue('203.0.113.9', ['nested', 'list']) as Array<{ v: number }>
        assert.throws(() => { list.push({ v: 1 }) }, TypeError)
        assert.throws(() => { (list[0] as { v: number }).v = 1 }, TypeError)
        assert.equal(db.lookupValue('203.0.113.9', ['nested', 'list', 0, 'v']), 7)
      })

      it('lookupStringValue: strings only', () => {
        const ip = '203.0.113.9'
        assert.equal(db.lookupStringValue(ip, ['str']), 'hello')
        assert.equal(db.lookupStringValue(ip, ['utf8']), 'Zürich – 東京')
        assert.equal(db.lookupStringValue(ip, ['arr', 1]), 'b')
        assert.equal(db.lookupStringValue(ip, ['arr', '-1']), 'c')
        assert.equal(db.lookupStringValue(ip, ['nested', '0']), 'zero-key')
        assert.equal(db.lookupStringValue('192.0.2.1', ['city', 'names', 'de']), 'Mountain View (de)')
        assert.equal(db.lookupStringValue('2001:db8:beef::1', ['str']), 'hello')
        for (const path of [['u32'], ['dbl'], ['yes'], ['blob'], ['arr'], [], ['str', 'sub'], ['arr', 3], ['arr', 'one'], ['missing']]) {
          assert.equal(db.lookupStringValue(ip, path), '', JSON.stringify(path))
        }
      })

      it('lookupUIntValue: uint16, uint32 and uint64 only', () => {
        const ip = '203.0.113.9'
        assert.equal(db.lookupUIntValue(ip, ['u16']), 65535)
        assert.equal(db.lookupUIntValue(ip, ['u32']), 4294967295)
        assert.equal(db.lookupUIntValue(ip, ['u32zero']), 0)
        assert.equal(db.lookupUIntValue(ip, ['u64']), 2 ** 40 + 5)
        assert.equal(db.lookupUIntValue(ip, ['nested', 'list', 0, 'v']), 7)
        assert.equal(db.lookupUIntValue('10.0.0.1', ['autonomous_system_number']), 64500)
        for (const path of [['i32'], ['u128'], ['dbl'], ['flt'], ['str'], ['yes'], ['missing'], ['u16', 'x']]) {
          assert.equal(db.lookupUIntValue(ip, path), 0, JSON.stringify(path))
        }
      })

      it('lookupBoolValue: booleans only', () => {
        const ip = '203.0.113.9'
        assert.equal(db.lookupBoolValue(ip, ['yes']), true)
        assert.equal(db.lookupBoolValue(ip, ['no']), false)
        assert.equal(db.lookupBoolValue('172.16.0.1', ['isp']), true)
        for (const path of [['u32'], ['str'], ['dbl'], ['missing'], ['arr', 0]]) {
          assert.equal(db.lookupBoolValue(ip, path), false, JSON.stringify(path))
        }
      })

      it('lookupDoubleValue: double and float only', () => {
        const ip = '203.0.113.9'
        assert.equal(db.lookupDoubleValue(ip, ['dbl']), 2.5)
        assert.equal(db.lookupDoubleValue(ip, ['flt']), 1.5)
        assert.equal(db.lookupDoubleValue('192.0.2.1', ['location', 'latitude']), 37.386)
        assert.equal(db.lookupDoubleValue('2001:db8::5', ['location', 'longitude']), -0.0931)
        for (const path of [['u32'], ['u16'], ['i32'], ['str'], ['yes'], ['missing'], ['location']]) {
          assert.equal(db.lookupDoubleValue(ip, path), 0, JSON.stringify(path))
        }
      })

      it('typed lookups on unknown or invalid addresses give the empty value', () => {
        for (const ip of ['8.8.8.8', '2001:db9::1', 'nonsense']) {
          assert.equal(db.lookupStringValue(ip, ['str']), '')
          assert.equal(db.lookupUIntValue(ip, ['u32']), 0)
          assert.equal(db.lookupBoolValue(ip, ['yes']), false)
          assert.equal(db.lookupDoubleValue(ip, ['dbl']), 0)
        }
      })

      it('raw typed lookups agree with the decoded record', () => {
        const ip = '203.0.113.9'
        for (const [key, value] of Object.entries(typesRecord as Record<string, unknown>)) {
          const decoded = db.lookupValue(ip, [key])
          if (typeof value === 'string') assert.equal(db.lookupStringValue(ip, [key]), decoded)
          if (typeof value === 'boolean') assert.equal(db.lookupBoolValue(ip, [key]), decoded)
          if (typeof value === 'number') assert.equal(db.lookupDoubleValue(ip, [key]), decoded)
        }
      })
    })
  }
}

for (const recordSize of [24, 28, 32] as const) {
  describe(`IPv4-only databases, ${recordSize}-bit records`, () => {
    let dir: string | undefined
    let db: GeoIPDB
    before(async () => {
      dir = await makeTempDir()
      const file = join(dir, 'city4.mmdb')
      await writeMmdb(file, cityNetworks.filter((n) => !n.network.includes(':')), { ipVersion: 4, recordSize })
      db = new GeoIPRegistry().open('City4', file)
    })
    after(() => removeDir(dir))

    it('answers IPv4 and IPv4-mapped lookups', () => {
      assert.equal(db.info.ipVersion, 4)
      assert.equal(db.lookupCountry('192.0.2.1'), 'US')
      assert.equal(db.lookupCountry('::ffff:198.51.100.200'), 'DE')
      assert.equal(db.lookupUIntValue('203.0.113.1', ['u16']), 65535)
      assert.equal(db.lookupCity('198.51.100.1').postal_code, 'EC1A')
    })

    it('gives empty results, without a warning, for IPv6 addresses', () => {
      warnings.length = 0
      assert.equal(db.lookupCountry('2001:db8::1'), '')
      assert.equal(db.lookupStringValue('2001:db8::1', ['str']), '')
      assert.equal(db.lookupValue('2001:db8::1', []), undefined)
      assert.deepEqual(warnings, [])
    })
  })
}

describe('ISP database and the empty database', () => {
  let dir: string | undefined
  before(async () => { dir = await makeTempDir() })
  after(() => removeDir(dir))

  it('lookupISP on IPv4 and IPv6', async () => {
    const file = join(dir!, 'isp.mmdb')
    await writeMmdb(file, ispNetworks, { ipVersion: 6, databaseType: 'GeoIP2-ISP' })
    const db = new GeoIPRegistry().open('ISP', file)
    assert.equal(db.lookupISP('192.0.2.44'), 'Documentation ISP')
    assert.equal(db.lookupISP('2001:db8:ffff::1'), 'Documentation ISP v6')
    assert.equal(db.lookupUIntValue('192.0.2.44', ['autonomous_system_number']), 64496)
    assert.equal(db.lookupCountry('192.0.2.44'), '')
  })

  it('emptyGeoIPDB returns empty values for everything', () => {
    assert.equal(emptyGeoIPDB.lookupCountry('192.0.2.1'), '')
    assert.equal(emptyGeoIPDB.lookupISP('192.0.2.1'), '')
    assert.deepEqual(emptyGeoIPDB.lookupCity('192.0.2.1'), emptyCity)
    assert.equal(emptyGeoIPDB.lookupValue('192.0.2.1', []), undefined)
    assert.equal(emptyGeoIPDB.lookupStringValue('192.0.2.1', ['a']), '')
    assert.equal(emptyGeoIPDB.lookupUIntValue('192.0.2.1', ['a']), 0)
    assert.equal(emptyGeoIPDB.lookupBoolValue('192.0.2.1', ['a']), false)
    assert.equal(emptyGeoIPDB.lookupDoubleValue('192.0.2.1', ['a']), 0)
    assert.ok(Object.isFrozen(emptyGeoIPDB))
  })
})
