import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { CONFIG_RELOADED } from '../../src/config/settings.ts'
import { PrimaryTopology, WorkerTopology } from '../../src/topology/index.ts'
import { captureLog } from '../stats/helpers.ts'
import { IpcWorker, TestProcess } from './processes.ts'

interface WorkerSide { readonly topology: WorkerTopology, readonly local: TestProcess, readonly ipc: IpcWorker }

interface Daemon {
  readonly primary: PrimaryTopology
  readonly local: TestProcess
  readonly workers: WorkerSide[]
  readonly shutdowns: string[]
  readonly log: ReturnType<typeof captureLog>
}

const LISTENING = [{ address: '127.0.0.1:8084', tls: false }]

/**
 * A primary and `n` workers in this process: each "fork" makes an IPC channel pair and a worker
 * topology on its far end, which starts and announces itself as a worker process does.
 */
async function startDaemon (t: TestContext, n: number): Promise<Daemon> {
  const log = captureLog()
  t.after(log.restore)
  const workers: WorkerSide[] = []
  const shutdowns: string[] = []
  let pid = 1000
  const primary = new PrimaryTopology({
    workers: n,
    onShutdownRequest: () => { shutdowns.push('daemon') },
    requestTimeoutMs: 5000,
    fork: () => {
      const ipc = new IpcWorker(++pid)
      const local = new TestProcess(1)
      const topology = new WorkerTopology({ stop: () => { ipc.exit(0, null) }, parent: ipc.parent })
      topology.attach(local)
      topology.connect()
      workers.push({ topology, local, ipc })
      setImmediate(() => { void topology.start({ luaStates: 2, listeners: 1, listening: LISTENING }) })
      return ipc
    }
  })
  const local = new TestProcess(1)
  primary.attach(local)
  t.after(() => primary.shutdownAll(1000))
  await primary.start({ luaStates: 2, listeners: 1, listening: [] })
  return { primary, local, workers, shutdowns, log }
}

test('a primary serves no HTTP and speaks for the daemon; a worker serves HTTP only', (t) => {
  const primary = new PrimaryTopology({ workers: 2, onShutdownRequest: () => {} })
  const worker = new WorkerTopology({ stop: () => {}, parent: new IpcWorker(1).parent })
  t.after(() => worker.detach())
  const caps = (x: PrimaryTopology | WorkerTopology): boolean[] => [x.servesHttp, x.runsSchedules, x.runsConsole, x.speaksForDaemon]
  assert.deepEqual(caps(primary), [false, true, true, true])
  assert.deepEqual(caps(worker), [true, false, false, false])
})

test('the daemon is ready once every worker serves, and says where once', async (t) => {
  const d = await startDaemon(t, 2)
  assert.equal(d.workers.length, 2)
  assert.deepEqual(d.log.lines.map((l) => [l.message, l.fields]), [
    ['listening for HTTP commands', LISTENING[0]],
    ['trackalert ready', { luaStates: 2, listeners: 1, workers: 2 }]
  ])
})

test('every process sees the same totals: its own figures plus the others\'', async (t) => {
  const d = await startDaemon(t, 2)
  d.local.report(1)
  d.workers[0]?.local.report(10)
  d.workers[1]?.local.report(100)
  const fromPrimary = await d.primary.totalSnapshot()
  const fromWorker = await d.workers[0]?.topology.totalSnapshot()
  assert.equal(fromPrimary.reports, 111)
  assert.equal(fromWorker?.reports, 111)
  assert.equal(fromPrimary.commandstats.report, 111)
  assert.match(await d.primary.totalMetricsText(), /trackalert_reports_total\{success="true"\} 111/)
  assert.match(await (d.workers[1] as WorkerSide).topology.totalMetricsText(), /trackalert_reports_total\{success="true"\} 111/)
  // Webhook figures are summed by hook id: one success in each of the three processes.
  assert.deepEqual((await d.primary.totalWebhookStats()).map((h) => [h.id, h.successes]), [[1, 3]])
  assert.deepEqual((await (d.workers[1] as WorkerSide).topology.totalWebhookStats()).map((h) => [h.id, h.successes]), [[1, 3]])
})

