import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  notify, notifyReady, notifyStopping, notifyReloading, notifyStatus, monotonicUsec, NOTIFY_SOCKET_ENV
} from '../../src/ops/index.ts'
import { bindReceiver } from './helpers.ts'

test('no NOTIFY_SOCKET: every call is a silent no-op', () => {
  const reports: string[] = []
  const options = { env: {}, report: (text: string) => reports.push(text) }
  assert.equal(notify('READY=1', options), false)
  assert.equal(notifyReady(options), false)
  assert.equal(notify('READY=1', { env: { [NOTIFY_SOCKET_ENV]: '' } }), false)
  assert.deepEqual(reports, [])
})

test('readiness, stopping and status messages arrive on the socket named by NOTIFY_SOCKET', async (t) => {
  const receiver = await bindReceiver()
  t.after(() => receiver.close())
  const saved = process.env[NOTIFY_SOCKET_ENV]
  process.env[NOTIFY_SOCKET_ENV] = receiver.path
  t.after(() => {
    if (saved === undefined) delete process.env[NOTIFY_SOCKET_ENV]
    else process.env[NOTIFY_SOCKET_ENV] = saved
  })

  assert.equal(notifyReady(), true)
  assert.equal(await receiver.next(), 'READY=1')
  assert.equal(notifyStatus('serving 3 webhooks\nsecond line'), true)
  assert.equal(await receiver.next(), 'STATUS=serving 3 webhooks second line')
  assert.equal(notifyStopping(), true)
  assert.equal(await receiver.next(), 'STOPPING=1')
  assert.equal(notify('WATCHDOG=1\nEXTEND_TIMEOUT_USEC=5000000'), true)
  assert.equal(await receiver.next(), 'WATCHDOG=1\nEXTEND_TIMEOUT_USEC=5000000')
})

test('RELOADING=1 carries MONOTONIC_USEC from CLOCK_MONOTONIC', async (t) => {
  const receiver = await bindReceiver()
  t.after(() => receiver.close())
  const env = { [NOTIFY_SOCKET_ENV]: receiver.path }
  const before = monotonicUsec()
  assert.equal(notifyReloading({ env }), true)
  const after = monotonicUsec()
  const match = /^RELOADING=1\nMONOTONIC_USEC=(\d+)$/.exec(await receiver.next())
  assert.ok(match, 'message shape')
  const usec = BigInt(match[1] as string)
  assert.ok(usec >= before && usec <= after, `${usec} within [${before}, ${after}]`)
  // The clock systemd compares against is CLOCK_MONOTONIC, i.e. seconds since boot, not the Unix epoch.
  assert.ok(usec < BigInt(Date.now()) * 1000n / 2n)
})

test('unreachable, abstract and relative sockets return false and report once without throwing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ta-ops-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const reports: string[] = []
  const report = (text: string): void => { reports.push(text) }

  const missing = { env: { [NOTIFY_SOCKET_ENV]: join(dir, 'gone') }, report }
  assert.equal(notifyReady(missing), false)
  assert.equal(notifyReady(missing), false)
  assert.equal(reports.length, 1)
  assert.match(reports[0] as string, /gone failed \(ENOENT\)/)

  const abstract = { env: { [NOTIFY_SOCKET_ENV]: '@/org/example/notify' }, report }
  assert.equal(notifyReady(abstract), false)
  assert.equal(notifyStopping(abstract), false)
  assert.equal(reports.length, 2)
  assert.match(reports[1] as string, /abstract socket, which is not supported/)

  assert.equal(notifyReady({ env: { [NOTIFY_SOCKET_ENV]: 'relative/sock' }, report }), false)
  assert.equal(reports.length, 3)
})
