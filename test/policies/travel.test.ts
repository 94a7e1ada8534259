import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { distanceKm, type Place } from '../../src/policies/index.ts'
import type { LoginFacts } from '../../src/policies/index.ts'
import { DAY, T0, engineWith, established, facts, typesFor } from './facts.ts'

const amsterdam: Place = { lat: 52.37, lon: 4.9, accuracy_km: 10 }
const newYork: Place = { lat: 40.71, lon: -74.01, accuracy_km: 10 }
/** A place `km` kilometres due north of the equator at longitude 0 (1° of latitude ≈ 111.2 km). */
const north = (km: number, accuracy_km: number | null = 0): Place => ({ lat: km / (Math.PI * 6371.0088 / 180), lon: 0, accuracy_km })
const origin = (accuracy_km: number | null = 0): Place => ({ lat: 0, lon: 0, accuracy_km })

function travel (from: Place | null, to: Place | null, hours: number) {
  return facts({
    report: { t: T0, location: to },
    profile: { ...established(), last_success: { t: T0 - hours * 3600, remote: '198.51.100.7', country: 'NL', location: from } }
  })
}

describe('impossible_travel', () => {
  const engine = engineWith(['impossible_travel'])

  it('measures great-circle distances', () => {
    assert.ok(Math.abs(distanceKm(amsterdam, newYork) - 5860) < 15)
    assert.ok(Math.abs(distanceKm(origin(), north(500)) - 500) < 1e-6)
  })

  it('fires for Amsterdam then New York one hour later, with the evidence', () => {
    const [finding] = engine.evaluate(travel(amsterdam, newYork, 1)).findings
    assert.equal(finding?.type, 'impossible_travel')
    assert.equal(finding?.severity, 'high')
    assert.ok(Math.abs(Number(finding?.evidence.distance_km) - 5840) < 20) // centres minus 2 × 10 km
    assert.equal(finding?.evidence.hours, 1)
  })

  it('distance threshold: 499.9 km silent, 500 and 500.1 km fire (at a speed well over 800 km/h)', () => {
    assert.deepEqual(typesFor(engine, travel(origin(), north(499.9), 0.1)), [])
    assert.deepEqual(typesFor(engine, travel(origin(), north(500.0000001), 0.1)), ['impossible_travel'])
    assert.deepEqual(typesFor(engine, travel(origin(), north(500.1), 0.1)), ['impossible_travel'])
  })

  it('speed threshold: 1000 km in 1.251 h (799 km/h) silent, 1.25 h (800) and 1.249 h fire', () => {
    assert.deepEqual(typesFor(engine, travel(origin(), north(1000), 1000 / 799)), [])
    assert.deepEqual(typesFor(engine, travel(origin(), north(1000.0000001), 1.25)), ['impossible_travel'])
    assert.deepEqual(typesFor(engine, travel(origin(), north(1000), 1000 / 801)), ['impossible_travel'])
  })

  it('subtracts both accuracy radii: 600 km apart with 60 km radii is 480 km, silent', () => {
    assert.deepEqual(typesFor(engine, travel(origin(60), north(600, 60), 0.1)), [])
    assert.deepEqual(typesFor(engine, travel(origin(40), north(600, 40), 0.1)), ['impossible_travel'])
  })

  it('skips unknown or too imprecise places, and says why', () => {
    for (const [from, to, reason] of [
      [null, newYork, /unknown/], [amsterdam, null, /unknown/],
      [amsterdam, { ...newYork, accuracy_km: 1000 }, /imprecise/], [{ ...amsterdam, accuracy_km: 501 }, newYork, /imprecise/]
    ] as const) {
      const result = engine.evaluate(travel(from, to, 1))
      assert.deepEqual(result.findings, [])
      assert.match(result.notes[0]?.reason ?? '', reason)
    }
    assert.deepEqual(typesFor(engine, travel(amsterdam, { ...newYork, accuracy_km: 500 }, 1)), ['impossible_travel'])
  })

  it('a place without a radius gets default_accuracy_km (DB-IP Lite gives none)', () => {
    assert.deepEqual(typesFor(engine, travel(origin(0), north(580, 0), 0.1)), ['impossible_travel'])
    assert.deepEqual(typesFor(engine, travel(origin(null), north(580, null), 0.1)), []) // 580 - 2 × 50 = 480 km
    assert.deepEqual(typesFor(engine, travel(origin(null), north(620, null), 0.1)), ['impossible_travel'])
  })

  it('is silent on failures, without a previous success, and reads reports out of order', () => {
    assert.deepEqual(typesFor(engine, facts({ report: { success: false, location: newYork }, profile: { ...established(), last_success: { t: T0 - 60, remote: 'x', country: 'NL', location: amsterdam } } })), [])
    assert.deepEqual(typesFor(engine, facts({ report: { location: newYork }, profile: established() })), [])
    assert.deepEqual(typesFor(engine, travel(amsterdam, newYork, -1)), ['impossible_travel'])
  })

  it('exactly at min_km and at min_kmh it fires; a hair above either, it does not', () => {
    const km = distanceKm(amsterdam, newYork) - 20 // both 10 km radii subtracted
    const at = (options: Record<string, number>) => engineWith(['impossible_travel'], { impossible_travel: options })
    assert.deepEqual(typesFor(at({ min_km: km }), travel(amsterdam, newYork, 1)), ['impossible_travel'])
    assert.deepEqual(typesFor(at({ min_km: km + 1e-6 }), travel(amsterdam, newYork, 1)), [])
    assert.deepEqual(typesFor(at({ min_kmh: km }), travel(amsterdam, newYork, 1)), ['impossible_travel'])
    assert.deepEqual(typesFor(at({ min_kmh: km + 1e-6 }), travel(amsterdam, newYork, 1)), [])
    assert.deepEqual(typesFor(at({ max_accuracy_km: 10 }), travel(amsterdam, newYork, 1)), ['impossible_travel'])
    assert.deepEqual(typesFor(at({ max_accuracy_km: 9.99 }), travel(amsterdam, newYork, 1)), [])
  })

  it('options change the thresholds', () => {
    const strict = engineWith(['impossible_travel'], { impossible_travel: { min_km: 5000, min_kmh: 6000 } })
    assert.deepEqual(typesFor(strict, travel(amsterdam, newYork, 1)), [])
    assert.deepEqual(typesFor(strict, travel(amsterdam, newYork, 0.5)), ['impossible_travel'])
  })

  /** Amsterdam then New York an hour later, the destination prefix with `own` successes of this login and `others` of other logins. */
  function fromNetwork (own: number, others: number, profile: Partial<LoginFacts['profile']> = established()) {
    const base = travel(amsterdam, newYork, 1)
    const prefix = { feature: 'prefix' as const, value: '192.0.2.0/24', login_count: own, login_total: 20, login_distinct: 2, global_count: own + others, global_total: 1000, global_distinct: 100, global_failures: 0, global_failures_total: 100 }
    return { ...base, profile: { ...base.profile, ...profile }, risk: { features: [prefix] } }
  }

  it('known networks: skips a destination prefix the login succeeded from (0 silent from 1 on)', () => {
    assert.deepEqual(typesFor(engine, fromNetwork(0, 0)), ['impossible_travel'])
    const own = engine.evaluate(fromNetwork(1, 0))
    assert.deepEqual(own.findings, [])
    assert.match(own.notes[0]?.reason ?? '', /own network/)
    const off = engineWith(['impossible_travel'], { impossible_travel: { own_network_successes: 0 } })
    assert.deepEqual(typesFor(off, fromNetwork(5, 0)), ['impossible_travel'])
    const two = engineWith(['impossible_travel'], { impossible_travel: { own_network_successes: 2 } })
    assert.deepEqual(typesFor(two, fromNetwork(1, 0)), ['impossible_travel'])
    assert.deepEqual(typesFor(two, fromNetwork(2, 0)), [])
  })

  it('known networks: skips a prefix other logins succeeded from at least twice (1 fires, 2 and 3 skip)', () => {
    assert.deepEqual(typesFor(engine, fromNetwork(0, 1)), ['impossible_travel'])
    const common = engine.evaluate(fromNetwork(0, 2))
    assert.deepEqual(common.findings, [])
    assert.match(common.notes[0]?.reason ?? '', /other logins use/)
    assert.deepEqual(typesFor(engine, fromNetwork(0, 3)), [])
    const off = engineWith(['impossible_travel'], { impossible_travel: { common_network_successes: 0 } })
    assert.deepEqual(typesFor(off, fromNetwork(0, 50)), ['impossible_travel'])
  })

  it('learning period: silent until 14 days or 5 successes, whichever comes first', () => {
    const young = (days: number, successes: number) => fromNetwork(0, 0, { first_seen: T0 - days * DAY, successes })
    assert.deepEqual(typesFor(engine, young(13.99, 4)), [])
    assert.match(engine.evaluate(young(13.99, 4)).notes[0]?.reason ?? '', /learning period/)
    assert.deepEqual(typesFor(engine, young(14, 4)), ['impossible_travel'])
    assert.deepEqual(typesFor(engine, young(1, 5)), ['impossible_travel'])
    assert.deepEqual(typesFor(engine, young(1, 6)), ['impossible_travel'])
  })
})