test('a reload reaches every process, the primary first, whichever process asks', async (t) => {
  const d = await startDaemon(t, 2)
  assert.equal(await d.primary.reloadAll(), CONFIG_RELOADED)
  assert.deepEqual([d.local.reloads, ...d.workers.map((w) => w.local.reloads)], [1, 1, 1])
  assert.equal(await d.workers[1]?.topology.reloadAll(), CONFIG_RELOADED)
  assert.deepEqual([d.local.reloads, ...d.workers.map((w) => w.local.reloads)], [2, 2, 2])
  const said = d.log.lines.filter((l) => /reloaded/.test(l.message)).map((l) => [l.message, l.fields])
  assert.deepEqual(said.slice(0, 4), [
    ['this process reloaded its configuration', { role: 'primary', luaStates: 3 }],
    ['this process reloaded its configuration', { role: 'worker', luaStates: 3 }],
    ['this process reloaded its configuration', { role: 'worker', luaStates: 3 }],
    ['configuration reloaded', { processes: 'all' }]
  ])
})

test('a configuration broken for the primary is not tried on the workers; one broken for a worker fails the reload', async (t) => {
  const d = await startDaemon(t, 2)
  d.local.reloadResult = { ok: false, message: 'reload failed: primary' }
  assert.equal(await d.primary.reloadAll(), 'reload failed: primary')
  assert.deepEqual(d.workers.map((w) => w.local.reloads), [0, 0])
  d.local.reloadResult = { ok: true, luaStates: 3 }
  const broken = d.workers[1] as WorkerSide
  broken.local.reloadResult = { ok: false, message: 'reload failed: worker' }
  assert.equal(await d.workers[0]?.topology.reloadAll(), 'reload failed: worker')
  assert.ok(!d.log.lines.some((l) => l.message === 'configuration reloaded'))
})

test('GeoIP reloads reach every process once; console changes reach the workers', async (t) => {
  const d = await startDaemon(t, 2)
  await d.workers[0]?.topology.reloadGeoIPAll()
  assert.deepEqual([d.local.geoipReloads, ...d.workers.map((w) => w.local.geoipReloads)], [1, 1, 1])
  const live = { acl: ['127.0.0.0/8'], webserverPassword: 'secret', metricsNoPassword: true, maxWebserverConns: 5, maxBodyBytes: 1024 }
  await d.primary.pushLive(live)
  assert.deepEqual(d.workers.map((w) => w.local.live), [[live], [live]])
  await d.workers[0]?.topology.pushLive(live)
  assert.deepEqual(d.workers.map((w) => w.local.live.length), [1, 1], 'a worker runs no console: it pushes nothing')
})

test('shutdown() in a worker stops the whole daemon; stopping the primary stops its workers', async (t) => {
  const d = await startDaemon(t, 2)
  d.workers[1]?.topology.requestShutdown()
  for (let i = 0; i < 100 && d.shutdowns.length === 0; i++) await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(d.shutdowns, ['daemon'])
  await d.primary.shutdownAll(1000)
  assert.deepEqual(d.workers.map((w) => w.ipc.isDead()), [true, true])
})

test('wforceBlacklist{} in a worker is decided by the primary, which owns the daemon\'s blacklist', async (t) => {
  const d = await startDaemon(t, 2)
  d.local.hooks[0].successes = 42
  const answer = await d.workers[1].topology.blacklist({ ip: '198.51.100.7', reason: 'site policy' })
  assert.deepEqual(answer, { ok: true, reason: 'decided in the process with 42 hook successes' })
  assert.deepEqual(d.local.blacklisted, [{ ip: '198.51.100.7', reason: 'site policy' }])
  assert.deepEqual(d.workers.map((w) => w.local.blacklisted.length), [0, 0])
})
