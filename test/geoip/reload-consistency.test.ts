// Lookups running around a reload must each see one complete database: the old one or the new one.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GeoIPRegistry, RELOAD_SUCCESS, type GeoIPDB, type GeoIPRecord } from '../../src/geoip/index.ts'
import { logger, StreamSink } from '../../src/log/index.ts'
import { writeMmdb, type MmdbNetwork } from './mmdb-writer.ts'
import { berlin, london, makeTempDir, mountainView, removeDir } from './fixtures.ts'

before(() => { logger.setSinks([]) })
after(() => { logger.setSinks([new StreamSink()]) })

// A large filler record makes the async file read take several event-loop turns.
const filler: MmdbNetwork = { network: '10.0.0.0/8', data: { blob: 'f'.repeat(3_000_000) } }
const v1: MmdbNetwork[] = [
  filler,
  { network: '192.0.2.0/24', data: mountainView },
  { network: '198.51.100.0/24', data: london }
]
const v2: MmdbNetwork[] = [
  filler,
  { network: '192.0.2.0/25', data: berlin },
  { network: '192.0.2.128/25', data: london },
  { network: '198.51.100.0/24', data: mountainView },
  { network: '2001:db8::/32', data: berlin }
]

const MV = { city: 'Mountain View', country_code: 'US', region: 'CA', postal_code: '94035' }
const LON = { city: 'London', country_code: 'GB', region: 'ENG', postal_code: 'EC1A' }
const BER = { city: 'Berlin', country_code: 'DE', region: 'BE', postal_code: '10115' }
const NONE = { city: '', country_code: '', region: '', postal_code: '' }
const probes: Array<[ip: string, inV1: typeof MV, inV2: typeof MV]> = [
  ['192.0.2.1', MV, BER],
  ['192.0.2.200', MV, LON],
  ['198.51.100.7', LON, MV],
  ['2001:db8::1', NONE, BER]
]

/** Which version produced this result for probe `i`; fails on a record mixing both or neither. */
function versionOf (db: GeoIPDB, i: number): 1 | 2 {
  const [ip, inV1, inV2] = probes[i % probes.length]!
  const rec: GeoIPRecord = db.lookupCity(ip)
  const got = { city: rec.city, country_code: rec.country_code, region: rec.region, postal_code: rec.postal_code }
  const typedCity = db.lookupStringValue(ip, ['city', 'names', 'en'])
  assert.equal(typedCity, got.city, `typed and decoded lookups disagree for ${ip}`)
  if (JSON.stringify(got) === JSON.stringify(inV1)) return 1
  if (JSON.stringify(got) === JSON.stringify(inV2)) return 2
  assert.fail(`${ip} gave a record from neither database: ${JSON.stringify(got)}`)
}

function assertMonotonic (versions: number[]): void {
  const firstNew = versions.indexOf(2)
  assert.ok(firstNew !== -1, 'never saw the new database')
  assert.ok(versions.slice(firstNew).every((v) => v === 2), 'saw the old database after the new one')
}

describe('reload while lookups run', () => {
  let dir = ''
  let file = ''
  let reg: GeoIPRegistry
  let db: GeoIPDB
  before(async () => { dir = await makeTempDir() })
  after(() => removeDir(dir))

  async function openV1 (): Promise<void> {
    file = join(dir, 'city.mmdb')
    await writeMmdb(file, v1, { ipVersion: 6, recordSize: 28, dedupe: true })
    reg = new GeoIPRegistry()
    db = reg.open('City', file)
    await writeMmdb(file, v2, { ipVersion: 6, recordSize: 28, dedupe: true })
  }

  it('in the same tick: every lookup before the reload sees v1, every one after sees v2', async () => {
    await openV1()
    const versions: number[] = []
    for (let i = 0; i < 2000; i++) {
      if (i === 1000) assert.equal(reg.reloadAll(), RELOAD_SUCCESS)
      versions.push(versionOf(db, i))
    }
    assert.ok(versions.slice(0, 1000).every((v) => v === 1))
    assert.ok(versions.slice(1000).every((v) => v === 2))
  })

  it('across ticks: lookups during an async reload see v1 until the swap, then only v2', async () => {
    await openV1()
    const versions: number[] = []
    let done = false
    let i = 0
    const reload = reg.reloadAllAsync().finally(() => { done = true })
    await new Promise<void>((resolve, reject) => {
      let turnsAfterDone = 0
      const turn = (): void => {
        try {
          for (let k = 0; k < 25; k++) versions.push(versionOf(db, i++))
        } catch (err) {
          reject(err)
          return
        }
        if (done && ++turnsAfterDone > 3) resolve()
        else setImmediate(turn)
      }
      turn()
    })
    assert.equal(await reload, RELOAD_SUCCESS)
    assert.equal(versions[0], 1, 'the first turn runs before the reload can finish')
    assertMonotonic(versions)
  })

  it('across ticks: a reload that fails leaves every lookup on v1', async () => {
    await openV1()
    const good = await readFile(file)
    await writeFile(file, good.subarray(0, good.length - 40)) // cuts into the metadata
    const versions: number[] = []
    let done = false
    let i = 0
    const reload = reg.reloadAllAsync().finally(() => { done = true })
    await new Promise<void>((resolve, reject) => {
      const turn = (): void => {
        try {
          for (let k = 0; k < 25; k++) versions.push(versionOf(db, i++))
        } catch (err) {
          reject(err)
          return
        }
        if (done) resolve()
        else setImmediate(turn)
      }
      turn()
    })
    assert.match(await reload, /error reloading GeoIP2 database "City"/)
    assert.ok(versions.every((v) => v === 1))
    assert.equal(db.lookupCity('192.0.2.1').city, 'Mountain View')
  })
})
