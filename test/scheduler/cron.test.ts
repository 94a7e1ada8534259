import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isTrackalertError } from '../../src/errors.ts'
import { nextRun, parseCron, validateTimeZone } from '../../src/scheduler/index.ts'

const iso = (d: Date | null): string | null => d === null ? null : d.toISOString()

/** The next `n` runs in UTC (or `tz`), each strictly after the previous one. */
function runs (expr: string, from: string, n: number, tz = 'UTC'): string[] {
  const schedule = parseCron(expr, tz)
  const out: string[] = []
  let at = new Date(from)
  for (let i = 0; i < n; i++) {
    const next = schedule.next(at)
    assert.ok(next !== null)
    out.push(next.toISOString())
    at = next
  }
  return out
}

test('every minute runs at the next whole minute, strictly after the given time', () => {
  assert.equal(iso(nextRun('* * * * *', new Date('2026-01-01T12:00:00.000Z'), 'UTC')), '2026-01-01T12:01:00.000Z')
  assert.equal(iso(nextRun('* * * * *', new Date('2026-01-01T12:00:59.999Z'), 'UTC')), '2026-01-01T12:01:00.000Z')
  assert.equal(iso(nextRun('* * * * *', new Date('2026-12-31T23:59:30Z'), 'UTC')), '2027-01-01T00:00:00.000Z')
})

test('steps, ranges and lists (which upstream does not support)', () => {
  assert.deepEqual(runs('*/5 * * * *', '2026-01-01T12:01:00Z', 3),
    ['2026-01-01T12:05:00.000Z', '2026-01-01T12:10:00.000Z', '2026-01-01T12:15:00.000Z'])
  assert.deepEqual(runs('0 9-11 * * *', '2026-01-01T10:30:00Z', 3),
    ['2026-01-01T11:00:00.000Z', '2026-01-02T09:00:00.000Z', '2026-01-02T10:00:00.000Z'])
  assert.deepEqual(runs('15 1,3 * * *', '2026-01-01T00:00:00Z', 3),
    ['2026-01-01T01:15:00.000Z', '2026-01-01T03:15:00.000Z', '2026-01-02T01:15:00.000Z'])
  // Monday to Friday at 08:00; 2026-01-02 is a Friday.
  assert.deepEqual(runs('0 8 * * 1-5', '2026-01-02T09:00:00Z', 2), ['2026-01-05T08:00:00.000Z', '2026-01-06T08:00:00.000Z'])
  // Upstream's own examples: midnight on the 1st and on the 6th.
  assert.equal(iso(nextRun('0 0 1 * *', new Date('2026-01-15T00:00:00Z'), 'UTC')), '2026-02-01T00:00:00.000Z')
  assert.equal(iso(nextRun('0 0 6 * *', new Date('2026-01-15T00:00:00Z'), 'UTC')), '2026-02-06T00:00:00.000Z')
  assert.deepEqual(runs('0 12 * 1-2/1 0,6', '2026-01-30T00:00:00Z', 2), ['2026-01-31T12:00:00.000Z', '2026-02-01T12:00:00.000Z'])
})

test('day-of-month and day-of-week: if both are restricted, either one matching is enough', () => {
  // February 2026: the 15th is a Sunday; Mondays are the 2nd, 9th, 16th and 23rd.
  assert.deepEqual(runs('0 0 15 * 1', '2026-02-01T00:00:00Z', 5), [
    '2026-02-02T00:00:00.000Z', '2026-02-09T00:00:00.000Z', '2026-02-15T00:00:00.000Z',
    '2026-02-16T00:00:00.000Z', '2026-02-23T00:00:00.000Z'
  ])
  // Only one of them restricted: that one alone decides.
  assert.deepEqual(runs('0 0 15 * *', '2026-02-01T00:00:00Z', 1), ['2026-02-15T00:00:00.000Z'])
  assert.deepEqual(runs('0 0 * * 1', '2026-02-01T00:00:00Z', 1), ['2026-02-02T00:00:00.000Z'])
  // 7 is Sunday as well as 0.
  assert.deepEqual(runs('0 0 * * 7', '2026-02-01T00:00:01Z', 1), ['2026-02-08T00:00:00.000Z'])
})

