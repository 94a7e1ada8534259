import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DaemonStats, PERF_STAT_NAMES, perfBucket, sanitizeMs, type PerfStatName } from '../../src/stats/index.ts'

function statsAt (): DaemonStats {
  return new DaemonStats({ now: () => 0, defaultMetrics: false })
}

test('bucket bounds are inclusive upper limits in ms', () => {
  const cases: Array<[number, number]> = [
    [0, 0], [0.5, 0], [1, 0], [1.0001, 1], [10, 1], [10.5, 2], [100, 2], [100.001, 3],
    [999.9, 3], [1000, 3], [1000.1, 4], [60_000, 4]
  ]
  for (const [ms, bucket] of cases) assert.equal(perfBucket(ms), bucket, `${ms} ms`)
})

test('recordPerf counts the wait into WTW_* and the run into WTR_*', () => {
  const expectations: Array<[number, PerfStatName, PerfStatName]> = [
    [1, 'WTW_0_1', 'WTR_0_1'],
    [1.0001, 'WTW_1_10', 'WTR_1_10'],
    [1000, 'WTW_100_1000', 'WTR_100_1000'],
    [1000.1, 'WTW_Slow', 'WTR_Slow']
  ]
  for (const [ms, wtw, wtr] of expectations) {
    const stats = statsAt()
    stats.recordPerf(ms, ms)
    const perf = stats.snapshot().perfstats
    for (const name of PERF_STAT_NAMES) {
      assert.equal(perf[name], name === wtw || name === wtr ? 1 : 0, `${ms} ms → ${name}`)
    }
  }
})

test('wait and run are bucketed independently', () => {
  const stats = statsAt()
  stats.recordPerf(50, 0.2)
  stats.recordPerf(50, 5000)
  const perf = stats.snapshot().perfstats
  assert.equal(perf.WTW_10_100, 2)
  assert.equal(perf.WTR_0_1, 1)
  assert.equal(perf.WTR_Slow, 1)
})

test('negative, NaN and infinite durations are clamped instead of breaking the request path', () => {
  assert.equal(sanitizeMs(-3), 0)
  assert.equal(sanitizeMs(Number.NaN), 0)
  assert.equal(sanitizeMs(Number.POSITIVE_INFINITY), 86_400_000)
  const stats = statsAt()
  stats.recordPerf(-1, Number.NaN)
  stats.recordPerf(Number.POSITIVE_INFINITY, 2)
  const perf = stats.snapshot().perfstats
  assert.equal(perf.WTW_0_1, 1)
  assert.equal(perf.WTW_Slow, 1)
  assert.equal(perf.WTR_0_1, 1)
  assert.equal(perf.WTR_1_10, 1)
})
