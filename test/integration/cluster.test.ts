import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { consoleConfig, consoleExec, LUA_READ_PID, PID_ENDPOINT, postFresh, report, sample, scrape, writeClientConfig } from './helpers.ts'

async function servingPids (d: RunningDaemon, tries: number): Promise<Set<string>> {
  const pids = new Set<string>()
  for (let i = 0; i < tries; i++) {
    const r = await postFresh(d, 'pid', { attrs: {} })
    assert.equal(r.status, 200)
    pids.add(((r.body ?? {}).r_attrs as { pid: string }).pid)
  }
  return pids
}

test('reports spread over two workers are counted once each in stats, /metrics and the console', async (t) => {
  const cons = consoleConfig()
  const d = await startDaemon({
    config: `${cons.lines}
      setNumWorkerThreads(2)
      addCustomStat("hits")
      function report(lt) incCustomStat("hits") end
      setReport(report)
      ${PID_ENDPOINT}
    `
  })
  t.after(() => d.stop())
  assert.match(d.output(), /trackalert ready luaStates="6" listeners="1" workers="2"/)
  const pids = await servingPids(d, 8)
  assert.equal(pids.size, 2, 'both workers served')
  assert.ok(!pids.has(String(d.child.pid)), 'the primary serves no HTTP')

  const N = 20
  const codes = await Promise.all(Array.from({ length: N }, (_, i) => postFresh(d, 'report', report(`u${i}`)).then((r) => r.status)))
  assert.deepEqual(codes, Array(N).fill(200))

  const stats = (await request(`${d.url}/command/stats`)).body as { reports: number, commandstats: Record<string, number>, customstats: Record<string, number> }
  assert.equal(stats.reports, N)
  assert.equal(stats.customstats.hits, N)
  assert.equal(stats.commandstats.report, N)
  assert.equal(stats.commandstats.pid, 8)

  const f = await scrape(d)
  assert.equal(sample(f, 'trackalert_reports_total', { success: 'true' }), N)
  assert.equal(sample(f, 'trackalert_custom_stats_total', { metric: 'hits' }), N)
  assert.equal(sample(f, 'trackalert_commands_total', { cmd: 'report' }), N)

  const client = await writeClientConfig(d, cons.key)
  assert.equal((await consoleExec(client, 'stats()')).stdout, `${N} reports\n`)
  assert.equal((await consoleExec(client, 'showCustomStats()')).stdout, `hits=${N}\n`)
})

test('background schedules run in the primary only', async (t) => {
  const d = await startDaemon({
    config: `
      setNumWorkerThreads(2)
      setBackground("tick", function ()
        ${LUA_READ_PID}
        infoLog("tick ran", { pid = pid })
      end)
      intervalScheduleBackgroundFunc("00:00:01", "tick")
    `
  })
  t.after(() => d.stop())
  await d.waitForOutput(/tick ran[^\n]*\n[^]*tick ran/)
  const runners = [...d.output().matchAll(/tick ran pid="(\d+)"/g)].map((m) => m[1])
  assert.ok(runners.length >= 2)
  assert.deepEqual(new Set(runners), new Set([String(d.child.pid)]))
})

test('a worker that dies is replaced and the daemon keeps serving', async (t) => {
  const d = await startDaemon({ config: `setNumWorkerThreads(2)\n${PID_ENDPOINT}` })
  t.after(() => d.stop())
  const before = await servingPids(d, 6)
  const victim = [...before][0] as string
  process.kill(Number(victim), 'SIGKILL')
  await d.waitForOutput('worker process died, starting a new one')
  await eventually(async () => {
    const now = await servingPids(d, 6)
    return now.size === 2 && !now.has(victim)
  }, 'two serving workers again, without the killed one')
  assert.equal((await postFresh(d, 'report', report('after'))).status, 200)
  assert.equal(await d.stop(), 0)
})

test('setNumWorkerThreads(1) serves from the one process', async (t) => {
  const d = await startDaemon({ config: `setNumWorkerThreads(1)\n${PID_ENDPOINT}` })
  t.after(() => d.stop())
  assert.deepEqual(await servingPids(d, 3), new Set([String(d.child.pid)]))
  assert.doesNotMatch(d.output(), /workers=/)
})
