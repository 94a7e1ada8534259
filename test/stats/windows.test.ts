import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isTrackalertError } from '../../src/errors.ts'
import {
  WINDOW_COUNT, WINDOW_SECONDS, WindowedCounters, mergeWindowedStates, windowTotals
} from '../../src/stats/index.ts'
import { fakeClock } from './helpers.ts'

test('defaults are 20 windows of 15 s: the 5-minute view', () => {
  assert.equal(WINDOW_SECONDS, 15)
  assert.equal(WINDOW_COUNT, 20)
  const w = new WindowedCounters({ now: () => 0 })
  assert.equal(w.windowMs * w.windowCount, 300_000)
})

test('a count stays for exactly 5 minutes from the start of its window, then drops out', () => {
  const clock = fakeClock(0)
  const w = new WindowedCounters({ now: clock.now })
  w.inc('report')
  w.inc('report')
  clock.set(299_999)
  assert.equal(w.total('report'), 2)
  clock.set(300_000)
  assert.equal(w.total('report'), 0)
  assert.equal(w.lifetime('report'), 2, 'lifetime counts never roll out')
})

test('counts made late in a window leave with that window, earlier ones too', () => {
  const clock = fakeClock(0)
  const w = new WindowedCounters({ now: clock.now })
  clock.set(14_999)
  w.inc('a') // window 0
  clock.set(15_000)
  w.inc('a', 3) // window 1
  clock.set(299_999) // window 19: windows 0..19 live
  assert.equal(w.total('a'), 4)
  clock.set(300_000) // window 20: window 0 gone
  assert.equal(w.total('a'), 3)
  clock.set(314_999)
  assert.equal(w.total('a'), 3)
  clock.set(315_000)
  assert.equal(w.total('a'), 0)
})

test('shortened windows roll over the same way', () => {
  const clock = fakeClock(1_000)
  const w = new WindowedCounters({ windowSeconds: 0.01, windowCount: 3, now: clock.now })
  assert.equal(w.windowMs, 10)
  w.inc('x') // window 100
  clock.set(1_010)
  w.inc('x') // window 101
  clock.set(1_029)
  assert.equal(w.total('x'), 2)
  clock.set(1_030)
  assert.equal(w.total('x'), 1)
  clock.set(1_040)
  assert.equal(w.total('x'), 0)
})

test('an idle gap longer than the whole view clears everything, and counting resumes cleanly', () => {
  const clock = fakeClock(0)
  const w = new WindowedCounters({ windowSeconds: 1, windowCount: 4, now: clock.now })
  for (let i = 0; i < 4; i++) {
    w.inc('a')
    clock.advance(1_000)
  }
  clock.set(3_999)
  assert.equal(w.total('a'), 4)
  clock.set(1_000_000)
  assert.equal(w.total('a'), 0)
  w.inc('a')
  assert.equal(w.total('a'), 1)
})

test('a clock stepping backwards keeps counting in the newest window', () => {
  const clock = fakeClock(10_000)
  const w = new WindowedCounters({ windowSeconds: 1, windowCount: 2, now: clock.now })
  w.inc('a')
  clock.set(5_000)
  w.inc('a')
  assert.equal(w.total('a'), 2)
  clock.set(11_999)
  assert.equal(w.total('a'), 2)
  clock.set(12_000)
  assert.equal(w.total('a'), 0)
})

test('declared names show at 0 and keep declaration order', () => {
  const w = new WindowedCounters({ now: () => 0 })
  w.declare('stats')
  w.declare('report')
  w.declare('stats')
  assert.deepEqual(w.names(), ['stats', 'report'])
  assert.equal(w.has('report'), true)
  assert.equal(w.has('other'), false)
  assert.equal(w.total('report'), 0)
  assert.deepEqual([...w.lifetimeEntries()], [['stats', 0], ['report', 0]])
})

test('exportState is plain JSON, oldest window first', () => {
  const clock = fakeClock(0)
  const w = new WindowedCounters({ windowSeconds: 1, windowCount: 3, now: clock.now })
  w.inc('a')
  clock.set(1_000)
  w.inc('a', 2)
  w.inc('b')
  clock.set(2_500)
  w.inc('a', 4)
  const state = w.exportState()
  assert.deepEqual(JSON.parse(JSON.stringify(state)), state)
  assert.deepEqual(state, {
    windowMs: 1_000,
    windowCount: 3,
    window: 2,
    counts: { a: [1, 2, 4], b: [0, 1, 0] },
    lifetime: { a: 7, b: 1 }
  })
  clock.set(3_000)
  assert.deepEqual(w.exportState().counts, { a: [2, 4, 0], b: [1, 0, 0] })
  assert.deepEqual(windowTotals(w.exportState()), { a: 6, b: 1 })
})

test('states of several processes merge aligned on the newest window', () => {
  const base = { windowMs: 1_000, windowCount: 3 }
  const older = { ...base, window: 10, counts: { a: [1, 2, 3], b: [5, 0, 0] }, lifetime: { a: 6, b: 5 } }
  const newer = { ...base, window: 11, counts: { a: [10, 20, 30], c: [0, 0, 1] }, lifetime: { a: 60, c: 1 } }
  const merged = mergeWindowedStates([older, newer])
  assert.deepEqual(merged, {
    ...base,
    window: 11,
    // older shifts by one window: its oldest slot (a=1, b=5) is out of the view at window 11.
    counts: { a: [12, 23, 30], b: [0, 0, 0], c: [0, 0, 1] },
    lifetime: { a: 66, b: 5, c: 1 }
  })
  assert.deepEqual(windowTotals(merged), { a: 65, b: 0, c: 1 })
})

test('merging refuses states with different window settings and empty input', () => {
  const a = { windowMs: 1_000, windowCount: 3, window: 0, counts: {}, lifetime: {} }
  const b = { ...a, windowCount: 4 }
  assert.throws(() => mergeWindowedStates([a, b]), (err: unknown) => isTrackalertError(err, 'TA_ERR_CONFIG_INVALID'))
  assert.throws(() => mergeWindowedStates([]), (err: unknown) => isTrackalertError(err, 'TA_ERR_CONFIG_INVALID'))
})

test('invalid window settings are rejected', () => {
  assert.throws(() => new WindowedCounters({ windowSeconds: 0 }), RangeError)
  assert.throws(() => new WindowedCounters({ windowCount: 1.5 }), RangeError)
})
