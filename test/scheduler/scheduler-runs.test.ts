import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { LogLevel } from '../../src/log/index.ts'
import { captureLogs, setup, shutdown } from './helpers.ts'

// When and how runs start: timing, no-overlap, failures, concurrency. All on a hand-driven clock.
const logs = captureLogs()
after(() => { logs.restore() })

test('an interval first runs one interval after start, then at a fixed rate', async () => {
  const { clock, scheduler } = setup()
  const seen: number[] = []
  scheduler.addInterval(10, 'bg')
  scheduler.start(async () => { seen.push(clock.monoNow()) })
  await clock.advance(9_999)
  assert.deepEqual(seen, [])
  await clock.advance(1)
  assert.deepEqual(seen, [10_000])
  await clock.advance(20_000)
  assert.deepEqual(seen, [10_000, 20_000, 30_000])
  await shutdown(clock, scheduler)
})

test('cron runs at matching wall-clock minutes in the configured zone', async () => {
  const { clock, scheduler } = setup()
  const seen: string[] = []
  scheduler.addCron('*/5 * * * *', 'five')
  scheduler.start(async () => { seen.push(new Date(clock.wallNow()).toISOString()) })
  await clock.advance(15 * 60_000)
  assert.deepEqual(seen, ['2026-01-01T12:05:00.000Z', '2026-01-01T12:10:00.000Z', '2026-01-01T12:15:00.000Z'])
  await shutdown(clock, scheduler)
})

test('a function still running is not started again; each skip is logged and counted', async () => {
  const { clock, scheduler, events } = setup()
  const starts: number[] = []
  const trace: string[] = []
  scheduler.addInterval(1, 'slow')
  scheduler.start(async () => {
    starts.push(clock.monoNow())
    trace.push('start')
    await clock.sleep(2_500)
    trace.push('end')
  })
  await clock.advance(10_000)
  // Runs at 1 s, 4 s, 7 s and 10 s; the ticks at 2, 3, 5, 6, 8 and 9 s find it still running.
  assert.deepEqual(starts, [1_000, 4_000, 7_000, 10_000])
  assert.deepEqual(trace, ['start', 'end', 'start', 'end', 'start', 'end', 'start'], 'never two runs at once')
  const [stats] = scheduler.stats()
  assert.equal(stats?.ok, 3)
  assert.equal(stats?.skipped, 6)
  assert.equal(stats?.state, 'running')
  assert.deepEqual(events.filter(e => e.result === 'skipped').map(e => [e.name, e.durationMs]), Array(6).fill(['slow', 0]))
  assert.deepEqual(events.filter(e => e.result === 'ok').map(e => e.durationMs), [2_500, 2_500, 2_500])
  const warnings = logs.lines.filter(l => l.level === LogLevel.warning && l.fields.name === 'slow')
  assert.equal(warnings.length, 6)
  assert.match(warnings[0]?.message ?? '', /still running, skipping/)
  const stopping = scheduler.stop(1_000)
  await clock.advance(1_000)
  assert.equal(await stopping, false, 'the run in progress (until 12.5 s) outlives a 1 s stop bound')
})

test('a failed run is logged and the schedule continues', async () => {
  const { clock, scheduler, events } = setup()
  let attempt = 0
  scheduler.addInterval(1, 'flaky')
  scheduler.start(async (name) => {
    attempt++
    if (attempt === 1) throw new Error(`lua error in ${name}`)
    if (attempt === 2) await Promise.reject(new Error('runaway script interrupted'))
  })
  await clock.advance(3_000)
  assert.deepEqual(events.map(e => e.result), ['error', 'error', 'ok'])
  const failures = logs.lines.filter(l => l.message === 'background function failed' && l.fields.name === 'flaky')
  assert.deepEqual(failures.map(l => [l.level, l.fields.error]), [
    [LogLevel.err, 'lua error in flaky'], [LogLevel.err, 'runaway script interrupted']
  ])
  const [stats] = scheduler.stats()
  assert.equal(stats?.error, 2)
  assert.equal(stats?.ok, 1)
  assert.equal(stats?.lastResult, 'ok')
  assert.equal(stats?.lastError, null)
  await shutdown(clock, scheduler)
})

