import { test } from 'node:test'
import assert from 'node:assert/strict'
import maxmind from 'maxmind'
import { addressIn, catalogFromMmdb } from '../../eval/geo/catalog.ts'
import { distanceKm } from '../../eval/geo/distance.ts'
import { generateStream, serializeStream, type Stream } from '../../eval/generate.ts'
import { Rng } from '../../eval/rng.ts'
import { clientFamily, streamFacts } from '../../eval/stream-facts.ts'
import { fixtureMmdb } from './geo-fixture.ts'

const db = fixtureMmdb()
const reader = new maxmind.Reader<Record<string, unknown>>(db)
const catalog = catalogFromMmdb(db, new Rng(1).fork('geo'), 2000)
const small = (seed: number): Stream => generateStream(catalog, { seed, users: 200, days: 20 })
const stream = small(5)
const place = (ip: string): { country: string, lat: number, lon: number } => {
  const r = reader.get(ip)
  assert.ok(r !== null, `no geo record for ${ip}`)
  return { country: String(r.country_code), lat: Number(r.latitude), lon: Number(r.longitude) }
}

test('the same seed gives a byte-identical stream, another seed a different one', () => {
  const again = generateStream(catalogFromMmdb(db, new Rng(1).fork('geo'), 2000), { seed: 5, users: 200, days: 20 })
  assert.equal(serializeStream(again), serializeStream(stream))
  assert.notEqual(serializeStream(small(6)), serializeStream(stream))
})

test('the catalog samples real networks: every address it hands out looks up to its own country and place', () => {
  assert.deepEqual([...catalog.countries].sort(), ['AU', 'BR', 'DE', 'FR', 'GB', 'JP', 'US'])
  const rng = new Rng(3)
  for (const net of catalog.networks) {
    const got = place(addressIn(net, rng))
    assert.equal(got.country, net.country)
    assert.ok(distanceKm(got, net) < 1, `${net.city}: ${JSON.stringify(got)}`)
  }
})

test('reports are wforce-shaped, in event-time order, and every address is in the geo database', () => {
  assert.ok(stream.reports.length > 5000, `only ${stream.reports.length} reports`)
  let last = 0
  for (const r of stream.reports) {
    assert.ok(r.body.t >= last, `report ${r.id} goes back in time`)
    last = r.body.t
    assert.equal(r.body.type, 'wforce_report')
    assert.match(r.body.pwhash, /^[0-9a-f]{8}$/)
    assert.ok(['http', 'imap', 'mobileapi'].includes(r.body.protocol))
    assert.ok(reader.get(r.body.remote) !== null, `${r.body.remote} has no geo record`)
  }
})

test('legitimate travel between home and trip destinations is at plane speed or slower', () => {
  let checked = 0
  for (const user of stream.population.users) {
    const trips = stream.trips.get(user.login) ?? []
    const own = new Set([...user.homeIps, ...trips.map((t) => t.hotelIp)])
    const logins = stream.reports.filter((r) => r.label === -1 && r.body.login === user.login && r.body.success && own.has(r.body.remote))
    for (let i = 1; i < logins.length; i++) {
      const a = logins[i - 1]!.body
      const b = logins[i]!.body
      const km = distanceKm(place(a.remote), place(b.remote))
      if (km < 500) continue
      checked++
      const kmh = km / Math.max((b.t - a.t) / 3600, 1e-6)
      assert.ok(kmh < 800, `${user.login}: ${Math.round(km)} km at ${Math.round(kmh)} km/h`)
    }
  }
  assert.ok(checked >= 10, `only ${checked} long legitimate moves to check`)
})

test('typo bursts are one or two failures, mostly followed by a success within a minute', () => {
  const byLogin = new Map<string, Array<{ t: number, success: boolean }>>()
  for (const r of stream.reports) {
    if (r.label !== -1) continue
    const list = byLogin.get(r.body.login) ?? []
    list.push({ t: r.body.t, success: r.body.success })
    byLogin.set(r.body.login, list)
  }
  let bursts = 0
  let recovered = 0
  for (const list of byLogin.values()) {
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.success || (i > 0 && !list[i - 1]!.success)) continue
      let j = i
      while (j < list.length && !list[j]!.success) j++
      bursts++
      assert.ok(j - i <= 2 || list[j - 1]!.t - list[i]!.t > 3600, `a burst of ${j - i} legitimate failures`)
      if (j < list.length && list[j]!.t - list[j - 1]!.t < 60) recovered++
    }
  }
  assert.ok(bursts >= 20, `only ${bursts} typo bursts`)
  assert.ok(recovered / bursts > 0.75, `${recovered} of ${bursts} typo bursts end in a success`)
})

test('shared networks are shared: a workplace NAT carries dozens of users, carrier addresses several', () => {
  const usersOf = new Map<string, Set<string>>()
  for (const r of stream.reports) {
    if (r.label !== -1) continue
    const set = usersOf.get(r.body.remote) ?? new Set()
    set.add(r.body.login)
    usersOf.set(r.body.remote, set)
  }
  const work = stream.population.shared.filter((s) => s.kind === 'university' || s.kind === 'office')
  assert.ok(work.length >= 1)
  const busiest = Math.max(...work.flatMap((w) => w.egress.map((e) => usersOf.get(e.ip)?.size ?? 0)))
  assert.ok(busiest >= 30, `the busiest workplace address has ${busiest} users`)
  const carrier = stream.population.shared.filter((s) => s.kind === 'carrier').flatMap((c) => c.egress.map((e) => usersOf.get(e.ip)?.size ?? 0))
  assert.ok(carrier.filter((n) => n >= 3).length >= 5, `carrier addresses with 3+ users: ${carrier.filter((n) => n >= 3).length}`)
})

test('stream facts: fast legitimate moves only involve shared networks; browser updates keep the family', () => {
  const f = streamFacts(stream, catalog)
  assert.equal(f.reports, stream.reports.length)
  assert.equal(f.attackReports, stream.reports.filter((r) => r.label >= 0).length)
  assert.ok(!('home or trip / home or trip' in f.legitFastMoves), JSON.stringify(f.legitFastMoves))
  assert.ok(f.busiestWorkplaceAddressUsers >= 30)
  assert.ok(f.legitNewCountriesPerUserMonth > 0 && f.legitNewCountriesPerUserMonth < 1)
  assert.equal(clientFamily('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'), clientFamily('Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0'))
  assert.notEqual(clientFamily('"name" "Thunderbird" "version" "128.3.0"'), clientFamily('"name" "iPhone Mail" "version" "22B81"'))
})
