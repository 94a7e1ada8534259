import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DaemonStats } from '../../src/stats/index.ts'
import { captureLog } from './helpers.ts'

test('incrementing an undeclared custom stat warns once per name, ever, and counts nothing', (t) => {
  const log = captureLog()
  t.after(log.restore)
  const stats = new DaemonStats({ now: () => 0, defaultMetrics: false })
  stats.addCustomStat('declared')
  for (let i = 0; i < 5; i++) stats.incCustomStat('typo')
  stats.incCustomStat('other_typo')
  stats.incCustomStat('typo')
  stats.incCustomStat('declared')

  const warnings = log.lines.filter(l => l.level === 'warning')
  assert.equal(warnings.length, 2)
  assert.deepEqual(warnings.map(w => w.fields), [{ name: 'typo' }, { name: 'other_typo' }])
  assert.match(warnings[0]?.message ?? '', /not declared/)
  assert.deepEqual(stats.snapshot().customstats, { declared: 1 })
})

test('a name declared after its warning counts from then on, without another warning', (t) => {
  const log = captureLog()
  t.after(log.restore)
  const stats = new DaemonStats({ now: () => 0, defaultMetrics: false })
  stats.incCustomStat('late')
  stats.addCustomStat('late')
  stats.incCustomStat('late')
  assert.equal(log.lines.length, 1)
  assert.deepEqual(stats.snapshot().customstats, { late: 1 })
})

test('custom stats are windowed like the others', () => {
  let now = 0
  const stats = new DaemonStats({ now: () => now, windowSeconds: 1, windowCount: 2, defaultMetrics: false })
  stats.addCustomStat('c')
  stats.incCustomStat('c')
  now = 1_999
  assert.equal(stats.snapshot().customstats.c, 1)
  now = 2_000
  assert.equal(stats.snapshot().customstats.c, 0)
})

test('unregistered commands are ignored so client-chosen names cannot pile up', () => {
  const stats = new DaemonStats({ now: () => 0, defaultMetrics: false })
  stats.registerCommand('report')
  stats.countCommand('report')
  stats.countCommand('made-up')
  assert.deepEqual(stats.snapshot().commandstats, { report: 1 })
})
