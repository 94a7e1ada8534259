import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type HistoryRecord, type HistoryStore } from '../../src/history/types.ts'

/** Opens the store under test at one location; called again after close() to prove persistence. */
export type OpenStore = () => Promise<HistoryStore>

/** A backend and how to give each test group an empty database. */
export interface ContractBackend {
  readonly name: string
  /** Returns an opener for a fresh, empty location. */
  fresh (): Promise<OpenStore>
  /** Frees what the backend started (servers, folders). */
  teardown (): Promise<void>
}

/** One hour ago, whole seconds: inside any retention and any daily partition kept. */
export const BASE = Math.floor(Date.now() / 1000) - 3600

export function record (over: Partial<HistoryRecord> & { login: string }): HistoryRecord {
  return {
    t: BASE, success: true, failType: null, protocol: 'http', remote: '192.0.2.10', prefix: '192.0.2.0/24', country: 'DE',
    city: 'Berlin', lat: 52.5, lon: 13.4, accuracyKm: 20, device: 'Chrome/Windows', risk: null, ...over
  }
}

/**
 * The behaviour every HistoryStore must have, whatever the backend: the same assertions run
 * against SQLite files and a PostgreSQL server.
 */
export function storeContract (backend: ContractBackend): void {
  describe(`history store contract: ${backend.name}`, () => {
    let store: HistoryStore
    let open: OpenStore
    before(async () => {
      open = await backend.fresh()
      store = await open()
    })
    after(async () => {
      await store.close()
      await backend.teardown()
    })

    it('keeps every recorded field and returns a login\'s reports newest first, same-instant ones by arrival', async () => {
      assert.equal(await store.newestEventTime(), null)
      await store.writeBatch([
        record({ login: 'ann', t: BASE + 1, success: false, failType: 'badpw', protocol: 'imap', device: 'imap:Thunderbird', risk: 0.25 }),
        record({ login: 'ann', t: BASE + 3, country: null, city: null, lat: null, lon: null, accuracyKm: null, device: null }),
        record({ login: 'bob', t: BASE + 2 })
      ])
      await store.writeBatch([record({ login: 'ann', t: BASE + 3, remote: '198.51.100.7', prefix: '198.51.100.0/24' })])
      const reports = await store.recentReports('ann', 10)
      assert.deepEqual(reports.map((r) => [r.t, r.remote]), [[BASE + 3, '198.51.100.7'], [BASE + 3, '192.0.2.10'], [BASE + 1, '192.0.2.10']])
      assert.deepEqual(reports[1], { t: BASE + 3, success: true, failType: null, protocol: 'http', remote: '192.0.2.10', prefix: '192.0.2.0/24',
        country: null, city: null, lat: null, lon: null, accuracyKm: null, device: null, risk: null })
      assert.deepEqual(reports[2], { t: BASE + 1, success: false, failType: 'badpw', protocol: 'imap', remote: '192.0.2.10', prefix: '192.0.2.0/24',
        country: 'DE', city: 'Berlin', lat: 52.5, lon: 13.4, accuracyKm: 20, device: 'imap:Thunderbird', risk: 0.25 })
      assert.equal((await store.recentReports('ann', 1)).length, 1)
      assert.deepEqual(await store.recentReports('nobody', 5), [])
    })

    it('keeps a profile per login: features with counts and first/last seen, totals, the newest success only', async () => {
      // Out of event-time order across batches: the last success must still be the newest one.
      await store.writeBatch([record({ login: 'cid', t: BASE + 100, country: 'FR', remote: '203.0.113.5', prefix: '203.0.113.0/24' })])
      await store.writeBatch([record({ login: 'cid', t: BASE + 50, country: 'DE' }), record({ login: 'cid', t: BASE + 60, success: false, country: 'DE' })])
      const p = await store.profile('cid')
      assert.deepEqual(p.totals, { firstSeen: BASE + 50, lastSeen: BASE + 100, successes: 2, failures: 1 })
      assert.deepEqual(p.countries, [
        { value: 'FR', firstSeen: BASE + 100, lastSeen: BASE + 100, successes: 1, failures: 0 },
        { value: 'DE', firstSeen: BASE + 50, lastSeen: BASE + 60, successes: 1, failures: 1 }
      ])
      assert.deepEqual(p.devices, [{ value: 'Chrome/Windows', firstSeen: BASE + 50, lastSeen: BASE + 100, successes: 2, failures: 1 }])
      assert.deepEqual(p.prefixes.map((f) => f.value), ['203.0.113.0/24', '192.0.2.0/24'])
      assert.equal(p.lastSuccess?.t, BASE + 100)
      assert.equal(p.lastSuccess?.country, 'FR')
      assert.equal(p.lastSuccess?.remote, '203.0.113.5')
      assert.deepEqual(await store.feature('cid', 'country', 'DE'), { value: 'DE', firstSeen: BASE + 50, lastSeen: BASE + 60, successes: 1, failures: 1 })
      assert.equal(await store.feature('cid', 'country', 'US'), null)
      assert.deepEqual(await store.totals('cid'), p.totals)
      assert.deepEqual(await store.lastSuccess('cid'), p.lastSuccess)
      assert.equal(await store.totals('nobody'), null)
      assert.equal(await store.lastSuccess('nobody'), null)
      const empty = await store.profile('nobody')
      assert.deepEqual(empty, { totals: null, countries: [], devices: [], prefixes: [], lastSuccess: null })
    })

    it('answers window aggregates per login and per source over half-open windows', async () => {
      const t0 = BASE + 1000
      await store.writeBatch([
        record({ login: 'w1', t: t0, success: false, remote: '10.0.0.1', prefix: '10.0.0.0/24' }),
        record({ login: 'w1', t: t0 + 1, success: false, remote: '10.0.0.2', prefix: '10.0.0.0/24' }),
        record({ login: 'w1', t: t0 + 2, success: true, remote: '10.0.0.2', prefix: '10.0.0.0/24' }),
        record({ login: 'w2', t: t0 + 3, success: false, remote: '10.0.0.1', prefix: '10.0.0.0/24' }),
        record({ login: 'w3', t: t0 + 4, success: false, remote: '10.0.0.1', prefix: '10.0.0.0/24' }),
        record({ login: 'w3', t: t0 + 10, success: false, remote: '10.0.0.1', prefix: '10.0.0.0/24' })
      ])
      assert.deepEqual(await store.loginWindow('w1', t0, t0 + 3), { successes: 1, failures: 2, distinctRemotes: 2, distinctFailingRemotes: 2 })
      assert.deepEqual(await store.loginWindow('w1', t0 + 1, t0 + 2), { successes: 0, failures: 1, distinctRemotes: 1, distinctFailingRemotes: 1 })
      assert.deepEqual(await store.sourceWindow('ip', '10.0.0.1', t0, t0 + 10), {
        key: '10.0.0.1', successes: 0, failures: 3, attempts: 3, distinctLogins: 3, maxPerLogin: 1, failingLogins: 3, succeedingLogins: 0, maxFailuresPerLogin: 1, firstSeen: t0, lastSeen: t0 + 4
      })
      assert.deepEqual(await store.sourceWindow('prefix', '10.0.0.0/24', t0, t0 + 11), {
        key: '10.0.0.0/24', successes: 1, failures: 5, attempts: 6, distinctLogins: 3, maxPerLogin: 3, failingLogins: 3, succeedingLogins: 1, maxFailuresPerLogin: 2, firstSeen: t0, lastSeen: t0 + 10
      })
      assert.deepEqual(await store.sourceWindow('ip', '10.9.9.9', t0, t0 + 10), {
        key: '10.9.9.9', successes: 0, failures: 0, attempts: 0, distinctLogins: 0, maxPerLogin: 0, failingLogins: 0, succeedingLogins: 0, maxFailuresPerLogin: 0, firstSeen: 0, lastSeen: 0
      })
      // One login's own count at a source: whether the current report's login is already counted there.
      assert.deepEqual(await store.loginAtSource('ip', '10.0.0.2', 'w1', t0, t0 + 3), { successes: 1, failures: 1 })
      assert.deepEqual(await store.loginAtSource('prefix', '10.0.0.0/24', 'w3', t0, t0 + 11), { successes: 0, failures: 2 })
      assert.deepEqual(await store.loginAtSource('prefix', '10.0.0.0/24', 'w3', t0, t0 + 10), { successes: 0, failures: 1 })
      assert.deepEqual(await store.loginAtSource('ip', '10.0.0.1', 'nobody', t0, t0 + 11), { successes: 0, failures: 0 })
      // Activity buckets [since + k * step, ...): only the buckets with reports, oldest first.
      const bucket = (t: number, successes: number, failures: number, distinctLogins: number): object => ({ t, successes, failures, distinctLogins })
      assert.deepEqual(await store.activity('prefix', '10.0.0.0/24', t0, t0 + 11, 5), [bucket(t0, 1, 4, 3), bucket(t0 + 10, 0, 1, 1)])
      assert.deepEqual(await store.activity('ip', '10.0.0.2', t0, t0 + 4, 2), [bucket(t0, 0, 1, 1), bucket(t0 + 2, 1, 0, 1)])
      assert.deepEqual(await store.activity('login', 'w3', t0 + 1, t0 + 11, 3), [bucket(t0 + 4, 0, 1, 1), bucket(t0 + 10, 0, 1, 1)])
      assert.deepEqual(await store.activity('all', '', t0, t0 + 11, 11), [bucket(t0, 1, 5, 3)])
      assert.deepEqual(await store.activity('ip', '10.9.9.9', t0, t0 + 11, 11), [])
      const top = await store.topSources('ip', t0, t0 + 11, 'failures', 10)
      assert.deepEqual(top.map((s) => [s.key, s.failures]), [['10.0.0.1', 4], ['10.0.0.2', 1]])
      const byLogins = await store.topSources('ip', t0, t0 + 11, 'distinct_logins', 1)
      assert.deepEqual(byLogins.map((s) => [s.key, s.distinctLogins]), [['10.0.0.1', 3]])
      // Ties break by key, the same on every backend.
      const tied = await store.topSources('ip', t0 + 1, t0 + 3, 'attempts', 10)
      assert.deepEqual(tied.map((s) => [s.key, s.attempts]), [['10.0.0.2', 2]])
      const ties = await store.topSources('ip', t0 + 2, t0 + 4, 'attempts', 10)
      assert.deepEqual(ties.map((s) => s.key), ['10.0.0.1', '10.0.0.2'])
    })

    it('counts global frequencies once per login and in totals, and erase takes a login out of them', async () => {
      const g0 = await store.globalTotals()
      await store.writeBatch([
        record({ login: 'g1', t: BASE + 2000, country: 'NZ' }), record({ login: 'g1', t: BASE + 2001, country: 'NZ', success: false }),
        record({ login: 'g2', t: BASE + 2002, country: 'NZ' })
      ])
      assert.deepEqual(await store.globalFeature('country', 'NZ'), { logins: 2, successes: 2, failures: 1 })
      assert.deepEqual(await store.globalFeature('country', 'AQ'), { logins: 0, successes: 0, failures: 0 })
      assert.deepEqual(await store.globalTotals(), { logins: g0.logins + 2, successes: g0.successes + 2, failures: g0.failures + 1 })
      assert.equal(await store.erase('g1'), 2)
      assert.deepEqual(await store.recentReports('g1', 10), [])
      assert.deepEqual(await store.profile('g1'), { totals: null, countries: [], devices: [], prefixes: [], lastSuccess: null })
      assert.deepEqual(await store.globalFeature('country', 'NZ'), { logins: 1, successes: 1, failures: 0 })
      assert.deepEqual(await store.globalTotals(), { logins: g0.logins + 1, successes: g0.successes + 1, failures: g0.failures })
      assert.equal(await store.erase('g1'), 0)
      await store.erase('g2')
      assert.deepEqual(await store.globalFeature('country', 'NZ'), { logins: 0, successes: 0, failures: 0 })
    })


    it('counts the distinct values of a kind across logins (the risk model\'s smoothing)', async () => {
      const before = await store.globalDistinct('country')
      await store.writeBatch([record({ login: 'd1', t: BASE + 2100, country: 'TO' }), record({ login: 'd2', t: BASE + 2101, country: 'TO' })])
      assert.equal(await store.globalDistinct('country'), before + 1)
      await store.writeBatch([record({ login: 'd1', t: BASE + 2102, country: 'WS' })])
      assert.equal(await store.globalDistinct('country'), before + 2)
      await store.erase('d1')
      await store.erase('d2')
      assert.equal(await store.globalDistinct('country'), before)
    })
    it('prunes in bounded steps: old reports and profiles go, their counts leave the global frequencies', async () => {
      const old = BASE - 10 * 86_400
      await store.writeBatch([
        record({ login: 'old', t: old, country: 'IS' }), record({ login: 'old', t: old + 1, country: 'IS' }),
        record({ login: 'old', t: old + 2, country: 'IS' }), record({ login: 'mixed', t: old, country: 'IS' }),
        record({ login: 'mixed', t: BASE + 3000, country: 'PT' })
      ])
      let removed = 0
      let steps = 0
      for (let done = false; !done; steps++) {
        assert.ok(steps < 500, 'retention finishes in bounded steps')
        const step = await store.prune(BASE - 86_400, 2)
        removed += step.removed
        done = step.done
      }
      // 4 old reports, 'old' login row, its 3 feature rows, and 'mixed''s old IS row.
      assert.ok(removed >= 4 + 1 + 3 + 1, `removed ${removed}`)
      assert.ok(steps > 1, 'a step of 2 reports cannot hold them all')
      let again = 0
      for (let done = false; !done;) { const step = await store.prune(BASE - 86_400, 2); again += step.removed; done = step.done }
      assert.equal(again, 0, 'nothing left to prune')
      assert.deepEqual(await store.recentReports('old', 10), [])
      assert.equal(await store.totals('old'), null)
      assert.deepEqual((await store.recentReports('mixed', 10)).map((r) => r.t), [BASE + 3000])
      assert.equal(await store.feature('mixed', 'country', 'IS'), null)
      assert.notEqual(await store.feature('mixed', 'country', 'PT'), null)
      assert.deepEqual(await store.globalFeature('country', 'IS'), { logins: 0, successes: 0, failures: 0 })
    })

    it('keeps everything across close and open', async () => {
      await store.writeBatch([record({ login: 'kept', t: BASE + 4000, country: 'JP' })])
      await store.close()
      store = await open()
      assert.deepEqual((await store.recentReports('kept', 10)).map((r) => r.country), ['JP'])
      assert.equal((await store.totals('kept'))?.successes, 1)
      assert.equal(await store.newestEventTime(), BASE + 4000)
    })
  })
}
