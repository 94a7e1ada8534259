import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { LogLevel } from '../../src/log/index.ts'
import { Scheduler } from '../../src/scheduler/index.ts'
import { captureLogs, waitFor } from './helpers.ts'

// Real clock, real timers, 1-second intervals; each run records itself in a real file.
let dir = ''
const logs = captureLogs()
before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'ta-scheduler-')) })
after(async () => {
  logs.restore()
  await rm(dir, { recursive: true, force: true })
})

async function record (file: string, line: string): Promise<void> {
  await appendFile(file, `${line}\n`)
}

async function lines (file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).trimEnd().split('\n')
}

describe('scheduler on the real clock', { concurrency: true }, () => {
  test('a run longer than its interval is never overlapped; the skipped ticks are counted', async (t) => {
    const file = path.join(dir, 'overlap.log')
    const scheduler = new Scheduler()
    t.after(() => scheduler.stop())
    scheduler.addInterval(1, 'slow')
    scheduler.start(async (name) => {
      await record(file, `start ${name}`)
      await sleep(2_500)
      await record(file, `end ${name}`)
    })
    const stats = (): { ok: number, skipped: number } => scheduler.stats()[0] ?? { ok: 0, skipped: 0 }
    await waitFor(() => stats().ok >= 1 && stats().skipped >= 1, 15_000, 'one completed run and one skip')
    assert.equal(await scheduler.stop(10_000), true)
    const events = await lines(file)
    for (let i = 0; i < events.length; i++) assert.equal(events[i], i % 2 === 0 ? 'start slow' : 'end slow', `line ${i}`)
    assert.ok(stats().skipped >= 1)
    assert.ok(logs.lines.some(l => l.level === LogLevel.warning && l.fields.name === 'slow' && /skipping/.test(l.message)))
  })

  test('a run that throws is logged, and the next scheduled run succeeds', async (t) => {
    const file = path.join(dir, 'errors.log')
    const scheduler = new Scheduler()
    t.after(() => scheduler.stop())
    let attempt = 0
    scheduler.addInterval(1, 'flaky')
    scheduler.start(async (name) => {
      attempt++
      await record(file, `attempt ${attempt} ${name}`)
      if (attempt === 1) throw new Error('first run fails')
    })
    await waitFor(() => (scheduler.stats()[0]?.ok ?? 0) >= 1, 15_000, 'a successful run after the failure')
    await scheduler.stop(10_000)
    const [stats] = scheduler.stats()
    assert.equal(stats?.error, 1)
    assert.equal(stats?.lastResult, 'ok')
    assert.deepEqual((await lines(file)).slice(0, 2), ['attempt 1 flaky', 'attempt 2 flaky'])
    assert.ok(logs.lines.some(l => l.message === 'background function failed' && l.fields.name === 'flaky' &&
      l.fields.error === 'first run fails'))
  })

  test('no more than maxConcurrent functions run at the same time', async (t) => {
    const file = path.join(dir, 'concurrency.log')
    const scheduler = new Scheduler({ maxConcurrent: 2 })
    t.after(() => scheduler.stop())
    const names = ['a', 'b', 'c', 'd']
    for (const name of names) scheduler.addInterval(1, name)
    scheduler.start(async (name) => {
      await record(file, `start ${name}`)
      await sleep(400)
      await record(file, `end ${name}`)
    })
    await waitFor(() => scheduler.stats().every(s => s.ok >= 1), 15_000, 'every function to run once')
    assert.equal(await scheduler.stop(10_000), true)
    let inFlight = 0
    let peak = 0
    for (const line of await lines(file)) {
      inFlight += line.startsWith('start ') ? 1 : -1
      peak = Math.max(peak, inFlight)
    }
    assert.equal(peak, 2)
    assert.equal(inFlight, 0)
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
})
