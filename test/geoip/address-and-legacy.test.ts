import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isTrackalertError } from '../../src/errors.ts'
import { legacyGeoIPError, legacyGeoIPFunctions, legacyGeoIPMessage, parseAddress } from '../../src/geoip/index.ts'
import { FrozenLruCache } from '../../src/geoip/record-cache.ts'

describe('parseAddress', () => {
  const bytes = (ip: string): number[] | undefined => { const a = parseAddress(ip); return a === null ? undefined : [...a.bytes] }

  it('parses IPv4 and the IPv6 spellings a ComboAddress may print', () => {
    assert.deepEqual(bytes('192.0.2.1'), [192, 0, 2, 1])
    assert.deepEqual(bytes('::'), new Array(16).fill(0))
    assert.deepEqual(bytes('::1'), [...new Array(15).fill(0), 1])
    assert.deepEqual(bytes('2001:db8::'), [0x20, 0x01, 0x0d, 0xb8, ...new Array(12).fill(0)])
    assert.deepEqual(bytes('2001:db8:0:0:1:0:0:1'), [0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1])
    assert.deepEqual(bytes('fe80::1:2'), [0xfe, 0x80, ...new Array(10).fill(0), 0, 1, 0, 2])
    assert.deepEqual(bytes('64:ff9b::192.0.2.33'), [0, 0x64, 0xff, 0x9b, ...new Array(8).fill(0), 192, 0, 2, 33])
    assert.deepEqual(bytes(' [2001:db8::1] '), [0x20, 1, 0x0d, 0xb8, ...new Array(11).fill(0), 1])
    assert.deepEqual(bytes('fe80::1%eth0'), [0xfe, 0x80, ...new Array(13).fill(0), 1])
  })

  it('turns IPv4-mapped IPv6 into IPv4', () => {
    assert.deepEqual(parseAddress('::ffff:192.0.2.1'), { version: 4, bytes: Uint8Array.from([192, 0, 2, 1]), text: '192.0.2.1' })
    assert.deepEqual(parseAddress('::ffff:c000:201'), { version: 4, bytes: Uint8Array.from([192, 0, 2, 1]), text: '192.0.2.1' })
    assert.equal(parseAddress('::fffe:c000:201')?.version, 6)
  })

  it('rejects what is not an address', () => {
    for (const bad of ['', 'example.com', '192.0.2.1:80', '1.2.3', '256.1.1.1', '2001:db8::1::2', '[::1]:53']) {
      assert.equal(parseAddress(bad), null, bad)
    }
  })
})

describe('FrozenLruCache', () => {
  it('evicts the least recently used entry and freezes what it stores', () => {
    const cache = new FrozenLruCache(2)
    cache.set(1, { value: { a: [1] } })
    cache.set(2, { value: 'two' })
    assert.ok(cache.get(1) !== undefined) // 1 is now the most recent
    cache.set(3, { value: 'three' })
    assert.equal(cache.get(2), undefined)
    assert.equal(cache.size, 2)
    const one = cache.get(1) as { value: { a: number[] } }
    assert.ok(Object.isFrozen(one.value.a))
    assert.throws(() => { one.value.a.push(2) }, TypeError)
    cache.set(4, { value: Buffer.from('ok') }) // typed arrays cannot be frozen and are left alone
    assert.equal(cache.size, 2)
  })
})

describe('legacy GeoIP functions', () => {
  it('explain the GeoIP2 replacement for every deprecated function', () => {
    assert.equal(legacyGeoIPMessage('initGeoIPCityDB'),
      'initGeoIPCityDB() is no longer supported (legacy GeoIP .dat databases are gone upstream too): ' +
      'use newGeoIP2DB(name, file) and getGeoIP2DB(name):lookupCity(ca)')
    assert.match(legacyGeoIPMessage('initGeoIPDB'), /getGeoIP2DB\(name\):lookupCountry\(ca\)/)
    assert.match(legacyGeoIPMessage('initGeoIPISPDB'), /getGeoIP2DB\(name\):lookupISP\(ca\)/)
    assert.match(legacyGeoIPMessage('lookupCity'), /^lookupCity\(\) is no longer supported.*getGeoIP2DB\(name\):lookupCity\(ca\).*newGeoIP2DB/)
    assert.equal(legacyGeoIPFunctions.length, 6)
    for (const fn of legacyGeoIPFunctions) {
      const err = legacyGeoIPError(fn)
      assert.ok(isTrackalertError(err, 'TA_ERR_GEOIP'))
      assert.ok(err.message.startsWith(`${fn}() is no longer supported`))
      assert.match(err.message, /newGeoIP2DB\(name, file\)/)
    }
  })
})
