import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { isTrackalertError } from '../../src/errors.ts'
import { LogLevel } from '../../src/log/index.ts'
import { Scheduler, type RunResult } from '../../src/scheduler/index.ts'
import { ManualClock, captureLogs } from './helpers.ts'

// Everything here runs on a hand-driven clock: exact and independent of machine speed.
const logs = captureLogs()
after(() => { logs.restore() })

const START = new Date('2026-01-01T12:00:30Z')

/** stop(), then let simulated time pass so runs still sleeping on the manual clock can finish. */
async function shutdown (clock: ManualClock, scheduler: Scheduler): Promise<void> {
  const stopping = scheduler.stop(120_000)
  await clock.advance(120_000)
  assert.equal(await stopping, true)
}

function setup (options: { maxConcurrent?: number, timeZone?: string } = {}): {
  clock: ManualClock
  scheduler: Scheduler
  events: Array<{ name: string, result: RunResult, durationMs: number }>
} {
  const clock = new ManualClock(START)
  const events: Array<{ name: string, result: RunResult, durationMs: number }> = []
  const scheduler = new Scheduler({
    clock,
    timeZone: options.timeZone ?? 'UTC',
    maxConcurrent: options.maxConcurrent,
    onRun: (name, result, durationMs) => { events.push({ name, result, durationMs }) }
  })
  return { clock, scheduler, events }
}

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
  scheduler.addInterval(1, 'slow')
  scheduler.start(async () => {
    starts.push(clock.monoNow())
    await clock.sleep(2_500)
  })
  await clock.advance(10_000)
  // Runs at 1 s, 4 s, 7 s and 10 s; the ticks at 2, 3, 5, 6, 8 and 9 s find it still running.
  assert.deepEqual(starts, [1_000, 4_000, 7_000, 10_000])
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
  await shutdown(clock, scheduler)
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

test('schedules added after start, and a time zone set after addCron, take effect', async () => {
  const { clock, scheduler } = setup()
  const seen: Array<[string, string]> = []
  scheduler.addCron('0 21 * * *', 'tokyo-noon')
  scheduler.setTimeZone('Asia/Tokyo') // config order must not matter: 21:00 JST is 12:00Z
  scheduler.start(async (name) => { seen.push([name, new Date(clock.wallNow()).toISOString()]) })
  await clock.advance(60_000)
  scheduler.addInterval(60, 'late')
  await clock.advance(60_000)
  assert.deepEqual(seen, [['late', '2026-01-01T12:02:30.000Z']])
  await clock.advance(24 * 3600_000)
  assert.ok(seen.some(([name, at]) => name === 'tokyo-noon' && at === '2026-01-02T12:00:00.000Z'))
  assert.equal(scheduler.timeZone, 'Asia/Tokyo')
  await shutdown(clock, scheduler)
})

test('intervals follow the monotonic clock: a wall-clock step back does not stall them', async () => {
  const { clock, scheduler } = setup()
  let runs = 0
  scheduler.addInterval(60, 'steady')
  scheduler.start(async () => { runs++ })
  clock.jumpWall(-3600_000)
  await clock.advance(120_000)
  assert.equal(runs, 2)
  await shutdown(clock, scheduler)
})

test('the timer sleeps at most a minute, so long intervals and wall-clock drift are handled', async () => {
  const { clock, scheduler } = setup()
  let runs = 0
  scheduler.addInterval(48 * 3600, 'two-days') // longer than setTimeout's ~24.8-day limit would matter for
  scheduler.start(async () => { runs++ })
  await clock.advance(48 * 3600_000 - 1)
  assert.equal(runs, 0)
  await clock.advance(1)
  assert.equal(runs, 1)
  assert.ok(clock.delays.every(ms => ms <= 60_000), 'no timer armed for more than 60 s')
  await shutdown(clock, scheduler)
})