test('the default time zone is the process local zone', () => {
  const after = new Date(2026, 0, 10, 0, 0, 0)
  assert.equal(nextRun('0 12 * * *', after)?.getTime(), new Date(2026, 0, 10, 12, 0, 0).getTime())
  assert.equal(parseCron('0 12 * * *').timeZone, undefined)
})

test('an explicit IANA zone moves the wall-clock times', () => {
  assert.equal(iso(nextRun('0 12 * * *', new Date('2026-01-10T00:00:00Z'), 'Asia/Tokyo')), '2026-01-10T03:00:00.000Z')
  assert.equal(iso(nextRun('0 12 * * *', new Date('2026-07-10T00:00:00Z'), 'America/New_York')), '2026-07-10T16:00:00.000Z')
})

test('DST spring forward in Europe/Berlin (2026-03-29, 02:00 CET -> 03:00 CEST)', () => {
  // 02:30 does not exist that day. A fixed-time job runs at the first valid time after the gap (03:00 CEST)...
  assert.deepEqual(runs('30 2 * * *', '2026-03-28T12:00:00Z', 2, 'Europe/Berlin'),
    ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z'])
  // ...while an hourly job skips the missing hour: 01:30 CET, then 03:30 CEST.
  assert.deepEqual(runs('30 * * * *', '2026-03-29T00:00:00Z', 2, 'Europe/Berlin'),
    ['2026-03-29T00:30:00.000Z', '2026-03-29T01:30:00.000Z'])
})

test('DST fall back in Europe/Berlin (2026-10-25, 03:00 CEST -> 02:00 CET)', () => {
  // 02:30 happens twice (00:30Z in CEST, 01:30Z in CET). A fixed-time job runs once, at the first one...
  assert.deepEqual(runs('30 2 * * *', '2026-10-24T12:00:00Z', 2, 'Europe/Berlin'),
    ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'])
  // ...while an hourly job runs on both.
  assert.deepEqual(runs('30 * * * *', '2026-10-25T00:00:00Z', 3, 'Europe/Berlin'),
    ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-25T02:30:00.000Z'])
})

test('bad expressions raise TA_ERR_SCHEDULE naming the expression', () => {
  const bad = ['', '* * * *', '* * * * * *', '@daily', '61 * * * *', '* 24 * * *', '* * 0 * *', '* * * 13 *',
    'a b c d e', '5-1 * * * *', '*/0 * * * *', '5/5 * * * *', '0 0 30 2 *']
  for (const expr of bad) {
    assert.throws(() => parseCron(expr, 'UTC'), (err: unknown) => {
      assert.ok(isTrackalertError(err, 'TA_ERR_SCHEDULE'), `"${expr}" should raise TA_ERR_SCHEDULE`)
      assert.ok(err.message.includes(`"${expr}"`), `message names "${expr}": ${err.message}`)
      return true
    })
  }
  assert.throws(() => parseCron('0 0 30 2 *', 'UTC'), /never matches/)
  assert.throws(() => parseCron('* * * *'), /expected five fields/)
})

test('time zones are validated up front', () => {
  assert.equal(validateTimeZone('Europe/Berlin'), 'Europe/Berlin')
  assert.equal(validateTimeZone('UTC'), 'UTC')
  for (const tz of ['Mars/Olympus', '', 'Europe/Berlinn']) {
    assert.throws(() => validateTimeZone(tz), (err: unknown) => isTrackalertError(err, 'TA_ERR_SCHEDULE') && err.message.includes(`"${tz}"`))
  }
  assert.throws(() => parseCron('* * * * *', 'Mars/Olympus'), /invalid time zone "Mars\/Olympus"/)
})
