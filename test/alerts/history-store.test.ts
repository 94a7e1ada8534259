import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Alert, type AlertBounds, type AlertStore } from '../../src/alerts/index.ts'
import { PostgresAlertStore } from '../../src/history/postgres/alerts.ts'
import { SqliteAlertStore } from '../../src/history/sqlite-alerts.ts'
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts'
import { T0 } from './hub-helpers.ts'

const DAY = 86400

function alert (id: number, fields: Partial<Alert> = {}): Alert {
  return { id, type: id % 2 === 0 ? 'new_device' : 'new_country', severity: 'low', login: `user${id % 3}`, remote: '192.0.2.1', t: T0 + id, evidence: { id }, suppressed: 0, ...fields }
}

/** Opens a store; calling it again with the same name opens the same data (a restart). */
type Open = (name: string, bounds?: AlertBounds) => Promise<AlertStore>

const ids = (alerts: Alert[]): number[] => alerts.map((a) => a.id)

async function filled (store: AlertStore, n: number, t: (id: number) => number = (id) => T0 + id): Promise<void> {
  for (let id = 1; id <= n; id++) await store.append(alert(id, { t: t(id) }))
}

/** What every persistent alert store does: the memory store's bounds and queries, plus restarts and the outbox. */
function contract (open: Open): void {
  const fresh = (() => { let n = 0; return (bounds?: AlertBounds) => open(`s${++n}`, bounds) })()
  const bounded = (keep: number, keepForS: number, keepMax: number) => fresh({ keep, keepForS, keepMax })

  it('keeps at least the last `keep` alerts however old, and every alert within keep_for', async () => {
    const store = await bounded(3, DAY, 100)
    await filled(store, 10, (id) => T0 + id * DAY)
    assert.deepEqual(ids(await store.query({ limit: 100 })), [8, 9, 10])
    const recent = await bounded(3, DAY, 100)
    await filled(recent, 10)
    assert.equal((await recent.query({ limit: 100 })).length, 10)
    await Promise.all([store.close(), recent.close()])
  })

  it('drops at the age boundary: an alert exactly keep_for old stays, one second older goes', async () => {
    const store = await bounded(1, DAY, 100)
    await store.append(alert(1, { t: T0 }))
    await store.append(alert(2, { t: T0 + DAY }))
    assert.deepEqual(ids(await store.query({ limit: 10 })), [1, 2])
    await store.append(alert(3, { t: T0 + DAY + 1 }))
    assert.deepEqual(ids(await store.query({ limit: 10 })), [2, 3])
    await store.close()
  })

  it('never holds more than keep_max, however recent', async () => {
    const store = await bounded(5, DAY, 7)
    await filled(store, 300)
    assert.deepEqual(ids(await store.query({ limit: 100 })), [294, 295, 296, 297, 298, 299, 300])
    await store.close()
  })

  it('answers as the memory store: since (oldest first), newest limit, type and login filters', async () => {
    const store = await fresh()
    await filled(store, 10)
    assert.deepEqual(ids(await store.query({ since: 4, limit: 3 })), [5, 6, 7])
    assert.deepEqual(await store.query({ since: 10, limit: 3 }), [])
    assert.deepEqual(ids(await store.query({ limit: 3 })), [8, 9, 10])
    assert.deepEqual(ids(await store.query({ type: 'new_device', limit: 2 })), [8, 10])
    assert.deepEqual(ids(await store.query({ login: 'user1', since: 1, limit: 10 })), [4, 7, 10])
    assert.deepEqual(ids(await store.query({ login: 'user1', type: 'new_device', limit: 10 })), [4, 10])
    assert.deepEqual((await store.query({ since: 6, limit: 1 }))[0], alert(7))
    await store.close()
  })

  it('after a reopen: the alerts, the last id, and the outbox of alerts not marked routed with their attributes', async () => {
    const first = await open('restart')
    assert.equal(await first.lastId(), 0)
    await first.append(alert(1), { email: 'a@example.org' })
    await first.append(alert(2), { email: 'b@example.org' })
    await first.append(alert(3), {})
    await first.markRouted(2)
    await first.close()
    const second = await open('restart')
    assert.equal(await second.lastId(), 3)
    assert.deepEqual(ids(await second.query({ limit: 10 })), [1, 2, 3])
    assert.deepEqual(await second.unrouted(), [{ alert: alert(1), attrs: { email: 'a@example.org' } }, { alert: alert(3), attrs: {} }])
    await second.markRouted(1)
    await second.markRouted(3)
    assert.deepEqual(await second.unrouted(), [])
    await second.close()
  })

  it('eraseLogin removes every alert of the login, its outbox attributes included; ids still continue after a reopen', async () => {
    const first = await open('erase')
    // alert(n).login is user{n % 3}: user0 has 3 and 6, user1 has 1 and 4, user2 has 2 and 5.
    for (let id = 1; id <= 6; id++) await first.append(alert(id), { email: `user${id % 3}@example.org` })
    assert.equal(await first.eraseLogin('user0'), 2, 'the newest alert (6) is user0\'s: counted too')
    assert.equal(await first.eraseLogin('user0'), 0)
    assert.equal(await first.eraseLogin('nobody'), 0)
    assert.deepEqual(ids(await first.query({ limit: 10 })), [1, 2, 4, 5])
    assert.deepEqual(await first.query({ login: 'user0', limit: 10 }), [])
    assert.deepEqual(ids(await first.query({ since: 4, limit: 10 })), [5])
    assert.deepEqual((await first.unrouted()).map((r) => [r.alert.id, r.attrs.email]),
      [[1, 'user1@example.org'], [2, 'user2@example.org'], [4, 'user1@example.org'], [5, 'user2@example.org']])
    await first.close()
    const second = await open('erase')
    assert.equal(await second.lastId(), 6, 'an erased newest alert does not give its id again')
    assert.equal(await second.eraseLogin('user1'), 2)
    assert.deepEqual(ids(await second.query({ limit: 10 })), [2, 5])
    await second.close()
  })
}

describe('SqliteAlertStore', () => {
  let dir = ''
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'trackalert-alert-store-')) })
  contract(async (name, bounds) => {
    const store = new SqliteAlertStore(join(dir, `${name}.db`))
    if (bounds !== undefined) store.setBounds(bounds)
    return store
  })
})

describe('PostgresAlertStore', () => {
  let server: TestPostgres
  before(async () => {
    server = await startPostgres()
    await server.createDatabase('alerts')
  })
  after(async () => { await server.destroy() })
  // One database, one instance name per store: also shows that instances do not see each other's alerts.
  contract(async (name, bounds) => {
    const store = await PostgresAlertStore.open({ url: server.url('alerts'), instance: name })
    if (bounds !== undefined) store.setBounds(bounds)
    return store
  })

  it('waits for an unreachable database at start rather than restarting ids at 1', async () => {
    const first = await PostgresAlertStore.open({ url: server.url('alerts'), instance: 'outage' })
    await first.append(alert(1))
    await first.close()
    await server.stop()
    const second = await PostgresAlertStore.open({ url: server.url('alerts'), instance: 'outage' })
    const lastId = second.lastId()
    await server.start()
    assert.equal(await lastId, 1)
    await second.close()
  })
})
