import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DeliveryQueue, type AttemptOutcome, type DeliveryEnd, type DeliveryPolicy } from '../../src/outbound/index.ts'
import { ManualTimers, settle } from './manual-timers.ts'

const policy: DeliveryPolicy = {
  limit: 10, limitIncludesInFlight: false, concurrency: 1, maxAttempts: 3, maxAgeMs: Infinity, retryBaseDelayMs: 100, retryMaxDelayMs: 1000
}
const OK: AttemptOutcome = { ok: true, retryable: false, detail: '', retryAfterMs: undefined }
const BUSY: AttemptOutcome = { ok: false, retryable: true, detail: 'HTTP status 503', retryAfterMs: undefined }

/** A transport whose attempts the test answers one by one. */
class ScriptedTransport {
  readonly attempts: Array<{ job: string, attempt: number, answer: (o: AttemptOutcome) => void }> = []
  readonly ends: Array<{ job: string, end: DeliveryEnd, detail: string, attempts: number }> = []
  readonly retries: Array<{ job: string, delayMs: number }> = []
  attempt (job: string, attempt: number): Promise<AttemptOutcome> {
    return new Promise((resolve) => this.attempts.push({ job, attempt, answer: resolve }))
  }

  settle (job: string, end: DeliveryEnd, detail: string, attempts: number): void { this.ends.push({ job, end, detail, attempts }) }
  retrying (job: string, _attempts: number, delayMs: number): void { this.retries.push({ job, delayMs }) }
  /** Answers the oldest unanswered attempt. */
  answer (outcome: AttemptOutcome): void { (this.attempts.shift() as ScriptedTransport['attempts'][number]).answer(outcome) }
}

function makeQueue (over: Partial<DeliveryPolicy> = {}): { q: DeliveryQueue<string>, tx: ScriptedTransport, clock: ManualTimers } {
  const tx = new ScriptedTransport()
  const clock = new ManualTimers()
  // random() = 1: the full backoff, so delays are exact.
  const q = new DeliveryQueue<string>(tx, { ...policy, ...over }, { timers: clock, random: () => 1 })
  return { q, tx, clock }
}

test('the bound refuses deliveries past the limit and counts them', async () => {
  const { q, tx } = makeQueue({ limit: 2 })
  assert.deepEqual(['a', 'b', 'c'].map((j) => q.enqueue(j)), ['queued', 'queued', 'full'])
  await settle()
  // One is on the wire now: waiting ones alone count, so one more fits.
  assert.equal(q.enqueue('d'), 'queued')
  assert.equal(q.enqueue('e'), 'full')
  assert.deepEqual({ accepted: q.counts.accepted, refused: q.counts.refused }, { accepted: 3, refused: 2 })
  assert.equal(tx.attempts.length, 1)

  const strict = makeQueue({ limit: 2, limitIncludesInFlight: true })
  assert.equal(strict.q.enqueue('a'), 'queued')
  await settle()
  assert.equal(strict.q.enqueue('b'), 'queued')
  assert.equal(strict.q.enqueue('c'), 'full', 'the one on the wire counts too')
})

test('failures back off exponentially on the injected clock, then succeed', async () => {
  const { q, tx, clock } = makeQueue({ maxAttempts: 5 })
  q.enqueue('a')
  await settle()
  tx.answer(BUSY)
  await settle()
  assert.deepEqual(clock.delays(), [100])
  clock.advance(99)
  await settle()
  assert.equal(tx.attempts.length, 0, 'no retry before its delay')
  clock.advance(1)
  await settle()
  assert.equal(tx.attempts[0].attempt, 2)
  tx.answer(BUSY)
  await settle()
  assert.deepEqual(clock.delays(), [200])
  clock.advance(200)
  await settle()
  tx.answer({ ...BUSY, retryAfterMs: 700 })
  await settle()
  assert.deepEqual(clock.delays(), [700], 'Retry-After beats a shorter backoff')
  clock.advance(700)
  await settle()
  tx.answer(OK)
  await settle()
  assert.deepEqual(tx.ends, [{ job: 'a', end: 'delivered', detail: '', attempts: 4 }])
  assert.deepEqual(tx.retries.map((r) => r.delayMs), [100, 200, 700])
  assert.deepEqual({ retries: q.counts.retries, delivered: q.counts.delivered }, { retries: 3, delivered: 1 })
  assert.equal(q.size, 0)
})

test('rejections, exhausted attempts and max age each end a delivery once', async () => {
  const { q, tx, clock } = makeQueue({ maxAttempts: 2, concurrency: 3, maxAgeMs: 250 })
  q.enqueue('rejected')
  q.enqueue('exhausted')
  q.enqueue('old')
  await settle()
  tx.answer({ ok: false, retryable: false, detail: 'HTTP status 400', retryAfterMs: undefined })
  tx.answer(BUSY)
  tx.answer({ ...BUSY, retryAfterMs: 300 })
  await settle()
  clock.advance(100)
  await settle()
  tx.answer(BUSY)
  await settle()
  assert.deepEqual(tx.ends.map((e) => [e.job, e.end, e.detail]), [
    ['rejected', 'rejected', 'HTTP status 400 (not retried)'],
    ['old', 'expired', 'HTTP status 503 (gave up after 1 attempts: max age reached)'],
    ['exhausted', 'exhausted', 'HTTP status 503 (gave up after 2 attempts)']
  ])
  assert.equal(q.counts.failed, 3)
})

