import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RefusalLog, REFUSAL_LOG_INTERVAL_MS } from '../../src/http/refusal-log.ts'
import { levelNames, type LogFields, type LogLevelValue } from '../../src/log/index.ts'
import { fakeClock } from '../stats/helpers.ts'

interface Line { level: string, message: string, fields: LogFields }

/** A RefusalLog on a hand-moved clock, writing its lines into an array. */
function setup (): { log: RefusalLog, lines: Line[], clock: ReturnType<typeof fakeClock> } {
  const lines: Line[] = []
  const clock = fakeClock(1_000_000)
  const log = new RefusalLog({
    now: clock.now,
    emit: (level: LogLevelValue, message: string, fields: LogFields) => { lines.push({ level: levelNames[level] ?? '', message, fields }) }
  })
  return { log, lines, clock }
}

const MINUTE = REFUSAL_LOG_INTERVAL_MS

test('the first refusal of a reason is logged at once with peer, reason, detail and request', () => {
  const { log, lines } = setup()
  log.record('auth', { remote: '192.0.2.7', detail: 'wrong password', request: 'POST /command/report' })
  assert.deepEqual(lines, [{
    level: 'warning',
    message: 'refused request',
    fields: { reason: 'auth', remote: '192.0.2.7', detail: 'wrong password', request: 'POST /command/report' }
  }])
})

test('within a minute further refusals of the same reason are counted, not logged; the count follows', () => {
  const { log, lines, clock } = setup()
  for (let i = 0; i < 50; i++) {
    log.record('bad_request', { remote: `192.0.2.${i}`, detail: `bad ${i}` })
    clock.advance(1000) // 50 refusals over 50 s
  }
  assert.equal(lines.length, 1)
  assert.equal(lines[0]?.level, 'info')
  assert.equal(lines[0]?.fields.remote, '192.0.2.0')
  log.flush() // 50 s after the first line: too early for the count
  assert.equal(lines.length, 1)
  clock.set(1_000_000 + MINUTE)
  log.flush()
  assert.deepEqual(lines[1], {
    level: 'info',
    message: 'refused requests not logged one by one',
    fields: { reason: 'bad_request', count: 49, seconds: 60, last_remote: '192.0.2.49', last_detail: 'bad 49' }
  })
  log.flush() // nothing new: nothing more
  assert.equal(lines.length, 2)
})

test('a refusal after the interval is logged itself, carrying the count left out before it', () => {
  const { log, lines, clock } = setup()
  log.record('acl', { remote: '203.0.113.1', detail: 'not in ACL' })
  clock.advance(10_000)
  log.record('acl', { remote: '203.0.113.2', detail: 'not in ACL' })
  log.record('acl', { remote: '203.0.113.3', detail: 'not in ACL' })
  clock.advance(MINUTE - 10_000)
  log.record('acl', { remote: '203.0.113.4', detail: 'not in ACL' })
  assert.equal(lines.length, 2)
  assert.deepEqual(lines[1]?.fields, { reason: 'acl', remote: '203.0.113.4', detail: 'not in ACL', suppressed: 2 })
  // The interval restarts at that line: the next one within it is held back again.
  clock.advance(MINUTE - 1)
  log.record('acl', { remote: '203.0.113.5', detail: 'not in ACL' })
  assert.equal(lines.length, 2)
  clock.advance(1)
  log.flush()
  assert.equal(lines.length, 3)
  assert.equal(lines[2]?.fields.count, 1)
  assert.equal(lines[2]?.level, 'warning')
})

test('each reason has its own limit', () => {
  const { log, lines } = setup()
  for (const reason of ['auth', 'acl', 'not_found', 'method', 'too_large', 'malformed', 'too_many_connections', 'bad_request'] as const) {
    log.record(reason, { remote: '127.0.0.1', detail: reason })
    log.record(reason, { remote: '127.0.0.1', detail: reason })
  }
  assert.deepEqual(lines.map((l) => `${l.level} ${String(l.fields.reason)}`), [
    'warning auth', 'warning acl', 'info not_found', 'info method', 'info too_large', 'info malformed',
    'warning too_many_connections', 'info bad_request'
  ])
})
