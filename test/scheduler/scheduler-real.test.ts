import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { Scheduler, nextRun } from '../../src/scheduler/index.ts'
import { settle } from './helpers.ts'

// The scheduler on its default clock (systemClock: Date.now and unref'd setTimeout). The timing logic
// itself is tested on a hand-driven clock in the other files; these check the real clock's wiring.

test('a "* * * * *" schedule on the system clock runs at the next whole minute', async (t) => {
  // node:test's mock timers drive Date and setTimeout, so the minute passes without being waited for.
  const from = Date.parse('2026-01-01T12:00:30.250Z')
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: from })
  const scheduler = new Scheduler()
  t.after(() => scheduler.stop())
  scheduler.addCron('* * * * *', 'minutely')
  const expected = nextRun('* * * * *', new Date(from))
  assert.ok(expected !== null)
  assert.equal(expected.getTime() % 60_000, 0, 'the due time is a whole minute')
  const runs: Array<[string, number]> = []
  scheduler.start(async (name) => { runs.push([name, Date.now()]) })
  t.mock.timers.tick(expected.getTime() - from - 1)
  await settle()
  assert.deepEqual(runs, [], 'nothing runs before the minute')
  t.mock.timers.tick(1)
  await settle()
  assert.deepEqual(runs, [['minutely', expected.getTime()]])
  assert.equal(await scheduler.stop(), true)
  const [stats] = scheduler.stats()
  assert.equal(stats?.ok, 1)
  assert.equal(stats?.lastRunMs, expected.getTime())
})

test('scheduler timers never keep the process alive on their own', async () => {
  const entry = new URL('../../src/scheduler/index.js', import.meta.url).href
  const script = `const { Scheduler } = await import(${JSON.stringify(entry)})
    const s = new Scheduler(); s.addInterval(3600, 'hourly'); s.addCron('* * * * *', 'minutely'); s.start(async () => {})`
  const started = Date.now()
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }, (err) => {
      if (err !== null) reject(err)
      else resolve()
    })
  })
  assert.ok(Date.now() - started < 20_000)
})
