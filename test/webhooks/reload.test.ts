import assert from 'node:assert/strict'
import http from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { freePort } from '../helpers/ports.ts'
import { waitFor } from './helpers.ts'

const EVENTS = 50

/** Resolves once the daemon logged its n-th "configuration reloaded". */
async function reloaded (d: RunningDaemon, n: number): Promise<void> {
  await d.waitForOutput(new RegExp(`(configuration reloaded[^\\n]*\\n[^]*){${n}}`), 30_000)
}

test('events queued while the receiver is down survive two reloads and each arrives exactly once', async (t) => {
  const port = await freePort()
  const d = await startDaemon({
    config: `
      setWebHookMaxAttempts(30)
      setWebHookMaxAgeSecs(300)
      addCustomWebHook("alerts", { url = "http://127.0.0.1:${port}/in" })
      setCustomEndpoint("fire", function (args)
        return runCustomWebHook("alerts", '{"id":"' .. args.attrs.id .. '"}'), {}
      end)
    `
  })
  t.after(() => d.stop('SIGTERM', 5000))
  for (let i = 0; i < EVENTS; i++) {
    const res = await request(`${d.url}/command/fire`, { body: { attrs: { id: `ev-${i}` } } })
    assert.deepEqual(res.body, { success: true, r_attrs: {} })
  }
  // Nothing listens on the port yet: every first attempt is refused and the events back off.
  d.child.kill('SIGHUP')
  await reloaded(d, 1)
  await sleep(10_000)
  d.child.kill('SIGHUP')
  await reloaded(d, 2)

  const received = new Map<string, number>()
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const id = (JSON.parse(Buffer.concat(chunks).toString()) as { id: string }).id
      received.set(id, (received.get(id) ?? 0) + 1)
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => { receiver.closeAllConnections(); receiver.close(() => resolve()) }))
  // Retries back off to at most 10 s (the default cap), so all arrive well within this bound.
  await waitFor(() => received.size === EVENTS, 'every event', 40_000).catch(() => {
    assert.fail(`${received.size} of ${EVENTS} events arrived`)
  })
  // A duplicate would come from a second copy of the queue still retrying: give it a moment.
  await sleep(500)
  assert.deepEqual([...received.keys()].sort(), Array.from({ length: EVENTS }, (_v, i) => `ev-${i}`).sort())
  assert.deepEqual([...received.values()].filter((n) => n !== 1), [], 'every event arrives exactly once')
})
