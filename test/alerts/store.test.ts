import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { MemoryAlertStore, parseAlertQuery, type Alert } from '../../src/alerts/index.ts'
import { T0 } from './hub-helpers.ts'

const DAY = 86400

function alert (id: number, fields: Partial<Alert> = {}): Alert {
  return { id, type: 'new_device', severity: 'low', login: `user${id % 3}`, remote: '192.0.2.1', t: T0 + id, evidence: {}, suppressed: 0, ...fields }
}

async function filled (store: MemoryAlertStore, n: number, t: (id: number) => number = (id) => T0 + id): Promise<void> {
  for (let id = 1; id <= n; id++) await store.append(alert(id, { t: t(id) }))
}

describe('MemoryAlertStore bounds', () => {
  it('keeps at least the last `keep` alerts however old, and every alert within keep_for', async () => {
    const store = new MemoryAlertStore({ keep: 3, keepForS: DAY, keepMax: 100 })
    // Ten alerts a day apart: only the last `keep` are within bounds by count; none by age but the newest.
    await filled(store, 10, (id) => T0 + id * DAY)
    assert.deepEqual((await store.query({ limit: 100 })).map((a) => a.id), [8, 9, 10])
    const recent = new MemoryAlertStore({ keep: 3, keepForS: DAY, keepMax: 100 })
    // Ten alerts within one day: all kept though more than `keep`.
    await filled(recent, 10)
    assert.equal(recent.size, 10)
  })

  it('drops at the age boundary: an alert exactly keep_for old stays, one second older goes', async () => {
    const store = new MemoryAlertStore({ keep: 1, keepForS: DAY, keepMax: 100 })
    await store.append(alert(1, { t: T0 }))
    await store.append(alert(2, { t: T0 + DAY }))
    assert.equal(store.size, 2)
    await store.append(alert(3, { t: T0 + DAY + 1 }))
    assert.deepEqual((await store.query({ limit: 10 })).map((a) => a.id), [2, 3])
  })

  it('never holds more than keep_max, however recent', async () => {
    const store = new MemoryAlertStore({ keep: 5, keepForS: DAY, keepMax: 7 })
    await filled(store, 3000)
    assert.equal(store.size, 7)
    assert.deepEqual((await store.query({ limit: 100 })).map((a) => a.id), [2994, 2995, 2996, 2997, 2998, 2999, 3000])
  })
})

describe('MemoryAlertStore queries', () => {
  it('since: the alerts after that id, oldest first, at most limit', async () => {
    const store = new MemoryAlertStore()
    await filled(store, 10)
    assert.deepEqual((await store.query({ since: 4, limit: 3 })).map((a) => a.id), [5, 6, 7])
    assert.deepEqual((await store.query({ since: 9, limit: 3 })).map((a) => a.id), [10])
    assert.deepEqual(await store.query({ since: 10, limit: 3 }), [])
    assert.deepEqual((await store.query({ since: 0, limit: 2 })).map((a) => a.id), [1, 2])
  })

  it('without since: the newest `limit`, oldest first', async () => {
    const store = new MemoryAlertStore()
    await filled(store, 10)
    assert.deepEqual((await store.query({ limit: 3 })).map((a) => a.id), [8, 9, 10])
  })

  it('filters by type and login before the limit', async () => {
    const store = new MemoryAlertStore()
    await filled(store, 9)
    await store.append(alert(10, { type: 'password_spray', login: null }))
    assert.deepEqual((await store.query({ login: 'user1', limit: 2 })).map((a) => a.id), [4, 7])
    assert.deepEqual((await store.query({ login: 'user1', since: 1, limit: 2 })).map((a) => a.id), [4, 7])
    assert.deepEqual((await store.query({ type: 'password_spray', limit: 5 })).map((a) => a.id), [10])
  })
})

describe('GET /command/alerts parameters', () => {
  const parse = (q: string): ReturnType<typeof parseAlertQuery> => parseAlertQuery(new URLSearchParams(q))

  it('reads since, type, login and limit (default 100)', () => {
    assert.deepEqual(parse('since=5&type=new_device&login=alice&limit=7'), { query: { since: 5, type: 'new_device', login: 'alice', limit: 7 } })
    assert.deepEqual(parse(''), { query: { limit: 100 } })
    assert.deepEqual(parse('limit=10000'), { query: { limit: 10000 } })
  })

  it('refuses bad values with a reason', () => {
    for (const [q, why] of [
      ['since=-1', /'since' must be a whole number/],
      ['since=abc', /'since' must be a whole number/],
      ['limit=0', /'limit' must be between 1 and 10000/],
      ['limit=10001', /'limit' must be between 1 and 10000/],
      ['login=', /'login' must not be empty/],
      ['typo=1', /unknown parameter 'typo'/],
      ['type=a&type=b', /'type' given more than once/]
    ] as const) {
      const parsed = parse(q)
      assert.ok('error' in parsed && why.test(parsed.error), `${q}: ${JSON.stringify(parsed)}`)
    }
  })
})

describe('MemoryAlertStore erasure', () => {
  it('eraseLogin removes every alert of the login and says how many; the others keep answering in order', async () => {
    const store = new MemoryAlertStore()
    await filled(store, 7)
    assert.equal(await store.eraseLogin('user1'), 3)
    assert.equal(await store.eraseLogin('user1'), 0)
    assert.deepEqual((await store.query({ limit: 100 })).map((a) => a.id), [2, 3, 5, 6])
    assert.deepEqual((await store.query({ since: 3, limit: 100 })).map((a) => a.id), [5, 6])
    await store.append(alert(8))
    assert.deepEqual((await store.query({ limit: 2 })).map((a) => a.id), [6, 8])
  })
})
