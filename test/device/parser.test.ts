import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  DeviceParser, MAX_CLIENT_ID_LENGTH, MAX_USER_AGENT_LENGTH, deviceProtocolKind
} from '../../src/device/index.ts'

// One parser for the whole file: compiling uap-core's ~1,200 regexes is the slow part.
const shared = new DeviceParser({ cacheSize: 0 })

test('http: the attributes wforce itself sends for curl', () => {
  assert.deepEqual({ ...shared.parse('http', 'curl/8.0') }, {
    'browser.family': 'curl',
    'browser.major': '8',
    'browser.minor': '0',
    'device.brand': '',
    'device.family': 'Other',
    'device.model': '',
    'os.family': 'Other',
    'os.major': '',
    'os.minor': ''
  })
  // same key order as upstream's std::map, so JSON output lines up
  assert.deepEqual(Object.keys(shared.parse('https', 'x')), [
    'browser.family', 'browser.major', 'browser.minor', 'device.brand', 'device.family', 'device.model',
    'os.family', 'os.major', 'os.minor'
  ])
})

test('http: a phone browser', () => {
  const ua = 'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36'
  assert.deepEqual({ ...shared.parse('HTTPS', ua) }, {
    'browser.family': 'Chrome Mobile',
    'browser.major': '119',
    'browser.minor': '0',
    'device.brand': 'Samsung',
    'device.family': 'Samsung SM-S911B',
    'device.model': 'SM-S911B',
    'os.family': 'Android',
    'os.major': '13',
    'os.minor': ''
  })
})

test('imap with an empty device_id: all six keys, empty', () => {
  assert.deepEqual({ ...shared.parse('imap', '') }, {
    'imapc.family': '', 'imapc.major': '', 'imapc.minor': '', 'os.family': '', 'os.major': '', 'os.minor': ''
  })
  assert.equal(shared.parse('imaps', '"name" "Thunderbird"')['imapc.family'], 'Thunderbird')
  assert.equal(shared.parse('mobileapi', 'OX.iOS.Mail/1.2 (OS: 17.0; device: iPhone)')['app.name'], 'Mail')
})

test('protocols without a parser give a frozen empty object', () => {
  for (const protocol of ['pop3', 'smtp', '', 'imap4', 'http2', 'web']) {
    const attrs = shared.parse(protocol, 'curl/8.0')
    assert.deepEqual({ ...attrs }, {}, protocol)
    assert.ok(Object.isFrozen(attrs))
  }
  assert.equal(deviceProtocolKind('Imaps'), 'imap')
  assert.equal(deviceProtocolKind('MobileAPI'), 'mobileapi')
  assert.equal(deviceProtocolKind('ftp'), undefined)
})

test('results are frozen and shared between callers on a cache hit', () => {
  const parser = new DeviceParser({ cacheSize: 10 })
  const first = parser.parse('http', 'curl/8.0')
  assert.ok(Object.isFrozen(first))
  assert.throws(() => { (first as Record<string, string>)['browser.family'] = 'x' }, TypeError)
  assert.equal(parser.parse('http', 'curl/8.0'), first)
  assert.equal(parser.parse('https', 'curl/8.0'), first, 'http and https share one entry')
  assert.notEqual(parser.parse('imap', 'curl/8.0'), first, 'the protocol is part of the key')
})

test('cache: hit and miss counters, size bound, LRU eviction, observer', () => {
  const seen: boolean[] = []
  const parser = new DeviceParser({ cacheSize: 2, onCacheLookup: (hit) => seen.push(hit) })
  parser.parse('http', 'a/1.0')
  parser.parse('http', 'b/1.0')
  parser.parse('http', 'a/1.0') // hit; b is now least recently used
  parser.parse('http', 'c/1.0') // evicts b
  parser.parse('http', 'a/1.0') // hit
  parser.parse('http', 'b/1.0') // miss again
  parser.parse('pop3', 'a/1.0') // not a cached protocol: no lookup at all
  assert.deepEqual(seen, [false, false, true, false, true, false])
  assert.deepEqual(parser.cacheStats(), { hits: 2, misses: 4, size: 2, capacity: 2 })

  parser.setCacheSize(1)
  assert.equal(parser.cacheStats().size, 1)
  parser.parse('http', 'b/1.0') // the most recent entry survived the shrink
  assert.equal(parser.cacheStats().hits, 3)
  parser.clearCache()
  assert.equal(parser.cacheStats().size, 0)

  parser.setCacheObserver(() => { throw new Error('metrics broke') })
  assert.equal(parser.parse('http', 'Go-http-client/1.1')['browser.family'], 'Go-http-client',
    'a throwing observer does not break parsing')
  parser.setCacheObserver(undefined)
  assert.throws(() => parser.setCacheSize(-1), RangeError)
})

test('cache size 0: every lookup misses, nothing is stored', () => {
  const parser = new DeviceParser({ cacheSize: 0 })
  parser.parse('http', 'curl/8.0')
  parser.parse('http', 'curl/8.0')
  assert.deepEqual(parser.cacheStats(), { hits: 0, misses: 2, size: 0, capacity: 0 })
  assert.deepEqual(parser.parseUncached('http', 'curl/8.0'), parser.parse('http', 'curl/8.0'))
  assert.equal(parser.cacheStats().misses, 3, 'parseUncached does not count')
})

test('user agents are cut at MAX_USER_AGENT_LENGTH before matching', () => {
  const parser = new DeviceParser({ cacheSize: 10 })
  const filler = 'x'.repeat(MAX_USER_AGENT_LENGTH)
  // the only recognisable token lies beyond the cut, so it is not seen
  assert.equal(parser.parse('http', filler + ' Firefox/99.0')['browser.family'], 'Other')
  // ids that differ only beyond the cut share a cache entry
  parser.parse('http', filler + ' Chrome/1.0')
  assert.equal(parser.cacheStats().hits, 1)
  // IMAP IDs get the longer client-id bound
  const padded = '"name" "Big" ' + '"x-pad" "' + 'p'.repeat(MAX_USER_AGENT_LENGTH) + '" "version" "9.1"'
  assert.ok(padded.length < MAX_CLIENT_ID_LENGTH)
  assert.equal(parser.parse('imap', padded)['imapc.major'], '9')
})

test('ReDoS: worst-case inputs return (the length bound guarantees it)', () => {
  const hostile = [
    'Mozilla/5.0 (' + 'a;'.repeat(5000),
    'Mozilla/5.0 (Linux; Android 4.4; ' + ' '.repeat(20000) + 'Build/',
    'a'.repeat(100_000),
    '; '.repeat(50_000),
    'Android ' + '1.'.repeat(20_000),
    ('Opera Mini/' + '1.'.repeat(100)).repeat(200),
    'Mozilla/5.0 (' + 'x'.repeat(300) + ' Build'.repeat(5000),
    'iPhone ' + 'CPU OS '.repeat(5000) + 'like Mac OS X',
    '/' + 'Bot-'.repeat(20_000),
    'SAMSUNG-'.repeat(10_000)
  ]
  for (const ua of hostile) {
    const attrs = shared.parse('http', ua)
    assert.equal(typeof attrs['browser.family'], 'string')
    assert.equal(typeof shared.parse('imap', ua)['imapc.family'], 'string')
    assert.equal(typeof shared.parse('mobileapi', ua)['app.name'], 'string')
  }
})
