import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { isTrackalertError } from '../../src/errors.ts'
import { Scheduler } from '../../src/scheduler/index.ts'
import { ManualClock, START, captureLogs, setup, shutdown } from './helpers.ts'

// Adding schedules late, clock behaviour, stop(), stats and bad input. All on a hand-driven clock.
const logs = captureLogs()
after(() => { logs.restore() })

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
