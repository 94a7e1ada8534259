import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Reader, type Response } from 'maxmind'
import { isTrackalertError } from '../../src/errors.ts'
import { GeoIPRegistry, RELOAD_SUCCESS } from '../../src/geoip/index.ts'
import { logger, StreamSink } from '../../src/log/index.ts'
import { buildMmdb, METADATA_MARKER, u16, u32, writeMmdb, type MmdbNetwork } from './mmdb-writer.ts'
import { london, makeTempDir, mountainView, removeDir } from './fixtures.ts'

const logged: string[] = []
before(() => { logger.setSinks([{ write: (_l, message, fields) => { logged.push(`${message} ${JSON.stringify(fields)}`) } }]) })
after(() => { logger.setSinks([new StreamSink()]) })

const v1: MmdbNetwork[] = [{ network: '192.0.2.0/24', data: mountainView }]
const v2: MmdbNetwork[] = [{ network: '192.0.2.0/24', data: london }, { network: '2001:db8::/32', data: london }]

function assertGeoIPError (fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isTrackalertError(err, 'TA_ERR_GEOIP'), String(err))
    for (const part of parts) assert.ok(err.message.includes(part), `${err.message} should mention ${part}`)
    return true
  })
}

describe('GeoIPRegistry.open and get', () => {
  let dir = ''
  before(async () => { dir = await makeTempDir() })
  after(() => removeDir(dir))

  it('opens, names and returns databases', async () => {
    const file = join(dir, 'a.mmdb')
    await writeMmdb(file, v1, { ipVersion: 6 })
    const reg = new GeoIPRegistry()
    const db = reg.open('CityDB', file)
    assert.equal(reg.get('CityDB'), db)
    assert.equal(db.name, 'CityDB')
    assert.equal(db.file, file)
    assert.equal(reg.get('Other'), undefined)
    assert.deepEqual(reg.names(), ['CityDB'])
    assert.equal(reg.size, 1)
  })

  it('re-opening a name re-points the existing handle', async () => {
    const a = join(dir, 'first.mmdb')
    const b = join(dir, 'second.mmdb')
    await writeMmdb(a, v1, { ipVersion: 6 })
    await writeMmdb(b, v2, { ipVersion: 6 })
    const reg = new GeoIPRegistry()
    const held = reg.open('DB', a)
    logged.length = 0
    assert.equal(reg.open('DB', b), held)
    assert.equal(held.lookupCountry('192.0.2.1'), 'GB')
    assert.equal(held.file, b)
    assert.match(logged.join('\n'), /already in use/)
  })

  it('a missing file throws TA_ERR_GEOIP naming the db and the file', () => {
    const file = join(dir, 'nope.mmdb')
    assertGeoIPError(() => new GeoIPRegistry().open('MissingDB', file), 'MissingDB', file, 'cannot read file', 'ENOENT')
    assertGeoIPError(() => new GeoIPRegistry().open('DirDB', dir), 'DirDB', dir)
  })

  const good = buildMmdb(v2, { ipVersion: 6, recordSize: 28 })
  const markerAt = good.lastIndexOf(METADATA_MARKER)
  const corrupt: Array<[string, Buffer, string]> = [
    ['an empty file', Buffer.alloc(0), 'metadata marker not found'],
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)), 'metadata marker not found'],
    ['a truncated file', good.subarray(0, markerAt - 10), 'metadata marker not found'],
    ['a legacy GeoIP .dat file', Buffer.concat([Buffer.alloc(64, 1), Buffer.from([0xff, 0xff, 0xff, 1, 0, 0])]), 'legacy GeoIP .dat'],
    ['a bad record size', buildMmdb(v2, { ipVersion: 6, metadata: { record_size: u16(20) } }), 'invalid metadata'],
    ['a bad ip_version', buildMmdb(v2, { ipVersion: 6, metadata: { ip_version: u16(5) } }), 'ip_version must be 4 or 6'],
    ['a newer major format', buildMmdb(v2, { ipVersion: 6, metadata: { binary_format_major_version: u16(3) } }), 'major version 3'],
    ['no database_type', buildMmdb(v2, { ipVersion: 6, metadata: { database_type: null } }), 'database_type missing'],
    ['a node count beyond the file', buildMmdb(v2, { ipVersion: 6, metadata: { node_count: u32(1_000_000) } }), 'larger than the file'],
    ['a damaged separator', patch(good, new Reader<Response>(good).metadata.searchTreeSize + 3, 0x55), 'separator'],
    ['a tree pointing outside the data', patch(good, 0, 0xff), 'corrupt database']
  ]
  for (const [what, bytes, reason] of corrupt) {
    it(`${what} throws TA_ERR_GEOIP (${reason})`, async () => {
      const file = join(dir, `bad-${what.replace(/\W+/g, '-')}.mmdb`)
      await writeFile(file, bytes)
      assertGeoIPError(() => new GeoIPRegistry().open('BadDB', file), 'BadDB', file, reason)
    })
  }
})

