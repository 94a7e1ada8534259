import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CONFIG_RELOADED } from '../../src/config/settings.ts'
import { SingleProcess } from '../../src/topology/index.ts'
import { captureLog } from '../stats/helpers.ts'
import { TestProcess } from './processes.ts'

function single (): { topology: SingleProcess, local: TestProcess, shutdowns: number[], hooks: string[] } {
  const shutdowns: number[] = []
  const hooks: string[] = []
  const topology = new SingleProcess({
    onShutdownRequest: () => { shutdowns.push(1) },
    onReloadStart: () => { hooks.push('start') },
    onReloadEnd: () => { hooks.push('end') }
  })
  const local = new TestProcess(4)
  topology.attach(local)
  return { topology, local, shutdowns, hooks }
}

test('one process does everything itself and speaks for the daemon', () => {
  const { topology } = single()
  assert.deepEqual(
    [topology.servesHttp, topology.runsSchedules, topology.runsConsole, topology.speaksForDaemon],
    [true, true, true, true])
})

test('its totals are its own figures, at hand without waiting', async () => {
  const { topology, local } = single()
  local.report(3)
  const snapshot = topology.totalSnapshot()
  assert.ok(!(snapshot instanceof Promise), 'no other process to wait for')
  assert.equal(snapshot.reports, 3)
  assert.deepEqual(topology.totalWebhookStats(), local.webhookStats())
  assert.match(await topology.totalMetricsText(), /trackalert_reports_total\{success="true"\} 3/)
  // The REST routes and the periodic log read the totals through the statistics.
  local.stats.setTotals(topology)
  assert.equal((await local.stats.totalSnapshot()).reports, 3)
})

test('a reload asked for while one runs gets that one\'s answer; the hooks bracket it once', async (t) => {
  const log = captureLog()
  t.after(log.restore)
  const { topology, local, hooks } = single()
  const answers = await Promise.all([topology.reloadAll(), topology.reloadAll()])
  assert.deepEqual(answers, [CONFIG_RELOADED, CONFIG_RELOADED])
  assert.equal(local.reloads, 1)
  assert.deepEqual(hooks, ['start', 'end'])
  assert.deepEqual(log.lines.map((l) => [l.level, l.message, l.fields]), [['notice', 'configuration reloaded', { luaStates: 3 }]])
  // The next one runs again.
  assert.equal(await topology.reloadAll(), CONFIG_RELOADED)
  assert.equal(local.reloads, 2)
})

test('a failed reload answers why and logs no success', async (t) => {
  const log = captureLog()
  t.after(log.restore)
  const { topology, local, hooks } = single()
  local.reloadResult = { ok: false, message: 'reload failed, still running the previous configuration: boom' }
  assert.equal(await topology.reloadAll(), 'reload failed, still running the previous configuration: boom')
  assert.deepEqual(hooks, ['start', 'end'])
  assert.equal(log.lines.length, 0)
})

test('GeoIP reloads, shutdown requests and readiness stay in this process', async (t) => {
  const log = captureLog()
  t.after(log.restore)
  const { topology, local, shutdowns } = single()
  assert.equal(await topology.reloadGeoIPAll(), local.geoipResult)
  assert.equal(local.geoipReloads, 1)
  topology.requestShutdown()
  assert.deepEqual(shutdowns, [1])
  await topology.pushLive({ acl: [], webserverPassword: 'x', metricsNoPassword: false, maxWebserverConns: 1, maxBodyBytes: 1 })
  assert.equal(local.live.length, 0, 'nobody else serves the REST API')
  await topology.shutdownAll(0)
  await topology.start({ luaStates: 6, listeners: 1, listening: [{ address: '127.0.0.1:8084', tls: false }] })
  assert.deepEqual(log.lines.map((l) => [l.message, l.fields]), [['trackalert ready', { luaStates: 6, listeners: 1 }]])
})

test('a topology not yet attached to its process says so', () => {
  const topology = new SingleProcess({ onShutdownRequest: () => {} })
  assert.throws(() => topology.totalSnapshot(), /not attached to a process yet/)
})
