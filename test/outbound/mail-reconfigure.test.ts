import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { LuaLibraryCounters, MailDelivery, MailQueue, MAIL_DEFAULTS, type MailRelaySettings } from '../../src/lualib/index.ts'
import { startSmtp, type TestSmtp } from '../lualib/smtp.ts'
import { waitFor } from '../webhooks/helpers.ts'
import { ManualTimers } from './manual-timers.ts'

const relay = (smtp: TestSmtp): MailRelaySettings => ({
  ...MAIL_DEFAULTS, host: '127.0.0.1', port: smtp.port, from: 'ta@example.com', timeoutMs: 2000, retryDelayMs: 100, retryMaxMs: 100
})

async function relays (t: TestContext): Promise<[TestSmtp, TestSmtp]> {
  const a = await startSmtp()
  const b = await startSmtp()
  t.after(async () => { await a.close(); await b.close() })
  return [a, b]
}

/** The process's mail delivery on a manual clock, drained after the test. */
function processDelivery (t: TestContext): { counters: LuaLibraryCounters, delivery: MailDelivery, clock: ManualTimers } {
  const counters = new LuaLibraryCounters()
  const clock = new ManualTimers()
  const delivery = new MailDelivery(counters, { timers: clock, random: () => 1 })
  t.after(async () => {
    const closing = delivery.close(100)
    clock.advance(100)
    await closing
  })
  return { counters, delivery, clock }
}

/** One configuration load's sendMail side, made current as a reload does. */
function generation (counters: LuaLibraryCounters, delivery: MailDelivery, settings: MailRelaySettings | null): MailQueue {
  const q = new MailQueue(counters, { delivery })
  if (settings !== null) q.configure(settings)
  q.activate()
  return q
}

const mail = { to: ['sec@example.com'], subject: 'alert', text: 'x' }

test('a mail queued before a reload goes out through the relay the new configuration sets', async (t) => {
  const [a, b] = await relays(t)
  a.rejectNext(1, 451)
  const { counters, delivery, clock } = processDelivery(t)
  const first = generation(counters, delivery, relay(a))
  assert.equal(first.enqueue(mail), true)
  await waitFor(() => counters.mailRetries === 1)
  generation(counters, delivery, relay(b))
  clock.advance(100)
  await b.waitFor(1)
  await first.whenIdle()
  assert.equal(a.mails.length, 0)
  assert.deepEqual(b.mails[0].to, ['sec@example.com'])
  assert.deepEqual([counters.mailQueued, counters.mailSent, counters.mailFailed], [1, 1, 0])
})

test('a reload that removes setMailRelay leaves queued mail with the relay it was queued for', async (t) => {
  const [a] = await relays(t)
  a.rejectNext(1, 451)
  const { counters, delivery, clock } = processDelivery(t)
  const first = generation(counters, delivery, relay(a))
  first.enqueue(mail)
  await waitFor(() => counters.mailRetries === 1)
  const second = generation(counters, delivery, null)
  assert.equal(second.configured, false)
  clock.advance(100)
  await a.waitFor(1)
  await waitFor(() => counters.mailSent === 1)
  // Closing a configuration's queue leaves the process's delivery running.
  await first.close()
  assert.equal(delivery.closed, false)
})
