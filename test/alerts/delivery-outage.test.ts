import { test } from 'node:test'
import assert from 'node:assert/strict'
import { type Registry } from 'prom-client'
import { AlertRouter, type AlertHub, AlertSettings, alertRoutePorts, applyAlertOptions, parseAlertRoute, type AlertTransports } from '../../src/alerts/index.ts'
import { WebhookDispatcher } from '../../src/webhooks/index.ts'
import { startDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { Receiver } from '../integration/receiver.ts'
import { ManualTimers } from '../outbound/manual-timers.ts'
import { hubUnderTest, input, metricValue } from './hub-helpers.ts'

const MINUTE = 60_000
const OUTAGE_MS = 10 * MINUTE

/** A real receiver on loopback that answers 503 until the fake clock passes the outage, then 200. */
async function receiverDownFor (clock: ManualTimers, outageMs: number): Promise<{ rx: Receiver, accepted: () => number[] }> {
  const rx = await new Receiver().start()
  const statuses: number[] = []
  rx.behave = () => {
    const status = clock.now() < outageMs ? 503 : 200
    statuses.push(status)
    return { status }
  }
  const accepted = (): number[] => rx.requests.filter((_, i) => statuses[i] === 200).map((r) => (JSON.parse(r.body.toString()) as { id: number }).id)
  return { rx, accepted }
}

/**
 * Runs the queue on the fake clock: after each real attempt (real HTTP), jumps to the next retry
 * timer, until `done` holds or no retry is pending any more (the delivery ended).
 */
async function runUntil (clock: ManualTimers, dispatcher: WebhookDispatcher, done: () => boolean): Promise<void> {
  for (;;) {
    await eventually(() => done() || (dispatcher.inFlight() === 0 && (clock.delays().length > 0 || dispatcher.queueSize() === 0)), 'the attempt to finish')
    if (done() || clock.delays().length === 0) return
    clock.advance(clock.delays()[0])
  }
}

/** The daemon's alert path in-process: hub → router → the alert ports → a webhook queue on the fake clock. */
function alertPath (clock: ManualTimers, url: string, options: Record<string, unknown> = {}): { hub: AlertHub, registry: Registry, dispatcher: WebhookDispatcher } {
  const settings = new AlertSettings()
  applyAlertOptions(settings, options)
  // random() = 1: the full backoff every time, so the retries are as sparse as they can be.
  const dispatcher = new WebhookDispatcher({ timers: clock, random: () => 1 })
  dispatcher.addHook('soc', { url: `${url}/alerts`, secret: 's' })
  const transports: AlertTransports = {
    webhooks: dispatcher,
    mail: { configured: false, enqueue: () => false },
    userAddress: async () => null
  }
  const { hub, registry } = hubUnderTest()
  const router = new AlertRouter()
  router.configure([parseAlertRoute({ webhooks: 'soc' }, 1, false)], alertRoutePorts(transports, settings.delivery))
  hub.subscribeRouted(router)
  return { hub, registry, dispatcher }
}

test('an alert reaches a webhook receiver that answered 503 for 10 minutes, exactly once, nothing dropped', async (t) => {
  const clock = new ManualTimers()
  const { rx, accepted } = await receiverDownFor(clock, OUTAGE_MS)
  t.after(() => rx.close())
  const { hub, registry, dispatcher } = alertPath(clock, rx.url)
  t.after(() => dispatcher.drain(0))

  const alert = await hub.submit(input())
  assert.equal(alert?.id, 1)
  await runUntil(clock, dispatcher, () => accepted().length > 0)

  assert.deepEqual(accepted(), [1])
  assert.ok(clock.now() >= OUTAGE_MS, `delivered after the outage (${clock.now()} ms of fake time)`)
  // Backoff capped at 5 minutes: the receiver had it within 5 minutes of coming back.
  assert.ok(clock.now() < OUTAGE_MS + 5 * MINUTE, `at ${clock.now()} ms`)
  assert.ok(rx.requests.length > 3, `retried past the custom webhook limit of 3 attempts (${rx.requests.length})`)
  await eventually(() => dispatcher.stats()[0].successes === 1, 'the delivery to settle')
  assert.deepEqual(dispatcher.stats().map((s) => [s.successes, s.failures, s.drops]), [[1, 0, 0]])
  assert.equal(await metricValue(registry, 'trackalert_alert_deliveries_dropped_total', { type: 'new_device' }), 0)
  // Nothing left to retry: no second copy follows.
  assert.deepEqual(clock.delays(), [])
  assert.equal(dispatcher.queueSize(), 0)
})

test('delivery_max_age bounds the retries: past it the alert is given up, counted and logged as dropped', async (t) => {
  const clock = new ManualTimers()
  const { rx, accepted } = await receiverDownFor(clock, OUTAGE_MS)
  t.after(() => rx.close())
  const { hub, registry, dispatcher } = alertPath(clock, rx.url, { delivery_max_age: '5m', delivery_max_delay: '1m' })
  t.after(() => dispatcher.drain(0))

  await hub.submit(input())
  await runUntil(clock, dispatcher, () => false)
  await eventually(() => dispatcher.stats()[0].failures === 1, 'the delivery to be given up')
  assert.deepEqual(accepted(), [])
  assert.ok(clock.now() <= 5 * MINUTE, `given up within the max age (${clock.now()} ms)`)
  assert.equal(await metricValue(registry, 'trackalert_alert_deliveries_dropped_total', { type: 'new_device' }), 1)
})

test('a plain runCustomWebHook event keeps the custom webhook policy: 3 attempts within 60 s', async (t) => {
  const clock = new ManualTimers()
  const { rx, accepted } = await receiverDownFor(clock, OUTAGE_MS)
  t.after(() => rx.close())
  const { dispatcher } = alertPath(clock, rx.url)
  t.after(() => dispatcher.drain(0))

  assert.equal(dispatcher.run('soc', '{"event":"plain"}'), true)
  await runUntil(clock, dispatcher, () => false)
  await eventually(() => dispatcher.stats()[0].failures === 1, 'the event to be given up')
  assert.equal(rx.requests.length, 3)
  assert.deepEqual(accepted(), [])
  assert.ok(clock.now() < MINUTE, `at ${clock.now()} ms`)
})

test('bad delivery_max_age / delivery_max_delay: the daemon refuses the configuration at its line', async () => {
  const cases: Array<[string, RegExp]> = [
    ['setAlertOptions{ delivery_max_age = "soon" }', /trackalert\.conf:3: setAlertOptions: delivery_max_age: expected a duration such as 3600, "90s", "15m", "1h", "30d" or "01:00:00", got "soon"/],
    ['setAlertOptions{ delivery_max_delay = -5 }', /trackalert\.conf:3: setAlertOptions: delivery_max_delay: expected a duration .* got -5/],
    ['\nsetAlertOptions{ delivery_max_age = "30m", delivery_max_delay = "1h" }', /trackalert\.conf:4: setAlertOptions: delivery_max_delay \(3600 s\) must not exceed delivery_max_age \(1800 s\)/]
  ]
  for (const [config, expected] of cases) {
    await assert.rejects(startDaemon({ config }), (err: Error) => { assert.match(err.message, expected); return true })
  }
  // Within bounds, the same options load.
  const d = await startDaemon({ config: 'setAlertOptions{ delivery_max_age = "2d", delivery_max_delay = "10m" }' })
  assert.equal(await d.stop(), 0)
})
