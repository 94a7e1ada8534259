import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { DaemonStats, PeriodicStatsLogger, periodicLogLines } from '../../src/stats/index.ts'
import { captureLog } from './helpers.ts'

function busyStats (): DaemonStats {
  const stats = new DaemonStats({ now: () => 0, defaultMetrics: false })
  stats.registerCommand('report')
  stats.registerCommand('stats')
  stats.countCommand('report')
  stats.addCustomStat('b_stat')
  stats.addCustomStat('a_stat')
  stats.incCustomStat('a_stat')
  stats.recordPerf(0.1, 3)
  return stats
}

const PERF = 'WTW_0_1=1 WTW_1_10=0 WTW_10_100=0 WTW_100_1000=0 WTW_Slow=0 WTR_0_1=0 WTR_1_10=1 WTR_10_100=0 WTR_100_1000=0 WTR_Slow=0'

test('the three periodic lines, exactly', () => {
  assert.deepEqual(periodicLogLines(busyStats().snapshot(), 300), [
    `perf stats last 300 secs: ${PERF}`,
    'command stats last 300 secs: report=1 stats=0',
    'custom stats last 300 secs: a_stat=1 b_stat=0'
  ])
})

test('without registered commands or custom stats only the perf line is logged', () => {
  const lines = periodicLogLines(new DaemonStats({ now: () => 0, defaultMetrics: false }).snapshot(), 300)
  assert.equal(lines.length, 1)
  assert.match(lines[0] ?? '', /^perf stats last 300 secs: WTW_0_1=0 /)
})

test('the logger writes the lines at notice level on each period until stopped', async (t) => {
  const log = captureLog()
  t.after(log.restore)
  const stats = busyStats()
  const periodic = stats.createPeriodicLogger(20)
  t.after(() => periodic.stop())
  periodic.start()
  periodic.start() // idempotent: still one timer
  assert.equal(periodic.running, true)

  // Wait for two full periods' worth of lines rather than for a fixed time.
  for (let waited = 0; log.lines.length < 6 && waited < 5_000; waited += 10) await sleep(10)
  periodic.stop()
  assert.equal(periodic.running, false)
  const count = log.lines.length
  assert.ok(count >= 6 && count % 3 === 0, `got ${count} lines`)
  assert.deepEqual(log.lines.slice(0, 3).map(l => [l.level, l.message]), [
    ['notice', `perf stats last 300 secs: ${PERF}`],
    ['notice', 'command stats last 300 secs: report=1 stats=0'],
    ['notice', 'custom stats last 300 secs: a_stat=1 b_stat=0']
  ])
  await sleep(60)
  assert.equal(log.lines.length, count, 'nothing logged after stop()')
})

test('shortened windows print their own view length', (t) => {
  const log = captureLog()
  t.after(log.restore)
  const stats = new DaemonStats({ now: () => 0, windowSeconds: 0.5, windowCount: 4, defaultMetrics: false })
  stats.createPeriodicLogger().logOnce()
  assert.match(log.lines[0]?.message ?? '', /^perf stats last 2 secs: /)
})

test('a failing source is logged as an error instead of throwing from the timer', (t) => {
  const log = captureLog()
  t.after(log.restore)
  new PeriodicStatsLogger(() => { throw new Error('boom') }, { viewSeconds: 300 }).logOnce()
  assert.deepEqual(log.lines.map(l => [l.level, l.fields]), [['err', { error: new Error('boom') }]])
})
