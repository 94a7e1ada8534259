import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isTrackalertError } from '../../src/errors.ts'
import { formatDuration, parseDuration, tryParseDuration } from '../../src/scheduler/index.ts'

test('parses h[h][:mm][:ss] durations as in trackalert.conf(5)', () => {
  assert.equal(parseDuration('10'), 10 * 3600)
  assert.equal(parseDuration('00:00:01'), 1)
  assert.equal(parseDuration('5:01'), 5 * 3600 + 60)
  assert.equal(parseDuration('00:30:00'), 1800)
  assert.equal(parseDuration('24'), 86400)
  assert.equal(parseDuration('0'), 0)
  assert.equal(parseDuration('100:00'), 100 * 3600)
  assert.equal(parseDuration('1:2:3'), 3723, 'one-digit minutes and seconds are accepted, as upstream does')
  assert.equal(parseDuration('23:59:59'), 86399)
})

test('rejects anything else with TA_ERR_SCHEDULE naming the string', () => {
  const bad = ['', 'a', '1:2:3:4', '1:60', '1:00:60', '-1', '-00:00:01', '+1', ' 1', '1 ', '1:', ':30', '1::00',
    '1.5', '00:00:01.5', '1h', '1:100', '1234567', 'PT1H', '１']
  for (const input of bad) {
    assert.throws(() => parseDuration(input), (err: unknown) => {
      assert.ok(isTrackalertError(err, 'TA_ERR_SCHEDULE'), `${JSON.stringify(input)} should raise TA_ERR_SCHEDULE`)
      assert.ok(err.message.includes(JSON.stringify(input)), `message names ${JSON.stringify(input)}: ${err.message}`)
      return true
    })
    assert.equal(tryParseDuration(input), undefined)
  }
  assert.throws(() => parseDuration(undefined as unknown as string), /invalid duration "undefined"/)
})

test('formats seconds back to hh:mm:ss', () => {
  assert.equal(formatDuration(1), '00:00:01')
  assert.equal(formatDuration(1800), '00:30:00')
  assert.equal(formatDuration(18060), '05:01:00')
  assert.equal(formatDuration(100 * 3600 + 61), '100:01:01')
})
