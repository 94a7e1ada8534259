import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { WebhookDelivery, WebhookDispatcher, type CustomWebhook } from '../../src/webhooks/index.ts'
import { ManualTimers, settle } from '../outbound/manual-timers.ts'
import { startReceiver, waitFor } from './helpers.ts'

/** One process-wide delivery, as the daemon has, on a manual clock so retries fire when the test says. */
function processDelivery (t: TestContext): { delivery: WebhookDelivery, clock: ManualTimers, results: Array<{ hook: CustomWebhook, ok: boolean }> } {
  const clock = new ManualTimers()
  const results: Array<{ hook: CustomWebhook, ok: boolean }> = []
  const delivery = new WebhookDelivery({ timers: clock, random: () => 1, observer: { onResult: (hook, ok) => results.push({ hook, ok }) } })
  t.after(async () => {
    const draining = delivery.drain(100)
    clock.advance(100)
    await draining
  })
  return { delivery, clock, results }
}

/** A configuration load: its dispatcher on the shared delivery, started (made current) as a reload does. */
function generation (delivery: WebhookDelivery, hooks: Record<string, Record<string, string>>): WebhookDispatcher {
  const d = new WebhookDispatcher({ delivery, settings: { retryBaseDelayMs: 100, retryMaxDelayMs: 100 } })
  for (const [name, keys] of Object.entries(hooks)) d.addHook(name, keys)
  d.start()
  return d
}

test('a queued event goes out under the hook of its name in the configuration current at its next attempt', async (t) => {
  const rx = await startReceiver(t, (_req, i) => (i === 0 ? 503 : 200))
  const { delivery, clock, results } = processDelivery(t)
  const first = generation(delivery, { alert: { url: `${rx.url}/old`, secret: 'one' } })
  assert.equal(first.run('alert', '{"n":1}'), true)
  await waitFor(() => rx.requests.length === 1)
  await settle()
  assert.deepEqual(clock.delays(), [100], 'backing off')

  const second = generation(delivery, { other: { url: `${rx.url}/other` }, alert: { url: `${rx.url}/new`, secret: 'two' } })
  clock.advance(100)
  await waitFor(() => results.length === 1)
  const [before, after] = rx.requests
  assert.deepEqual([before.url, after.url], ['/old', '/new'])
  assert.equal(after.headers['x-wforce-delivery'], before.headers['x-wforce-delivery'], 'one delivery id across the reload')
  assert.equal(after.headers['x-wforce-signature'], createHmac('sha256', 'two').update(after.body).digest('base64'))
  assert.equal(after.headers['x-wforce-hookid'], '2')
  assert.equal(results[0].ok, true)
  // The figures go to the hook that delivered it, in the configuration now shown.
  assert.deepEqual(second.stats().find((s) => s.name === 'alert'), { id: 2, name: 'alert', url: `${rx.url}/new`, successes: 1, failures: 0, drops: 0 })
  assert.equal(first.stats()[0].successes, 0)
})

test('an event whose hook the reload removed still goes out, to the hook it was queued for', async (t) => {
  const rx = await startReceiver(t, (_req, i) => (i === 0 ? 503 : 200))
  const { delivery, clock, results } = processDelivery(t)
  const first = generation(delivery, { gone: { url: `${rx.url}/gone` } })
  first.run('gone', '{}')
  await waitFor(() => rx.requests.length === 1)
  await settle()
  generation(delivery, {})
  clock.advance(100)
  await waitFor(() => results.length === 1)
  assert.deepEqual(rx.requests.map((r) => r.url), ['/gone', '/gone'])
  assert.equal(results[0].ok, true)
  assert.equal(first.stats()[0].successes, 1)
})

test('a reload applies the new queue settings to events already queued', async (t) => {
  const rx = await startReceiver(t, () => 503)
  const { delivery, clock, results } = processDelivery(t)
  const first = generation(delivery, { h: { url: rx.url } })
  first.run('h', '{}')
  await waitFor(() => rx.requests.length === 1)
  await settle()
  const d = new WebhookDispatcher({ delivery, settings: { maxAttempts: 2, retryBaseDelayMs: 100, retryMaxDelayMs: 100 } })
  d.addHook('h', { url: rx.url })
  d.start()
  clock.advance(100)
  await waitFor(() => results.length === 1)
  assert.equal(rx.requests.length, 2, 'the second attempt was the last under maxAttempts = 2')
  assert.equal(results[0].ok, false)
  assert.equal(d.stats()[0].failures, 1)
})
