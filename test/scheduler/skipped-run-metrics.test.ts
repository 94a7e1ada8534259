import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { LogLevel } from '../../src/log/index.ts'
import { Scheduler } from '../../src/scheduler/index.ts'
import { DaemonStats } from '../../src/stats/index.ts'
import { parsePrometheus, sample } from '../integration/helpers.ts'
import { ManualClock, START, captureLogs, shutdown } from './helpers.ts'

// A synchronous run (a Lua busy loop) holds the event loop past the function's next due time. That
// time is skipped, and the skip reaches the metrics and the console table the way the daemon wires
// them (onRun -> DaemonStats.recordBackgroundRun). On a hand-driven clock instead of real seconds.
const logs = captureLogs()
after(() => { logs.restore() })

test('a run that holds the event loop past its next time makes that time be skipped, counted in metrics and the console', async () => {
  const clock = new ManualClock(START)
  const stats = new DaemonStats()
  const scheduler = new Scheduler({ clock, timeZone: 'UTC', onRun: (name, result, ms) => { stats.recordBackgroundRun(name, result, ms) } })
  const starts: number[] = []
  scheduler.addInterval(1, 'slow')
  scheduler.start(async () => {
    starts.push(clock.monoNow())
    if (starts.length === 1) clock.block(1_100) // runs from 1.0 s to 2.1 s, past the 2 s due time
  })
  await clock.advance(1_000)
  const [first] = scheduler.stats()
  assert.equal(first?.ok, 1)
  assert.equal(first?.skipped, 1, 'the 2 s due time passed while the run held the loop')
  assert.equal(first?.lastDurationMs, 1_100)
  assert.ok(logs.lines.some(l => l.level === LogLevel.warning && l.fields.name === 'slow' && /ran past its next scheduled time, skipping/.test(l.message)))

  // The skipped time is not made up for: the next run keeps the fixed rate, at 3 s.
  await clock.advance(900)
  assert.deepEqual(starts, [1_000, 3_000])

  const families = parsePrometheus(await stats.metricsText())
  assert.equal(sample(families, 'trackalert_background_runs_total', { name: 'slow', result: 'ok' }), 2)
  assert.equal(sample(families, 'trackalert_background_runs_total', { name: 'slow', result: 'skipped' }), 1)
  assert.equal(sample(families, 'trackalert_background_runs_total', { name: 'slow', result: 'error' }) ?? 0, 0)
  assert.match(scheduler.showBackgroundFuncs(), /\nslow\s+every 00:00:01\s+2\s+0\s+1\s+2026-01-01T12:00:33\.000Z\s+ok/)
  await shutdown(clock, scheduler)
})
