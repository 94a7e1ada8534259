import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  DaemonStats, mergeStatsStates, snapshotFromState, sumSnapshots, type StatsSnapshot
} from '../../src/stats/index.ts'
import { fakeClock } from './helpers.ts'

const zeroPerf = {
  WTW_0_1: 0, WTW_1_10: 0, WTW_10_100: 0, WTW_100_1000: 0, WTW_Slow: 0,
  WTR_0_1: 0, WTR_1_10: 0, WTR_10_100: 0, WTR_100_1000: 0, WTR_Slow: 0
}

function worker (clock: { now: () => number }, cpu: NodeJS.CpuUsage): DaemonStats {
  const stats = new DaemonStats({ now: clock.now, cpuUsage: () => cpu, defaultMetrics: false })
  stats.registerCommand('report')
  stats.registerCommand('stats')
  return stats
}

test('snapshot() is exactly the stats REST body', () => {
  const clock = fakeClock(1_000)
  const stats = worker(clock, { user: 12_345_678, system: 2_000_999 })
  stats.addCustomStat('alerts')
  stats.countCommand('report')
  stats.countReport(true)
  stats.countReport(false)
  stats.recordPerf(0.5, 20)
  clock.set(62_500)
  const snap = stats.snapshot()
  assert.deepEqual(Object.keys(snap), ['reports', 'user-msec', 'sys-msec', 'uptime', 'perfstats', 'commandstats', 'customstats'])
  assert.deepEqual(Object.keys(snap.perfstats), Object.keys(zeroPerf))
  assert.deepEqual(snap, {
    reports: 2,
    'user-msec': 12_345,
    'sys-msec': 2_000,
    uptime: 61,
    perfstats: { ...zeroPerf, WTW_0_1: 1, WTR_10_100: 1 },
    commandstats: { report: 1, stats: 0 },
    customstats: { alerts: 0 }
  })
  assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap)
  assert.equal(stats.reports, 2)
  assert.equal(stats.userMsec(), 12_345)
  assert.equal(stats.sysMsec(), 2_000)
  assert.equal(stats.uptime(), 61)
  assert.equal(stats.viewSeconds, 300)
})

test('reports count since start; windowed sections forget after 5 minutes', () => {
  const clock = fakeClock(0)
  const stats = worker(clock, { user: 0, system: 0 })
  stats.countReport(true)
  stats.countCommand('report')
  stats.recordPerf(5, 5)
  clock.set(300_000)
  const snap = stats.snapshot()
  assert.equal(snap.reports, 1)
  assert.equal(snap.uptime, 300)
  assert.deepEqual(snap.perfstats, zeroPerf)
  assert.deepEqual(snap.commandstats, { report: 0, stats: 0 })
})

test('states of several processes sum into one view', () => {
  const clock = fakeClock(0)
  const a = worker(clock, { user: 1_000, system: 3_000 })
  const b = worker(clock, { user: 5_000, system: 7_000 })
  b.registerCommand('custom_endpoint')
  a.addCustomStat('x')
  b.addCustomStat('x')
  b.addCustomStat('y')
  a.countReport(true)
  a.countCommand('report')
  a.recordPerf(0, 0)
  clock.set(20_000) // a's figures above sit one window older than b's below
  b.countReport(false)
  b.countReport(true)
  b.countCommand('report')
  b.countCommand('custom_endpoint')
  b.incCustomStat('x')
  b.incCustomStat('y')
  b.recordPerf(0, 2000)
  a.incCustomStat('x')

  const states = [a.exportState(), JSON.parse(JSON.stringify(b.exportState()))]
  const merged = mergeStatsStates(states)
  assert.deepEqual(merged.reports, { success: 2, failure: 1 })
  const expected: StatsSnapshot = {
    reports: 3,
    'user-msec': 6,
    'sys-msec': 10,
    uptime: 20,
    perfstats: { ...zeroPerf, WTW_0_1: 2, WTR_0_1: 1, WTR_Slow: 1 },
    commandstats: { custom_endpoint: 1, report: 2, stats: 0 },
    customstats: { x: 2, y: 1 }
  }
  assert.deepEqual(snapshotFromState(merged), expected)
  assert.deepEqual(sumSnapshots([a.snapshot(), b.snapshot()]), expected)

  // Five minutes after a's first window began, a's early counts leave the merged view too.
  clock.set(300_000)
  const later = snapshotFromState(mergeStatsStates([a.exportState(), b.exportState()]))
  assert.deepEqual(later.commandstats, { custom_endpoint: 1, report: 1, stats: 0 })
  assert.equal(later.perfstats.WTW_0_1, 1)
  assert.equal(later.reports, 3)
})

test('summing snapshots of uneven processes: uptime is the longest, unknown names are kept', () => {
  const one: StatsSnapshot = {
    reports: 1, 'user-msec': 1, 'sys-msec': 2, uptime: 100,
    perfstats: { ...zeroPerf, WTR_Slow: 4 }, commandstats: { report: 1 }, customstats: {}
  }
  const two: StatsSnapshot = {
    reports: 2, 'user-msec': 10, 'sys-msec': 20, uptime: 90,
    perfstats: { ...zeroPerf, WTR_Slow: 1 }, commandstats: { stats: 3 }, customstats: { c: 1 }
  }
  assert.deepEqual(sumSnapshots([one, two]), {
    reports: 3, 'user-msec': 11, 'sys-msec': 22, uptime: 100,
    perfstats: { ...zeroPerf, WTR_Slow: 5 }, commandstats: { report: 1, stats: 3 }, customstats: { c: 1 }
  })
})
