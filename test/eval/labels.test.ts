import { test } from 'node:test'
import assert from 'node:assert/strict'
import maxmind from 'maxmind'
import { catalogFromMmdb } from '../../eval/geo/catalog.ts'
import { distanceKm } from '../../eval/geo/distance.ts'
import { generateStream, type Report } from '../../eval/generate.ts'
import { ATTACK_TYPES } from '../../eval/model/labels.ts'
import { Rng } from '../../eval/rng.ts'
import { fixtureMmdb } from './geo-fixture.ts'

const db = fixtureMmdb()
const reader = new maxmind.Reader<Record<string, unknown>>(db)
const stream = generateStream(catalogFromMmdb(db, new Rng(1).fork('geo'), 2000), { seed: 9, users: 300, days: 20, attacksPerType: 4 })
const users = new Map(stream.population.users.map((u) => [u.login, u]))
const place = (ip: string): { country: string, lat: number, lon: number } => {
  const r = reader.get(ip)!
  return { country: String(r.country_code), lat: Number(r.latitude), lon: Number(r.longitude) }
}
const of = (ids: readonly number[]): Report[] => ids.map((id) => stream.reports[id]!)
/** Most failures of any window of `seconds` over these reports. */
function maxInWindow (rs: readonly Report[], seconds: number): number {
  const ts = rs.filter((r) => !r.body.success).map((r) => r.body.t).sort((a, b) => a - b)
  let best = 0
  for (let i = 0, j = 0; i < ts.length; i++) {
    while (ts[i]! - ts[j]! > seconds) j++
    best = Math.max(best, i - j + 1)
  }
  return best
}

test('every attack kind is injected, and labels own exactly the attack reports', () => {
  for (const type of ATTACK_TYPES) assert.ok(stream.labels.some((l) => l.type === type), `no ${type} label`)
  const owned = new Set<number>()
  for (const l of stream.labels) {
    assert.ok(l.report_ids.length > 0, `label ${l.id} has no reports`)
    for (const id of l.report_ids) {
      assert.equal(stream.reports[id]!.label, l.id)
      owned.add(id)
    }
    const ts = of(l.report_ids).map((r) => r.body.t)
    assert.ok(Math.min(...ts) >= l.t_start && Math.max(...ts) <= l.t_end, `label ${l.id} window does not cover its reports`)
    for (const r of of(l.report_ids)) assert.ok(l.ips.includes(r.body.remote), `label ${l.id}: ${r.body.remote} not among its addresses`)
  }
  assert.equal(owned.size, stream.reports.filter((r) => r.label >= 0).length)
})

test('sprays and stuffing cross the published thresholds from one address or one /24', () => {
  for (const l of stream.labels.filter((x) => x.type === 'password_spray' || x.type === 'credential_stuffing')) {
    const rs = of(l.report_ids)
    const perLogin = new Map<string, number>()
    for (const r of rs) perLogin.set(r.body.login, (perLogin.get(r.body.login) ?? 0) + 1)
    if (l.prefix !== null) for (const ip of l.ips) assert.ok(ip.startsWith(l.prefix.split('.').slice(0, 3).join('.') + '.'), `${ip} outside ${l.prefix}`)
    else assert.equal(l.ips.length, 1)
    if (l.type === 'password_spray') {
      assert.ok(perLogin.size >= 5 && maxInWindow(rs, 3600) >= 15 && Math.max(...perLogin.values()) <= 8, `spray ${l.id}: ${perLogin.size} logins, ${maxInWindow(rs, 3600)} failures/h`)
    } else {
      assert.ok(perLogin.size >= 15 && maxInWindow(rs, 900) >= 25 && Math.max(...perLogin.values()) <= 2, `stuffing ${l.id}: ${perLogin.size} logins`)
    }
  }
})

test('account attacks: distributed from many addresses; compromise after paced failures ends in a success', () => {
  for (const l of stream.labels.filter((x) => x.type === 'distributed_account_attack')) {
    const rs = of(l.report_ids)
    assert.ok(new Set(rs.map((r) => r.body.remote)).size >= 15 && rs.every((r) => !r.body.success && r.body.login === l.login))
  }
  for (const l of stream.labels.filter((x) => x.type === 'compromise_after_failures')) {
    const rs = of(l.report_ids)
    const last = rs[rs.length - 1]!
    assert.ok(last.body.success && rs.slice(0, -1).every((r) => !r.body.success), `label ${l.id}: one success, at the end`)
    assert.ok(maxInWindow(rs, 3600) >= 10, `label ${l.id}: ${maxInWindow(rs, 3600)} failures within an hour`)
    assert.ok(maxInWindow(rs, 160) < 12, `label ${l.id} is paced slower than 12 failures in 160 s`)
  }
})

test('takeovers: one success with the right password, no failure first; the place and client fit the kind', () => {
  for (const l of stream.labels.filter((x) => ['impossible_travel', 'new_device', 'new_country', 'account_takeover', 'compromised_by_attacker'].includes(x.type))) {
    assert.equal(l.report_ids.length, 1)
    const r = stream.reports[l.report_ids[0]!]!
    const user = users.get(l.login!)!
    assert.ok(r.body.success)
    const before = stream.reports.filter((x) => x.id < r.id && x.body.login === l.login && x.label === -1 && x.body.success)
    const prior = before[before.length - 1]!
    const sameClient = prior.body.device_id === r.body.device_id
    if (l.type === 'impossible_travel') {
      const km = distanceKm(place(prior.body.remote), place(r.body.remote))
      assert.ok(sameClient && km >= 500 && km / ((r.body.t - prior.body.t) / 3600) >= 800, `label ${l.id}: ${Math.round(km)} km`)
    }
    if (l.type === 'new_device') assert.ok(!sameClient && place(r.body.remote).country === user.country)
    if (l.type === 'new_country') assert.ok(sameClient && place(r.body.remote).country !== user.country)
    if (l.type === 'account_takeover') assert.ok(!sameClient && place(r.body.remote).country !== user.country)
    if (l.type !== 'compromised_by_attacker') {
      assert.ok(before.length >= 5, `label ${l.id}: only ${before.length} successes before`)
      assert.ok(!stream.reports.some((x) => x.id < r.id && x.body.login === l.login && x.label === l.id && !x.body.success))
    }
  }
})

test('a compromised account is hit after the attack crossed its threshold, and left alone afterwards', () => {
  const hits = stream.labels.filter((l) => l.type === 'compromised_by_attacker')
  assert.ok(hits.length >= 2, `only ${hits.length} compromised accounts`)
  for (const l of hits) {
    const success = stream.reports[l.report_ids[0]!]!
    const parent = stream.labels.find((x) => (x.type === 'password_spray' || x.type === 'credential_stuffing') && x.ips.includes(success.body.remote) && x.t_start <= success.body.t && x.t_end >= success.body.t)!
    const before = of(parent.report_ids).filter((r) => r.body.t < success.body.t)
    assert.ok(before.length >= (parent.type === 'password_spray' ? 16 : 26), `label ${l.id}: only ${before.length} attempts before the success`)
    assert.ok(!of(parent.report_ids).some((r) => r.body.login === l.login && r.body.t > success.body.t), `label ${l.id}: the source came back to the account`)
  }
})
