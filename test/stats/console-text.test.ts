import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  DaemonStats, showCommandStatsText, showCustomStatsText, showPerfStatsText, statsText, type StatsSnapshot
} from '../../src/stats/index.ts'

function sample (): DaemonStats {
  const stats = new DaemonStats({ now: () => 0, defaultMetrics: false })
  for (const name of ['stats', 'report', 'livez', 'readyz', 'Zeta']) stats.registerCommand(name)
  stats.countCommand('report')
  stats.countCommand('report')
  stats.countCommand('stats')
  stats.addCustomStat('suspicious')
  stats.addCustomStat('new_device')
  stats.incCustomStat('new_device')
  for (let i = 0; i < 3; i++) stats.countReport(i !== 0)
  stats.recordPerf(0.3, 12)
  stats.recordPerf(2, 12)
  return stats
}

test('stats() prints the number of reports', () => {
  assert.equal(statsText(sample().snapshot()), '3 reports')
  assert.equal(sample().statsText(), '3 reports')
})

test('showPerfStats() prints every bucket in fixed order, one per line', () => {
  const expected = [
    'WTW_0_1=1', 'WTW_1_10=1', 'WTW_10_100=0', 'WTW_100_1000=0', 'WTW_Slow=0',
    'WTR_0_1=0', 'WTR_1_10=0', 'WTR_10_100=2', 'WTR_100_1000=0', 'WTR_Slow=0'
  ].join('\n')
  assert.equal(showPerfStatsText(sample().snapshot()), expected)
  assert.equal(sample().perfStatsText(), expected)
})

test('showCommandStats() and showCustomStats() print name=N sorted by name (code unit order)', () => {
  const snap = sample().snapshot()
  assert.equal(showCommandStatsText(snap), 'Zeta=0\nlivez=0\nreadyz=0\nreport=2\nstats=1')
  assert.equal(showCustomStatsText(snap), 'new_device=1\nsuspicious=0')
})

test('empty sections print an empty string', () => {
  const snap: StatsSnapshot = new DaemonStats({ now: () => 0, defaultMetrics: false }).snapshot()
  assert.equal(showCommandStatsText(snap), '')
  assert.equal(showCustomStatsText(snap), '')
  assert.equal(statsText(snap), '0 reports')
})