test('a synchronous throw or a non-Error rejection counts as an error too', async () => {
  const { clock, scheduler } = setup()
  scheduler.addInterval(1, 'sync')
  scheduler.addInterval(1, 'odd')
  scheduler.start((name) => {
    if (name === 'sync') throw new Error('thrown before any await')
    return Promise.reject('plain string')
  })
  await clock.advance(1_000)
  const byName = Object.fromEntries(scheduler.stats().map(s => [s.name, s]))
  assert.equal(byName.sync?.error, 1)
  assert.equal(byName.sync?.lastError, 'thrown before any await')
  assert.equal(byName.odd?.lastError, 'plain string')
  await shutdown(clock, scheduler)
})

test('at most maxConcurrent functions run at once; the rest wait for a slot in order', async () => {
  const { clock, scheduler } = setup({ maxConcurrent: 2 })
  const order: string[] = []
  let inFlight = 0
  let peak = 0
  for (const name of ['a', 'b', 'c', 'd', 'e']) scheduler.addInterval(10, name)
  scheduler.start(async (name) => {
    order.push(name)
    peak = Math.max(peak, ++inFlight)
    await clock.sleep(name === 'a' ? 1_000 : 3_000)
    inFlight--
  })
  await clock.advance(10_000)
  assert.deepEqual(order, ['a', 'b'])
  assert.deepEqual(scheduler.stats().map(s => s.state), ['running', 'running', 'queued', 'queued', 'queued'])
  await clock.advance(1_000) // a finishes, c takes its slot
  assert.deepEqual(order, ['a', 'b', 'c'])
  await clock.advance(2_000) // b finishes, d starts
  assert.deepEqual(order, ['a', 'b', 'c', 'd'])
  await clock.advance(2_000) // c finishes, e starts
  assert.deepEqual(order, ['a', 'b', 'c', 'd', 'e'])
  assert.equal(peak, 2)
  assert.equal(scheduler.stats().reduce((n, s) => n + s.skipped, 0), 0)
  await clock.advance(10_000)
  assert.ok(scheduler.stats().every(s => s.ok >= 1), 'every function ran')
  await shutdown(clock, scheduler)
  assert.equal(inFlight, 0, 'every run that started also ended')
})

test('a function waiting for a slot is skipped when its next time comes', async () => {
  const { clock, scheduler } = setup({ maxConcurrent: 1 })
  scheduler.addInterval(5, 'hog')
  scheduler.addInterval(5, 'waiter')
  scheduler.start(async (name) => { if (name === 'hog') await clock.sleep(12_000) })
  await clock.advance(10_000)
  const byName = Object.fromEntries(scheduler.stats().map(s => [s.name, s]))
  assert.equal(byName.waiter?.state, 'queued')
  assert.equal(byName.waiter?.skipped, 1)
  assert.equal(byName.hog?.skipped, 1)
  await clock.advance(7_000) // hog ends at 17 s; waiter finally runs
  assert.equal(scheduler.stats().find(s => s.name === 'waiter')?.ok, 1)
  await shutdown(clock, scheduler)
})

test('raising maxConcurrent at run time starts waiting functions', async () => {
  const { clock, scheduler } = setup({ maxConcurrent: 1 })
  const started: string[] = []
  scheduler.addInterval(5, 'x')
  scheduler.addInterval(5, 'y')
  scheduler.start(async (name) => { started.push(name); await clock.sleep(60_000) })
  await clock.advance(5_000)
  assert.deepEqual(started, ['x'])
  scheduler.setMaxConcurrent(2)
  assert.deepEqual(started, ['x', 'y'])
  assert.equal(scheduler.maxConcurrent, 2)
  await clock.advance(60_000)
  await shutdown(clock, scheduler)
})

test('a name due on two schedules at the same moment runs once, without a skip', async () => {
  const { clock, scheduler, events } = setup()
  scheduler.addCron('0 * * * *', 'twice')
  scheduler.addCron('*/30 * * * *', 'twice')
  scheduler.start(async () => {})
  await clock.advance(60 * 60_000)
  assert.deepEqual(events.map(e => e.result), ['ok', 'ok']) // 12:30 and 13:00
  assert.deepEqual(scheduler.stats()[0]?.schedules, ['cron "0 * * * *"', 'cron "*/30 * * * *"'])
  await shutdown(clock, scheduler)
})
