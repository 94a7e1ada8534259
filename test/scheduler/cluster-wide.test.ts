import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { captureLogs, setup, shutdown } from './helpers.ts'

// setBackgroundClusterWide on a hand-driven clock: the wall-clock grid and what each claim outcome does.
// START is 12:00:30 UTC, so a grid tick and "one interval after start" differ.
const logs = captureLogs()
after(() => { logs.restore() })

const iso = (ms: number): string => new Date(ms).toISOString()

test('a cluster-wide interval runs on the wall-clock grid, and each claim names the scheduled time', async () => {
  const { clock, scheduler } = setup()
  const claims: string[] = []
  const runs: string[] = []
  scheduler.addInterval(60, 'sweep')
  scheduler.addInterval(60, 'local')
  scheduler.setClusterWide('sweep')
  scheduler.start(async (name) => { runs.push(`${name} ${iso(clock.wallNow())}`) }, async (name, tickMs) => { claims.push(`${name} ${iso(tickMs)}`); return true })
  await clock.advance(120_000)
  assert.deepEqual(claims, ['sweep 2026-01-01T12:01:00.000Z', 'sweep 2026-01-01T12:02:00.000Z'])
  assert.deepEqual(runs, [
    'sweep 2026-01-01T12:01:00.000Z', 'local 2026-01-01T12:01:30.000Z',
    'sweep 2026-01-01T12:02:00.000Z', 'local 2026-01-01T12:02:30.000Z'
  ])
  await shutdown(clock, scheduler)
})

test('the claim carries the scheduled time even when the run waited for a slot', async () => {
  const { clock, scheduler } = setup({ maxConcurrent: 1 })
  const claims: string[] = []
  scheduler.addInterval(60, 'slow')
  scheduler.addInterval(60, 'sweep')
  scheduler.setClusterWide('slow')
  scheduler.setClusterWide('sweep')
  scheduler.start(async (name) => { if (name === 'slow') await clock.sleep(10_000) }, async (name, tickMs) => { claims.push(`${name} ${iso(tickMs)} at ${iso(clock.wallNow())}`); return true })
  await clock.advance(40_000)
  assert.equal(claims.length, 2)
  assert.ok(claims.includes('sweep 2026-01-01T12:01:00.000Z at 2026-01-01T12:01:10.000Z'), claims.join('; '))
  await shutdown(clock, scheduler)
})

test('a tick another instance won runs nothing here and counts nothing; the next tick claims again', async () => {
  const { clock, scheduler, events } = setup()
  let runs = 0
  let claims = 0
  scheduler.addInterval(60, 'sweep')
  scheduler.setClusterWide('sweep')
  scheduler.start(async () => { runs++ }, async () => { claims++; return claims !== 1 })
  await clock.advance(60_000)
  assert.equal(runs, 0)
  assert.equal(events.length, 0)
  const [lost] = scheduler.stats()
  assert.deepEqual([lost?.ok, lost?.error, lost?.skipped, lost?.state, lost?.lastRunMs], [0, 0, 0, 'idle', null])
  await clock.advance(60_000)
  assert.equal(claims, 2)
  assert.equal(runs, 1)
  assert.deepEqual(events.map((e) => e.result), ['ok'])
  await shutdown(clock, scheduler)
})

test('a claim that fails, by rejecting or by throwing, is a failed run with the reason', async () => {
  for (const claim of [async (): Promise<boolean> => { throw new Error('database down') }, (): Promise<boolean> => { throw new Error('database down') }]) {
    const { clock, scheduler, events } = setup()
    let runs = 0
    scheduler.addInterval(60, 'sweep')
    scheduler.setClusterWide('sweep')
    scheduler.start(async () => { runs++ }, claim)
    await clock.advance(60_000)
    assert.equal(runs, 0)
    assert.deepEqual(events.map((e) => e.result), ['error'])
    assert.equal(scheduler.stats()[0]?.lastError, 'cluster-wide claim failed: database down')
    await shutdown(clock, scheduler)
  }
})

test('without a claimer a cluster-wide function runs here on every tick, still on the grid', async () => {
  const { clock, scheduler } = setup()
  const runs: string[] = []
  scheduler.addInterval(60, 'sweep')
  scheduler.setClusterWide('sweep')
  scheduler.start(async () => { runs.push(iso(clock.wallNow())) })
  await clock.advance(60_000)
  assert.deepEqual(runs, ['2026-01-01T12:01:00.000Z'])
  assert.deepEqual(scheduler.clusterWideNames, ['sweep'])
  await shutdown(clock, scheduler)
})
