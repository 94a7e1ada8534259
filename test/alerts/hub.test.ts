import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { defaultAlertHubConfig, DEFAULT_ALERT_BOUNDS, type Alert } from '../../src/alerts/index.ts'
import { T0, hubUnderTest, input, metricValue } from './hub-helpers.ts'

const HOUR = 3600

describe('AlertHub de-duplication (event time)', () => {
  it('lets one alert per (login, type) per hour through; the next carries the suppressed count', async () => {
    const { hub, registry } = hubUnderTest()
    const first = await hub.submit(input({ t: T0 }))
    assert.equal(first?.id, 1)
    assert.equal(first?.suppressed, 0)
    assert.equal(await hub.submit(input({ t: T0 + 1 })), null)
    assert.equal(await hub.submit(input({ t: T0 + HOUR - 1 })), null, 'just below the window: suppressed')
    const atBoundary = await hub.submit(input({ t: T0 + HOUR }))
    assert.equal(atBoundary?.id, 2, 'exactly one window later: let through')
    assert.equal(atBoundary?.suppressed, 2)
    assert.equal(await metricValue(registry, 'trackalert_alerts_suppressed_total', { type: 'new_device' }), 2)
    assert.equal(await metricValue(registry, 'trackalert_alerts_total', { type: 'new_device', severity: 'medium' }), 2)
  })

  it('keys on login and type: another login or another type is not suppressed', async () => {
    const { hub } = hubUnderTest()
    assert.notEqual(await hub.submit(input()), null)
    assert.notEqual(await hub.submit(input({ login: 'bob' })), null)
    assert.notEqual(await hub.submit(input({ type: 'new_country' })), null)
    assert.equal(await hub.submit(input({ remote: '198.51.100.1' })), null, 'same login and type from elsewhere: suppressed')
  })

  it('keys IP-level alerts (no login) on remote and type', async () => {
    const { hub } = hubUnderTest()
    const spray = { type: 'password_spray', login: null, remote: '203.0.113.0/24' }
    assert.notEqual(await hub.submit(input(spray)), null)
    assert.equal(await hub.submit(input({ ...spray, t: T0 + 60 })), null)
    assert.notEqual(await hub.submit(input({ ...spray, remote: '203.0.114.0/24', t: T0 + 60 })), null)
  })

  it('uses event time, not arrival: a replay an hour apart in the same second gives both alerts', async () => {
    const { hub } = hubUnderTest()
    const ids = []
    for (let i = 0; i < 5; i++) ids.push((await hub.submit(input({ t: T0 + i * HOUR })))?.id)
    assert.deepEqual(ids, [1, 2, 3, 4, 5])
  })

  it('follows the configured window; 0 lets every alert through', async () => {
    const { hub } = hubUnderTest()
    hub.configure({ ...defaultAlertHubConfig, rateLimitS: 60 })
    assert.notEqual(await hub.submit(input({ t: T0 })), null)
    assert.equal(await hub.submit(input({ t: T0 + 59 })), null)
    assert.notEqual(await hub.submit(input({ t: T0 + 60 })), null)
    hub.configure({ ...defaultAlertHubConfig, rateLimitS: 0 })
    assert.notEqual(await hub.submit(input({ t: T0 + 60 })), null)
  })
})

describe('AlertHub ids, filter and listeners', () => {
  it('gives concurrent submissions distinct increasing ids, stored in id order', async () => {
    const { hub } = hubUnderTest()
    const accepted = await Promise.all(Array.from({ length: 20 }, (_, i) => hub.submit(input({ login: `user${i}` }))))
    assert.deepEqual(accepted.map((a) => a?.id), Array.from({ length: 20 }, (_, i) => i + 1))
    const stored = await hub.query({ limit: 100 })
    assert.deepEqual(stored.map((a) => a.id), Array.from({ length: 20 }, (_, i) => i + 1))
  })

  it('runs the filter first: it may change the alert or drop it (then nothing is stored or counted)', async () => {
    const { hub, registry } = hubUnderTest()
    hub.configure({
      ...defaultAlertHubConfig,
      filter: async (a) => a.login === 'test-user' ? null : { ...a, severity: 'high', evidence: { ...a.evidence, checked: true } }
    })
    assert.equal(await hub.submit(input({ login: 'test-user' })), null)
    const alert = await hub.submit(input())
    assert.equal(alert?.severity, 'high')
    assert.deepEqual(alert?.evidence, { checked: true })
    assert.equal(alert?.id, 1)
    assert.equal(await metricValue(registry, 'trackalert_alerts_suppressed_total', { type: 'new_device' }), 0)
  })

  it('hands each accepted alert to every listener, once; a throwing listener does not stop the others', async () => {
    const { hub } = hubUnderTest()
    const seen: Alert[] = []
    hub.subscribe({ onAlert: () => { throw new Error('broken listener') } })
    const unsubscribe = hub.subscribe({ onAlert: (a) => { seen.push(a) } })
    const routed: unknown[] = []
    hub.subscribeRouted({ onRoutedAlert: (r) => { routed.push(r.attrs) } })
    await hub.submit(input({ attrs: { email: 'alice@example.org' } }))
    await hub.submit(input({ t: T0 + 1 }))
    assert.deepEqual(seen.map((a) => a.id), [1])
    assert.deepEqual(routed, [{ email: 'alice@example.org' }])
    assert.equal('attrs' in seen[0], false, 'report attributes are not part of the alert')
    unsubscribe()
    await hub.submit(input({ login: 'bob' }))
    assert.equal(seen.length, 1)
  })

  it('keeps risk only when given', async () => {
    const { hub } = hubUnderTest()
    assert.equal('risk' in ((await hub.submit(input())) as Alert), false)
    assert.equal((await hub.submit(input({ type: 'risky_login', risk: 0.93 })))?.risk, 0.93)
  })

  it('continues after the ids a persistent store already holds', async () => {
    const { hub, store } = hubUnderTest()
    await hub.submit(input())
    const { AlertHub, registerAlertMetrics } = await import('../../src/alerts/index.ts')
    const { Registry } = await import('prom-client')
    const restarted = new AlertHub({ store, metrics: registerAlertMetrics(new Registry()) })
    assert.equal((await restarted.submit(input({ login: 'bob' })))?.id, 2)
    assert.equal(DEFAULT_ALERT_BOUNDS.keep, 10_000)
  })
})
