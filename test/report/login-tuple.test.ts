import { test } from 'node:test'
import assert from 'node:assert/strict'
import { splitAttrs, validateLoginTuple } from '../../src/report/login-tuple.ts'
import { body } from './body.ts'

const NOW = 1_767_268_800.5

/** The rejection of `input`: field and reason; fails the test if it was accepted. */
function rejection (input: unknown): { field: string, reason: string } {
  const v = validateLoginTuple(input, NOW)
  assert.equal(v.tuple, null, `accepted: ${JSON.stringify(input)}`)
  return { field: v.field as string, reason: v.reason as string }
}

test('a body that is not a JSON object is refused, naming what it was', () => {
  for (const [input, got] of [[null, 'null'], [[], 'array'], ['x', 'string'], [7, 'number'], [true, 'boolean'], [undefined, 'undefined']] as const) {
    assert.deepEqual(rejection(input), { field: 'body', reason: `Request body must be a JSON object, got ${got}` })
  }
})

test('each required field is checked for presence and type, in order', () => {
  for (const key of ['login', 'remote', 'pwhash']) {
    assert.deepEqual(rejection(body({ [key]: undefined })), { field: key, reason: `Missing required field '${key}'` })
    assert.deepEqual(rejection(body({ [key]: 5 })), { field: key, reason: `Field '${key}' must be a string, got number` })
    assert.deepEqual(rejection(body({ [key]: null })), { field: key, reason: `Field '${key}' must be a string, got null` })
  }
  assert.deepEqual(rejection(body({ success: undefined })), { field: 'success', reason: "Missing required field 'success'" })
  assert.deepEqual(rejection(body({ success: 'true' })), { field: 'success', reason: "Field 'success' must be a boolean, got string" })
  // The first problem is reported: login before remote before success.
  assert.equal(rejection({ remote: 1 }).field, 'login')
  assert.equal(rejection({ login: 'a', pwhash: 'b', remote: 'nope' }).field, 'success')
})

test('remote must be an IP address; a long bad value is cut in the reason', () => {
  assert.deepEqual(rejection(body({ remote: '192.0.2.256' })),
    { field: 'remote', reason: "Field 'remote' is not a valid IPv4 or IPv6 address: '192.0.2.256'" })
  const long = 'x'.repeat(100)
  assert.equal(rejection(body({ remote: long })).reason, `Field 'remote' is not a valid IPv4 or IPv6 address: '${'x'.repeat(64)}'`)
  assert.equal(rejection(body({ remote: '' })).field, 'remote')
})

test('optional fields are type-checked, each with its own reason', () => {
  for (const key of ['protocol', 'device_id', 'session_id', 'fail_type']) {
    assert.deepEqual(rejection(body({ [key]: 1 })), { field: key, reason: `Field '${key}' must be a string, got number` })
  }
  for (const key of ['policy_reject', 'tls']) {
    assert.deepEqual(rejection(body({ [key]: 'yes' })), { field: key, reason: `Field '${key}' must be a boolean, got string` })
  }
  for (const [t, got] of [['1700000000', 'string'], [true, 'boolean'], [{}, 'object'], [Number.NaN, 'number'], [Number.POSITIVE_INFINITY, 'number']] as const) {
    assert.deepEqual(rejection(body({ t })), { field: 't', reason: `Field 't' must be a number, got ${got}` })
  }
  assert.deepEqual(rejection(body({ attrs: [] })), { field: 'attrs', reason: "Field 'attrs' must be an object, got array" })
  assert.deepEqual(rejection(body({ attrs: { a: 1 } })),
    { field: 'attrs', reason: "Field 'attrs.a' must be a string or an array of strings, got number" })
  assert.deepEqual(rejection(body({ attrs: { a: ['x', null] } })), { field: 'attrs', reason: "Field 'attrs.a[1]' must be a string, got null" })
  assert.deepEqual(rejection(body({ device_attrs: 'x' })), { field: 'device_attrs', reason: "Field 'device_attrs' must be an object, got string" })
  assert.deepEqual(rejection(body({ device_attrs: { 'os.family': ['Linux'] } })),
    { field: 'device_attrs', reason: "Field 'device_attrs.os.family' must be a string, got array" })
})

test('a valid body gives a tuple with defaults for every optional field', () => {
  const v = validateLoginTuple({ ...body(), type: 'wforce_report', unknown: { ignored: true } }, NOW)
  assert.equal(v.reason, null)
  assert.equal(v.field, null)
  assert.ok(v.tuple !== null)
  const { remote, ...rest } = v.tuple
  assert.equal(remote.family, 4)
  assert.deepEqual(rest, {
    t: NOW, remoteText: '192.0.2.1', login: 'alice', pwhash: 'abcd', success: true, policyReject: false,
    attrs: {}, attrsMv: {}, protocol: '', tls: false, deviceId: '', deviceAttrs: null, sessionId: '', failType: ''
  })
})

test('the event time is the body\'s t when sent (0 and fractions included), else the clock\'s now', () => {
  assert.equal(validateLoginTuple(body(), NOW).tuple?.t, NOW)
  assert.equal(validateLoginTuple(body(), 42).tuple?.t, 42, 'now is read per report, not cached')
  assert.equal(validateLoginTuple(body({ t: 0 }), NOW).tuple?.t, 0)
  assert.equal(validateLoginTuple(body({ t: 1795537046.032435 }), NOW).tuple?.t, 1795537046.032435)
  assert.equal(validateLoginTuple(body({ t: -1 }), NOW).tuple?.t, -1, 'a time before 1970 is passed on as sent')
})

test('all optional fields are carried over; IPv4-mapped remotes become IPv4, IPv6 is canonical', () => {
  const v = validateLoginTuple(body({
    remote: '::ffff:198.51.100.7', success: false, policy_reject: true, protocol: 'imap', tls: true, device_id: 'ua/1',
    session_id: 's-1', fail_type: 'credentials', attrs: { a: '1', list: ['x', 'y'], empty: [] }, device_attrs: { 'os.family': 'Linux' }
  }), NOW)
  assert.ok(v.tuple !== null)
  assert.equal(v.tuple.remoteText, '198.51.100.7')
  assert.equal(v.tuple.remote.family, 4)
  assert.deepEqual([v.tuple.success, v.tuple.policyReject, v.tuple.tls], [false, true, true])
  assert.deepEqual([v.tuple.protocol, v.tuple.deviceId, v.tuple.sessionId, v.tuple.failType], ['imap', 'ua/1', 's-1', 'credentials'])
  assert.deepEqual(v.tuple.attrs, { a: '1' })
  assert.deepEqual(v.tuple.attrsMv, { list: ['x', 'y'], empty: [] })
  assert.deepEqual(v.tuple.deviceAttrs, { 'os.family': 'Linux' })
  const six = validateLoginTuple(body({ remote: '2001:DB8:0:0::1' }), NOW).tuple
  assert.equal(six?.remoteText, '2001:db8::1')
  assert.equal(six?.remote.family, 6)
})

test('splitAttrs names the field it was given, for reuse by custom endpoints', () => {
  assert.deepEqual(splitAttrs(undefined, 'attrs'), { attrs: {}, attrsMv: {} })
  assert.equal(splitAttrs(null, 'args.attrs'), "Field 'args.attrs' must be an object, got null")
  assert.equal(splitAttrs({ k: [1] }, 'args.attrs'), "Field 'args.attrs.k[0]' must be a string, got number")
})
