import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PeerGoneError, PendingRequests } from '../../src/cluster/messages.ts'

test('requests to a process that exited fail at once; those to others wait for their reply', async () => {
  const pending = new PendingRequests(60_000)
  const gone = { name: 'worker A' }
  const alive = { name: 'worker B' }
  const ids: number[] = []
  const toGone = pending.request('figures', (id) => { ids.push(id) }, gone)
  const toAlive = pending.request('figures', (id) => { ids.push(id) }, alive)
  const t0 = Date.now()
  pending.failTo(gone, 'worker A exited')
  await assert.rejects(toGone, (err: Error) => err instanceof PeerGoneError && err.message === 'worker A exited')
  assert.ok(Date.now() - t0 < 1000)
  pending.settle({ t: 'reply', id: ids[1] as number, text: 'from B' })
  assert.equal((await toAlive).text, 'from B')
})