test('concurrency bounds attempts on the wire; reconfigure applies to queued deliveries', async () => {
  const { q, tx, clock } = makeQueue({ concurrency: 1, maxAttempts: 5 })
  for (const j of ['a', 'b', 'c', 'd']) q.enqueue(j)
  await settle()
  assert.equal(tx.attempts.length, 1)
  q.configure({ ...policy, concurrency: 3, maxAttempts: 1 })
  await settle()
  assert.equal(tx.attempts.length, 3, 'a larger concurrency starts more at once')
  assert.equal(q.inFlight, 3)
  tx.answer(BUSY)
  await settle()
  // The new policy allows one attempt: no retry is scheduled.
  assert.deepEqual(clock.delays(), [])
  assert.deepEqual(tx.ends.map((e) => [e.job, e.end]), [['a', 'exhausted']])
  assert.throws(() => q.configure({ ...policy, concurrency: 0 }), /concurrency must be a positive integer/)
})

test('drain retries backing-off deliveries at once, ends failures for good, and abandons what is left at the timeout', async () => {
  const { q, tx, clock } = makeQueue({ concurrency: 2, maxAttempts: 5 })
  for (const j of ['a', 'b', 'c']) q.enqueue(j)
  await settle()
  tx.answer(BUSY) // a backs off for 100 ms
  await settle()
  assert.equal(q.size, 3)
  const drained = q.drain(1000)
  assert.equal(q.enqueue('late'), 'closed')
  await settle()
  // b and c hold both slots; a waits for one, no longer for its backoff.
  assert.deepEqual(tx.attempts.map((x) => [x.job, x.attempt]), [['b', 1], ['c', 1]])
  tx.answer(OK) // b
  await settle()
  assert.deepEqual(clock.delays(), [1000], 'only the drain timeout is pending: the backoff timer is gone')
  assert.deepEqual(tx.attempts.map((x) => [x.job, x.attempt]), [['c', 1], ['a', 2]])
  ;(tx.attempts.splice(1, 1)[0]).answer(BUSY) // a, while draining: final
  await settle()
  assert.deepEqual(tx.ends.map((e) => [e.job, e.end, e.detail]), [
    ['b', 'delivered', ''], ['a', 'exhausted', 'HTTP status 503 (not retried: shutting down)']
  ])
  // c is on the wire and never answers: the drain gives up on it at its timeout.
  clock.advance(1000)
  const outcome = await drained
  assert.deepEqual(outcome, { completed: false, abandoned: ['c'] })
  assert.deepEqual(tx.ends.at(-1), { job: 'c', end: 'abandoned', detail: 'still queued when the drain timed out', attempts: 1 })
  tx.answer(OK) // the late answer of an abandoned attempt changes nothing
  await settle()
  assert.equal(tx.ends.length, 3)
  assert.deepEqual(q.counts, { accepted: 3, refused: 1, delivered: 1, failed: 1, abandoned: 1, retries: 1 })
  assert.equal(q.drain(5), drained, 'repeat calls share the first drain')
})

test('an idle queue drains at once; whenIdle waits for the last delivery', async () => {
  const { q, tx } = makeQueue()
  assert.deepEqual(await makeQueue().q.drain(10_000), { completed: true, abandoned: [] })
  q.enqueue('a')
  let idle = false
  void q.whenIdle().then(() => { idle = true })
  await settle()
  assert.equal(idle, false)
  tx.answer(OK)
  await settle()
  assert.equal(idle, true)
})

test("a delivery's own retry limits override the policy's; with abandonAtShutdown a failure while draining is left to its owner", async () => {
  const { q, tx, clock } = makeQueue({ concurrency: 2, maxAttempts: 2, retryMaxDelayMs: 1000 })
  q.enqueue('long', { maxAttempts: Infinity, maxAgeMs: 60_000, retryMaxDelayMs: 400, abandonAtShutdown: true })
  q.enqueue('plain')
  await settle()
  tx.answer(BUSY)
  await settle()
  tx.answer(BUSY)
  await settle()
  // 'long' waits 100 ms; 'plain' too: both first retries are below both caps.
  assert.deepEqual(clock.delays(), [100, 100])
  clock.advance(100)
  await settle()
  tx.answer(BUSY) // long, attempt 2: retried (no attempt limit of its own)
  tx.answer(BUSY) // plain, attempt 2: the policy's 2 attempts are used up
  await settle()
  assert.deepEqual(tx.ends.map((e) => [e.job, e.end]), [['plain', 'exhausted']])
  for (const cap of [200, 400, 400]) {
    assert.deepEqual(clock.delays(), [cap], 'its own cap on the backoff (400 ms), not the policy one')
    clock.advance(cap)
    await settle()
    tx.answer(BUSY)
    await settle()
  }
  const drained = q.drain(1000)
  await settle()
  tx.answer(BUSY)
  await drained
  assert.deepEqual(tx.ends.at(-1), { job: 'long', end: 'abandoned', detail: 'HTTP status 503 (left for the next start: shutting down)', attempts: 6 })
})

test('a bad per-delivery retry limit is refused', () => {
  const { q } = makeQueue()
  assert.throws(() => q.enqueue('a', { maxAttempts: 0 }), /delivery maxAttempts must be a positive integer or Infinity, got 0/)
  assert.throws(() => q.enqueue('a', { maxAgeMs: -1 }), /delivery maxAgeMs must not be negative, got -1/)
})
