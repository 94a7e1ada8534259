// The test writer is checked against maxmind's own reader, so the lookup tests rest on valid files.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Reader, type Response } from 'maxmind'
import { buildMmdb, pointer, u32, type MmdbNetwork } from './mmdb-writer.ts'
import { cityNetworks } from './fixtures.ts'

const v4Only = cityNetworks.filter((n) => !n.network.includes(':'))

function read (networks: MmdbNetwork[], ipVersion: 4 | 6, recordSize: 24 | 28 | 32, dedupe = false): Reader<Response> {
  return new Reader<Response>(buildMmdb(networks, { ipVersion, recordSize, dedupe }))
}

function get (reader: Reader<Response>, ip: string): Record<string, unknown> | null {
  return reader.get(ip) as unknown as Record<string, unknown> | null
}

describe('mmdb-writer', () => {
  for (const recordSize of [24, 28, 32] as const) {
    it(`writes an IPv6 tree with IPv4 under ::/96 (${recordSize}-bit records)`, () => {
      const reader = read(cityNetworks, 6, recordSize)
      assert.equal(reader.metadata.ipVersion, 6)
      assert.equal(reader.metadata.recordSize, recordSize)
      assert.equal(reader.metadata.binaryFormatMajorVersion, 2)
      assert.equal((get(reader, '192.0.2.9')?.country as { iso_code: string }).iso_code, 'US')
      assert.equal((get(reader, '198.51.100.1')?.country as { iso_code: string }).iso_code, 'GB')
      assert.equal((get(reader, '198.51.100.129')?.country as { iso_code: string }).iso_code, 'DE')
      assert.equal((get(reader, '2001:db8:1::1')?.country as { iso_code: string }).iso_code, 'GB')
      assert.equal(get(reader, '2001:db8:beef::2')?.str, 'hello')
      assert.equal(get(reader, '203.0.113.1')?.u32, 4294967295)
      assert.equal(get(reader, '203.0.113.1')?.u64, 2n ** 40n + 5n)
      assert.equal(get(reader, '203.0.113.1')?.i32, -5)
      assert.equal(get(reader, '203.0.113.1')?.flt, 1.5)
      assert.equal(get(reader, '203.0.113.1')?.no, false)
      assert.deepEqual(get(reader, '203.0.113.1')?.arr, ['a', 'b', 'c'])
      assert.equal(get(reader, '8.8.8.8'), null)
      assert.equal(get(reader, '2001:db9::1'), null)
    })

    it(`writes an IPv4-only tree (${recordSize}-bit records)`, () => {
      const reader = read(v4Only, 4, recordSize)
      assert.equal(reader.metadata.ipVersion, 4)
      assert.equal((get(reader, '192.0.2.200')?.postal as { code: string }).code, '94035')
      assert.equal((get(reader, '198.51.100.127')?.postal as { code: string }).code, 'EC1A')
      assert.equal(get(reader, '9.9.9.9'), null)
    })
  }

  it('rejects IPv6 networks in an IPv4 database', () => {
    assert.throws(() => buildMmdb([{ network: '2001:db8::/32', data: 'x' }], { ipVersion: 4 }), /IPv6 network/)
  })

  it('picks the smallest pointer size class', () => {
    assert.equal(pointer(0).length, 2)
    assert.equal(pointer(2047).length, 2)
    assert.equal(pointer(2048).length, 3)
    assert.equal(pointer(526335).length, 3)
    assert.equal(pointer(526336).length, 4)
    assert.equal(pointer(526336 + 2 ** 27).length, 5)
  })

  it('deduplicates with pointers of every size the data needs, long strings included', () => {
    // Fillers push later values past the 2048 and 526336 byte marks, so pointers to them need 3 and 4 bytes.
    const shared = { label: 'shared-map', n: u32(99) }
    const networks: MmdbNetwork[] = [
      { network: '10.0.0.0/24', data: { filler: 'x'.repeat(3000), first: 'repeated-string' } },
      { network: '10.0.1.0/24', data: { second: 'after-2k', shared } },
      { network: '10.0.2.0/24', data: { filler: 'y'.repeat(530_000), third: 'after-512k', shared } },
      { network: '10.0.3.0/24', data: { again: ['after-2k', 'after-512k', 'repeated-string'], shared } }
    ]
    const plain = buildMmdb(networks, { ipVersion: 6, recordSize: 32 })
    const deduped = buildMmdb(networks, { ipVersion: 6, recordSize: 32, dedupe: true })
    assert.ok(deduped.length < plain.length)
    const a = new Reader<Response>(plain)
    const b = new Reader<Response>(deduped)
    for (const ip of ['10.0.0.1', '10.0.1.1', '10.0.2.1', '10.0.3.1']) assert.deepEqual(b.get(ip), a.get(ip))
    assert.deepEqual(get(b, '10.0.3.1')?.again, ['after-2k', 'after-512k', 'repeated-string'])
    assert.deepEqual(get(b, '10.0.3.1')?.shared, { label: 'shared-map', n: 99 })
  })
})
