import assert from 'node:assert/strict'
import { test } from 'node:test'
import { captureLogs, makeDispatcher, startReceiver, waitFor } from './helpers.ts'

function dropLines (logs: ReturnType<typeof captureLogs>, name: string): number[] {
  return logs
    .filter((l) => l.message === 'Custom webhook events dropped' && l.fields?.name === name)
    .map((l) => Number(l.fields?.dropped))
}

test('a full queue drops new events, counts them per hook and logs them with a count', async (t) => {
  const logs = captureLogs(t)
  const rx = await startReceiver(t, () => ({ status: 200, delayMs: 20 }))
  const { dispatcher, recorded } = makeDispatcher(t, { settings: { queueSize: 3, numThreads: 1, connsPerThread: 1 } })
  dispatcher.addHook('busy', { url: rx.url })
  dispatcher.addHook('other', { url: rx.url })
  const accepted: boolean[] = []
  // All in one tick: nothing has left the queue yet, so exactly queueSize events fit.
  for (let i = 0; i < 10; i++) accepted.push(dispatcher.run('busy', `{"i":${i}}`))
  accepted.push(dispatcher.run('other', '{}'))
  assert.deepEqual(accepted, [true, true, true, false, false, false, false, false, false, false, false])
  assert.equal(dispatcher.queueSize(), 3)
  assert.equal(recorded.drops.filter((n) => n === 'busy').length, 7)
  assert.deepEqual(recorded.drops.filter((n) => n === 'other'), ['other'])

  const result = await dispatcher.drain(5000)
  assert.deepEqual(result, { completed: true, remaining: 0 })
  assert.equal(rx.requests.length, 3)
  const busy = dispatcher.stats().find((s) => s.name === 'busy')
  assert.deepEqual({ s: busy?.successes, f: busy?.failures, d: busy?.drops }, { s: 3, f: 0, d: 7 })
  // Throttled: one line at once, the rest summed into the line flushed at shutdown.
  const lines = dropLines(logs, 'busy')
  assert.equal(lines[0], 1)
  assert.equal(lines.reduce((a, b) => a + b, 0), 7)
  assert.ok(lines.length <= 2)
  assert.deepEqual(dropLines(logs, 'other'), [1])
  // After drain nothing is accepted, and that is counted as a drop too.
  assert.equal(dispatcher.run('busy', '{}'), false)
  assert.equal(dispatcher.stats().find((s) => s.name === 'busy')?.drops, 8)
})

test('concurrent requests never exceed numThreads × connsPerThread', async (t) => {
  const rx = await startReceiver(t, () => ({ status: 200, delayMs: 15 }))
  const { dispatcher, recorded } = makeDispatcher(t, { settings: { numThreads: 2, connsPerThread: 2 } })
  dispatcher.addHook('a', { url: rx.url + '/a' })
  dispatcher.addHook('b', { url: rx.url + '/b' })
  let maxSeen = 0
  for (let i = 0; i < 40; i++) dispatcher.run(i % 2 === 0 ? 'a' : 'b', `{"i":${i}}`)
  await waitFor(() => {
    maxSeen = Math.max(maxSeen, dispatcher.inFlight())
    return recorded.results.length === 40
  })
  assert.equal(rx.requests.length, 40)
  assert.ok(rx.maxInFlight() <= 4, `receiver saw ${rx.maxInFlight()} concurrent requests`)
  assert.ok(rx.maxInFlight() >= 2, 'requests should overlap up to the bound')
  assert.ok(maxSeen <= 4)
  assert.ok(recorded.results.every((r) => r.ok))
  assert.equal(dispatcher.queueSize(), 0)
})

test('drain on close lets queued deliveries finish within the bound', async (t) => {
  const rx = await startReceiver(t, () => ({ status: 200, delayMs: 10 }))
  const { dispatcher, recorded } = makeDispatcher(t, { settings: { numThreads: 1, connsPerThread: 2 } })
  dispatcher.addHook('h', { url: rx.url })
  for (let i = 0; i < 12; i++) dispatcher.run('h', `{"i":${i}}`)
  assert.equal(dispatcher.queueSize(), 12)
  await dispatcher.close()
  await dispatcher.close() // idempotent
  assert.equal(rx.requests.length, 12)
  assert.equal(recorded.results.filter((r) => r.ok).length, 12)
  assert.equal(dispatcher.queueSize(), 0)
})

test('drain gives up at its timeout and logs what is left with a count', async (t) => {
  const logs = captureLogs(t)
  const rx = await startReceiver(t, () => 'hang')
  const { dispatcher, recorded } = makeDispatcher(t, { settings: { numThreads: 1, connsPerThread: 1, timeoutMs: 10000 } })
  dispatcher.addHook('slow', { url: rx.url })
  for (let i = 0; i < 5; i++) dispatcher.run('slow', '{}')
  await waitFor(() => rx.requests.length === 1)
  const result = await dispatcher.drain(100)
  assert.deepEqual(result, { completed: false, remaining: 5 })
  const line = logs.find((l) => l.message === 'Custom webhook deliveries abandoned at shutdown')
  assert.ok(line)
  assert.equal(line.fields?.count, 5)
  assert.equal(line.fields?.hooks, 'slow=5')
  assert.equal(dispatcher.stats()[0].failures, 5)
  assert.equal(recorded.results.length, 5)
  assert.ok(recorded.results.every((r) => !r.ok))
  assert.equal(dispatcher.queueSize(), 0)
  assert.equal(dispatcher.inFlight(), 0)
})

test('deliveries waiting for a retry are drained too', async (t) => {
  const rx = await startReceiver(t, (_req, i) => (i === 0 ? 500 : 200))
  const { dispatcher, recorded } = makeDispatcher(t, { settings: { retryBaseDelayMs: 40, retryMaxDelayMs: 40 } })
  dispatcher.addHook('h', { url: rx.url })
  dispatcher.run('h', '{}')
  await waitFor(() => recorded.attempts.length === 1)
  assert.equal(dispatcher.queueSize(), 1) // backing off
  const result = await dispatcher.drain(5000)
  assert.deepEqual(result, { completed: true, remaining: 0 })
  assert.deepEqual(recorded.results, [{ name: 'h', ok: true }])
})
