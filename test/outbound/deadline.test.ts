import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Deadline } from '../../src/outbound/deadline.ts'

test('a deadline aborts with a TimeoutError naming the time', async () => {
  const d = new Deadline(20)
  await sleep(80)
  assert.equal(d.signal.aborted, true)
  const reason = d.signal.reason as DOMException
  assert.equal(reason.name, 'TimeoutError')
  assert.equal(reason.message, 'timed out after 20 ms')
})

test('a cancelled deadline never fires', async () => {
  const d = new Deadline(20)
  d.cancel()
  await sleep(80)
  assert.equal(d.signal.aborted, false)
})