test('stop() is idempotent, clears the timer, drops queued runs and waits for running ones', async () => {
  const { clock, scheduler } = setup({ maxConcurrent: 1 })
  const started: string[] = []
  scheduler.addInterval(1, 'busy')
  scheduler.addInterval(1, 'queued')
  scheduler.start(async (name) => { started.push(name); await clock.sleep(5_000) })
  await clock.advance(1_000)
  const first = scheduler.stop(30_000)
  assert.equal(scheduler.stop(), first, 'a second stop() returns the same promise')
  assert.equal(scheduler.running, false)
  let result: boolean | undefined
  void first.then(r => { result = r })
  await clock.advance(4_999)
  assert.equal(result, undefined)
  await clock.advance(1)
  assert.equal(result, true)
  assert.deepEqual(started, ['busy'], 'the queued run was dropped, nothing new started')
  assert.equal(clock.pendingTimers, 0, 'no timer left behind')
  assert.equal(scheduler.stats().find(s => s.name === 'queued')?.state, 'idle')
  assert.throws(() => { scheduler.start(async () => {}) }, /already stopped/)
})

test('stop() before start resolves at once; an observer that throws does not break scheduling', async () => {
  const idle = new Scheduler({ clock: new ManualClock(START) })
  assert.equal(await idle.stop(), true)

  const clock = new ManualClock(START)
  const scheduler = new Scheduler({ clock, onRun: () => { throw new Error('metrics broke') } })
  let runs = 0
  scheduler.addInterval(1, 'bg')
  scheduler.start(async () => { runs++ })
  await clock.advance(3_000)
  assert.equal(runs, 3)
  assert.ok(logs.lines.some(l => l.message === 'background run observer failed'))
  await shutdown(clock, scheduler)
})

test('showBackgroundFuncs() lists schedules, counts, last run and last result', async () => {
  const { clock, scheduler } = setup()
  scheduler.addInterval(1800, 'half-hourly')
  scheduler.addCron('0 0 1 * *', 'monthly')
  scheduler.addCron('0 0 6 * *', 'monthly')
  let fail = true
  scheduler.start(async () => { if (fail) { fail = false; throw new Error('boom') } })
  await clock.advance(1800_000)
  await clock.advance(1800_000)
  const text = scheduler.showBackgroundFuncs()
  const lines = text.trimEnd().split('\n')
  assert.match(lines[0] ?? '', /^Name\s+Schedule\s+OK\s+Errors\s+Skipped\s+Last run\s+Last result$/)
  assert.match(lines[1] ?? '', /^half-hourly\s+every 00:30:00\s+1\s+1\s+0\s+2026-01-01T13:00:30\.000Z\s+ok$/)
  assert.match(lines[2] ?? '', /^monthly\s+cron "0 0 1 \* \*"; cron "0 0 6 \* \*"\s+0\s+0\s+0\s+-\s+-$/)
  assert.deepEqual(scheduler.scheduledNames(), ['half-hourly', 'monthly'])
  const stats = scheduler.stats()
  assert.deepEqual(JSON.parse(JSON.stringify(stats)), stats, 'stats are plain serialisable data')
  await shutdown(clock, scheduler)
})

test('bad schedules and settings raise clear TA_ERR_SCHEDULE errors', () => {
  const scheduler = new Scheduler({ clock: new ManualClock(START) })
  const cases: Array<[() => void, RegExp]> = [
    [() => { scheduler.addInterval(0, 'bg') }, /whole number of seconds >= 1, got 0/],
    [() => { scheduler.addInterval(1.5, 'bg') }, /got 1\.5/],
    [() => { scheduler.addInterval(Number.NaN, 'bg') }, /got NaN/],
    [() => { scheduler.addCron('every minute', 'bg') }, /invalid cron expression "every minute"/],
    [() => { scheduler.addCron('* * * * *', '') }, /non-empty string/],
    [() => { scheduler.setMaxConcurrent(0) }, /positive integer, got 0/],
    [() => { scheduler.setTimeZone('Nowhere/Land') }, /invalid time zone "Nowhere\/Land"/],
    [() => new Scheduler({ maxConcurrent: -1 }), /positive integer/]
  ]
  for (const [fn, message] of cases) {
    assert.throws(fn, (err: unknown) => isTrackalertError(err, 'TA_ERR_SCHEDULE') && message.test(err.message))
  }
  scheduler.addCron('0 0 1 * *', 'bg')
  assert.throws(() => { scheduler.addCron(' 0  0 1 * * ', 'bg') }, /already scheduled with cron/)
  scheduler.addInterval(60, 'bg')
  assert.throws(() => { scheduler.addInterval(60, 'bg') }, /already scheduled every 00:01:00/)
  scheduler.start(async () => {})
  assert.throws(() => { scheduler.start(async () => {}) }, /already started/)
  void scheduler.stop()
})