describe('a database damaged inside one record', () => {
  let dir = ''
  before(async () => { dir = await makeTempDir() })
  after(() => removeDir(dir))

  it('opens, then logs a warning and answers empty for lookups that reach the damage', async () => {
    const good = buildMmdb(v1, { ipVersion: 6 })
    const dataStart = new Reader<Response>(good).metadata.searchTreeSize + 16
    // The only record starts the data section; an extended-type byte of 0 is invalid.
    const bad = patch(patch(good, dataStart, 0x00), dataStart + 1, 0x00)
    const file = join(dir, 'damaged.mmdb')
    await writeFile(file, bad)
    const db = new GeoIPRegistry().open('Damaged', file)
    logged.length = 0
    assert.equal(db.lookupCountry('192.0.2.1'), '')
    assert.equal(db.lookupStringValue('192.0.2.1', ['country', 'iso_code']), '')
    assert.equal(db.lookupCountry('198.51.100.1'), '') // not in the tree: never touches the damage
    assert.equal(logged.length, 2)
    assert.ok(logged.every((l) => /database is corrupt.*"db":"Damaged".*damaged\.mmdb/.test(l)), logged.join('\n'))
  })
})

/** A copy of `buf` with one byte changed (byte 0 is the top of node 0's left record). */
function patch (buf: Buffer, at: number, value: number): Buffer {
  const copy = Buffer.from(buf)
  copy[at] = value
  return copy
}

describe('GeoIPRegistry.reloadAll', () => {
  let dir = ''
  before(async () => { dir = await makeTempDir() })
  after(() => removeDir(dir))

  it('swaps in the new data behind the handles Lua already holds', async () => {
    const file = join(dir, 'swap.mmdb')
    await writeMmdb(file, v1, { ipVersion: 6 })
    const reg = new GeoIPRegistry()
    const held = reg.open('City', file)
    await writeMmdb(file, v2, { ipVersion: 6 })
    assert.equal(held.lookupCountry('192.0.2.1'), 'US')
    assert.equal(reg.reloadAll(), RELOAD_SUCCESS)
    assert.equal(held.lookupCountry('192.0.2.1'), 'GB')
    assert.equal(held.lookupCountry('2001:db8::1'), 'GB')
    assert.equal(reg.get('City'), held)
  })

  it('with no databases it still reports success', async () => {
    assert.equal(new GeoIPRegistry().reloadAll(), RELOAD_SUCCESS)
    assert.equal(await new GeoIPRegistry().reloadAllAsync(), RELOAD_SUCCESS)
  })

  it('a failed reload keeps the old database and reports one line per failure', async () => {
    const ok = join(dir, 'ok.mmdb')
    const broken = join(dir, 'broken.mmdb')
    const gone = join(dir, 'gone.mmdb')
    for (const f of [ok, broken, gone]) await writeMmdb(f, v1, { ipVersion: 6 })
    const reg = new GeoIPRegistry()
    const dbs = [reg.open('Ok', ok), reg.open('Broken', broken), reg.open('Gone', gone)]
    await writeMmdb(ok, v2, { ipVersion: 6 })
    const bytes = await readFile(broken)
    await writeFile(broken, bytes.subarray(0, bytes.length / 2))
    await removeDir(gone)
    logged.length = 0
    const out = reg.reloadAll()
    const lines = out.split('\n')
    assert.equal(lines.length, 2, out)
    assert.match(lines[0]!, /^reloadGeoIPDBs\(\): error reloading GeoIP2 database "Broken" \(.*broken\.mmdb\): .*still using the previously loaded data$/)
    assert.match(lines[1]!, /"Gone" \(.*gone\.mmdb\): cannot read file/)
    assert.equal(dbs[0]!.lookupCountry('192.0.2.1'), 'GB')
    assert.equal(dbs[1]!.lookupCountry('192.0.2.1'), 'US')
    assert.equal(dbs[2]!.lookupCity('192.0.2.1').city, 'Mountain View')
    assert.equal(logged.filter((l) => l.includes('keeping the old one')).length, 2)
  })

  it('the async reload does the same', async () => {
    const file = join(dir, 'async.mmdb')
    await writeMmdb(file, v1, { ipVersion: 6 })
    const reg = new GeoIPRegistry()
    const held = reg.open('Async', file)
    await writeFile(file, 'garbage')
    assert.match(await reg.reloadAllAsync(), /"Async".*not a MaxMind DB file/)
    assert.equal(held.lookupCountry('192.0.2.1'), 'US')
    await writeMmdb(file, v2, { ipVersion: 6 })
    const [a, b] = await Promise.all([reg.reloadAllAsync(), reg.reloadAllAsync()])
    assert.deepEqual([a, b], [RELOAD_SUCCESS, RELOAD_SUCCESS])
    assert.equal(held.lookupCountry('192.0.2.1'), 'GB')
  })
})
