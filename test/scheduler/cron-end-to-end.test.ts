import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Scheduler, nextRun } from '../../src/scheduler/index.ts'
import { waitFor } from './helpers.ts'

// The one slow test of the area: a real "* * * * *" schedule, so it waits for the next whole minute (<= 60 s).
let dir = ''
before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'ta-cron-')) })
after(async () => { await rm(dir, { recursive: true, force: true }) })

test('a "* * * * *" schedule runs at the next whole minute on the real clock', { timeout: 90_000 }, async (t) => {
  const file = path.join(dir, 'cron.log')
  const scheduler = new Scheduler()
  t.after(() => scheduler.stop())
  scheduler.addCron('* * * * *', 'minutely')
  const expected = nextRun('* * * * *', new Date())
  assert.ok(expected !== null)
  scheduler.start(async (name) => { await appendFile(file, `${name} ${Date.now()}\n`) })
  await waitFor(() => scheduler.stats()[0]?.ok === 1, 75_000, 'the first cron run')
  assert.equal(await scheduler.stop(), true)
  const [line = '', ...rest] = (await readFile(file, 'utf8')).trimEnd().split('\n')
  assert.deepEqual(rest, [])
  const [name, at] = line.split(' ')
  assert.equal(name, 'minutely')
  assert.ok(Number(at) >= expected.getTime(), `ran at ${new Date(Number(at)).toISOString()}, not before ${expected.toISOString()}`)
  const [stats] = scheduler.stats()
  assert.ok(stats?.lastRunMs !== null && stats !== undefined && stats.lastRunMs >= expected.getTime())
  assert.equal(expected.getTime() % 60_000, 0, 'the due time is a whole minute')
})
