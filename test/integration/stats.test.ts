import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:net'
import { once } from 'node:events'
import { PASSWORD, request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { writeMmdb } from '../geoip/mmdb-writer.ts'
import {
  consoleConfig, consoleExec, family, luaBusyWait, report, sample, scrape, writeClientConfig, type ParsedFamily
} from './helpers.ts'

const PERF = ['WTW_0_1', 'WTW_1_10', 'WTW_10_100', 'WTW_100_1000', 'WTW_Slow', 'WTR_0_1', 'WTR_1_10', 'WTR_10_100', 'WTR_100_1000', 'WTR_Slow']
const sum = (o: Record<string, number>, prefix: string): number =>
  Object.entries(o).filter(([k]) => k.startsWith(prefix)).reduce((a, [, v]) => a + v, 0)

const post = (d: RunningDaemon, cmd: string, body: unknown): ReturnType<typeof request> => request(`${d.url}/command/${cmd}`, { body })

/** Count of a histogram without labels: parse-prometheus-text-format gives count/buckets for those. */
function histogramCount (f: readonly ParsedFamily[], name: string): number {
  const m = family(f, name).metrics[0]
  return Number(m?.count)
}

test('stats, console figures and /metrics agree on known numbers of requests', async (t) => {
  const cons = consoleConfig()
  const d = await startDaemon({
    config: `${cons.lines}
      setNumWorkerThreads(2)
      addCustomStat("hits")
      addCustomStat("unused")
      function report(lt)
        if lt.login == "slow" then ${luaBusyWait(20)} end
        if lt.login == "boom" then error("kaboom") end
        incCustomStat("hits")
        if lt.login == "typo" then incCustomStat("nosuch") end
      end
      setReport(report)
      setCustomEndpoint("ping", function (args) incCustomStat("hits") return true, { pong = "1" } end)
    `
  })
  t.after(() => d.stop())
  const client = await writeClientConfig(d, cons.key)

  // Before any request: every command and custom stat is present at 0.
  let f = await scrape(d)
  for (const cmd of ['report', 'stats', 'readyz', 'livez', 'ping']) {
    assert.equal(sample(f, 'trackalert_commands_total', { cmd }), 0, cmd)
  }
  assert.equal(sample(f, 'trackalert_custom_stats_total', { metric: 'hits' }), 0)
  assert.equal(sample(f, 'trackalert_custom_stats_total', { metric: 'unused' }), 0)

  const FAST = 5; const SLOW = 3; const BOOM = 2; const TYPO = 2; const K = 4
  for (let i = 0; i < FAST; i++) assert.equal((await post(d, 'report', report('fast', { success: true }))).status, 200)
  for (let i = 0; i < SLOW; i++) assert.equal((await post(d, 'report', report('slow', { success: false }))).status, 200)
  for (let i = 0; i < BOOM; i++) assert.equal((await post(d, 'report', report('boom', { success: true }))).status, 200)
  for (let i = 0; i < TYPO; i++) assert.equal((await post(d, 'report', report('typo', { success: false }))).status, 200)
  // Rejected before Lua: two without login, one that is not JSON.
  for (let i = 0; i < 2; i++) assert.equal((await post(d, 'report', { remote: '192.0.2.1', pwhash: 'x', success: true })).status, 400)
  assert.equal((await post(d, 'report', '{not json')).status, 400)
  for (let i = 0; i < K; i++) {
    const res = await post(d, 'ping', { attrs: {} })
    assert.deepEqual(res.body, { success: true, r_attrs: { pong: '1' } })
  }
  const accepted = FAST + SLOW + BOOM + TYPO
  const luaCalls = accepted + K
  const hits = FAST + SLOW + TYPO + K

  const M = 3
  let stats: any // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let i = 0; i < M; i++) stats = (await request(`${d.url}/command/stats`)).body
  assert.equal(stats.reports, accepted)
  assert.deepEqual(stats.commandstats, { livez: 0, readyz: 0, report: accepted + 3, stats: M, ping: K })
  assert.deepEqual(stats.customstats, { hits, unused: 0 })
  assert.deepEqual(Object.keys(stats.perfstats), PERF)
  assert.equal(sum(stats.perfstats, 'WTW_'), luaCalls)
  assert.equal(sum(stats.perfstats, 'WTR_'), luaCalls)
  // 20 ms of busy work cannot finish under 10 ms; the trivial calls are the others.
  assert.ok(stats.perfstats.WTR_10_100 + stats.perfstats.WTR_100_1000 + stats.perfstats.WTR_Slow >= SLOW, JSON.stringify(stats.perfstats))
  assert.ok(stats.perfstats.WTR_0_1 > 0, JSON.stringify(stats.perfstats))
  for (const k of ['user-msec', 'sys-msec', 'uptime']) assert.equal(typeof stats[k], 'number', k)

  // The console shows the same windowed figures.
  const say = async (cmd: string): Promise<string> => {
    const r = await consoleExec(client, cmd)
    assert.equal(r.code, 0, r.stderr)
    return r.stdout
  }
  assert.equal(await say('stats()'), `${accepted} reports\n`)
  assert.equal(await say('showPerfStats()'), PERF.map((k) => `${k}=${stats.perfstats[k] as number}`).join('\n') + '\n')
  assert.equal(await say('showCommandStats()'), `livez=0\nping=${K}\nreadyz=0\nreport=${accepted + 3}\nstats=${M}\n`)
  assert.equal(await say('showCustomStats()'), `hits=${hits}\nunused=0\n`)

  f = await scrape(d)
  assert.equal(sample(f, 'trackalert_commands_total', { cmd: 'report' }), accepted + 3)
  assert.equal(sample(f, 'trackalert_commands_total', { cmd: 'stats' }), M)
  assert.equal(sample(f, 'trackalert_commands_total', { cmd: 'ping' }), K)
  assert.equal(sample(f, 'trackalert_commands_total', { cmd: 'livez' }), 0)
  assert.equal(sample(f, 'trackalert_custom_stats_total', { metric: 'hits' }), hits)
  assert.equal(sample(f, 'trackalert_custom_stats_total', { metric: 'unused' }), 0)
  assert.equal(sample(f, 'trackalert_reports_total', { success: 'true' }), FAST + BOOM)
  assert.equal(sample(f, 'trackalert_reports_total', { success: 'false' }), SLOW + TYPO)
  assert.equal(sample(f, 'trackalert_report_rejected_total', { reason: 'login' }), 2)
  assert.equal(sample(f, 'trackalert_report_rejected_total', { reason: 'json' }), 1)
  assert.equal(sample(f, 'trackalert_lua_errors_total', { function: 'report' }), BOOM)
  assert.equal(histogramCount(f, 'trackalert_worker_queue_duration_seconds'), luaCalls)
  assert.equal(histogramCount(f, 'trackalert_worker_response_duration_seconds'), luaCalls)
  const runBuckets = family(f, 'trackalert_worker_response_duration_seconds').metrics[0]?.buckets ?? {}
  assert.equal(Number(runBuckets['+Inf']), luaCalls)
  assert.ok(Number(runBuckets['0.01']) <= luaCalls - SLOW, JSON.stringify(runBuckets))
  assert.equal(Number(runBuckets['0.001']), stats.perfstats.WTR_0_1)

  // The undeclared name was used twice and warned about once per serving process (two workers).
  const warnings = d.output().match(/custom stat was not declared.*name="nosuch"/g)?.length ?? 0
  assert.ok(warnings >= 1 && warnings <= 2, d.output())
  assert.match(d.output(), /Lua report function failed.*kaboom/)
})

test('WTW: reports queue for the only Lua state while it yields', async (t) => {
  // reloadGeoIPDBs() reads the file asynchronously, so the report's coroutine yields; a waiting
  // call no longer holds its state, so one call in flight is what makes the other reports wait in
  // the queue, each behind 20 ms of busy work at least.
  const dir = await mkdtemp(join(tmpdir(), 'ta-int-stats-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  await writeMmdb(join(dir, 'g.mmdb'), [{ network: '192.0.2.0/24', data: { country: { iso_code: 'US' } } }], { ipVersion: 4 })
  const d2 = await startDaemon({
    dir,
    config: `
      setNumLuaStates(1)
      setMaxLuaCallsInFlight(1)
      newGeoIP2DB("g", "g.mmdb")
      function report(lt) ${luaBusyWait(20)} reloadGeoIPDBs() end
      setReport(report)
    `
  })
  t.after(() => d2.stop())
  const N = 6
  const codes = await Promise.all(Array.from({ length: N }, () => post(d2, 'report', report('q')).then((r) => r.status)))
  assert.deepEqual(codes, Array(N).fill(200))
  const perf = (await request(`${d2.url}/command/stats`)).body.perfstats as Record<string, number>
  assert.equal(sum(perf, 'WTW_'), N)
  assert.equal(sum(perf, 'WTR_'), N)
  assert.ok(perf.WTW_0_1 < N, JSON.stringify(perf))
})

test('WTW: CPU-bound reports on one Lua state are seen waiting', async (t) => {
  const d = await startDaemon({
    config: `
      setNumLuaStates(1)
      function report(lt) ${luaBusyWait(20)} end
      setReport(report)
    `
  })
  t.after(() => d.stop())
  // Pipelined in one write on one connection, the requests are read together whatever the machine's
  // load; each then waits for the 20 ms runs of those before it.
  const N = 8
  const codes = await pipelinedReports(d, N)
  assert.deepEqual(codes, Array(N).fill(200))
  const perf = (await request(`${d.url}/command/stats`)).body.perfstats as Record<string, number>
  assert.equal(sum(perf, 'WTW_'), N)
  assert.ok(perf.WTW_10_100 + perf.WTW_100_1000 >= N - 1, JSON.stringify(perf))
})

/** Sends n reports pipelined in a single write on one keep-alive connection; resolves with the n status codes. */
async function pipelinedReports (d: RunningDaemon, n: number): Promise<number[]> {
  const { port } = new URL(d.url)
  const body = JSON.stringify(report('cpu'))
  const one = `POST /command/report HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${Buffer.from(`u:${PASSWORD}`).toString('base64')}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  const socket = connect(Number(port), '127.0.0.1')
  await once(socket, 'connect')
  socket.write(one.repeat(n))
  let text = ''
  socket.setEncoding('utf8')
  for await (const chunk of socket) {
    text += chunk as string
    const codes = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))
    if (codes.length === n) { socket.destroy(); return codes }
  }
  throw new Error(`connection closed after: ${text}`)
}

test('incCustomStat at the top level of the config counts once, not once per Lua state', async (t) => {
  const d = await startDaemon({ config: 'addCustomStat("c")\nincCustomStat("c")\n' })
  t.after(() => d.stop())
  const stats = (await request(`${d.url}/command/stats`)).body
  assert.equal(stats.customstats.c, 1)
})
