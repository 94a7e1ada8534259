import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isTrackalertError } from '../../src/errors.ts'
import {
  DEFAULT_CONSOLE_PORT, encodeFrame, encodeReply, FrameDecoder, FrameError, formatReplyForDisplay, makeKey,
  MAX_PLAINTEXT_BYTES, parseControlSocketAddress, parseKey, consoleCommandNames, consoleCommands, consoleCompletions, consoleHelpText, isErrorReply
} from '../../src/console/index.ts'

test('frame decoder reassembles frames from arbitrary chunks', () => {
  const bodies = [Buffer.alloc(16, 1), Buffer.alloc(300, 2), Buffer.alloc(17, 3)]
  const stream = Buffer.concat(bodies.map((body) => encodeFrame(body)))
  for (const size of [1, 2, 3, 7, 100, stream.length]) {
    const decoder = new FrameDecoder()
    const out: Buffer[] = []
    for (let offset = 0; offset < stream.length; offset += size) out.push(...decoder.push(stream.subarray(offset, offset + size)))
    assert.deepEqual(out, bodies, `chunk size ${size}`)
    assert.equal(decoder.pendingBytes, 0)
  }
})

test('frame decoder keeps a partial frame pending and rejects impossible lengths early', () => {
  const decoder = new FrameDecoder(64)
  assert.deepEqual(decoder.push(encodeFrame(Buffer.alloc(40)).subarray(0, 20)), [])
  assert.equal(decoder.pendingBytes, 20)
  assert.throws(() => new FrameDecoder(64).push(Buffer.from([0x03, 0xe8])), FrameError) // 1000 > 64
  assert.throws(() => new FrameDecoder().push(Buffer.from([0x00, 0x05, 1, 2, 3, 4, 5])), /shorter than a 16-byte tag/)
  assert.throws(() => encodeFrame(Buffer.alloc(70000)), FrameError)
  assert.deepEqual(encodeFrame(Buffer.alloc(0x0102)).subarray(0, 2), Buffer.from([0x01, 0x02]))
})

test('replies that do not fit one frame are cut at a character boundary and marked', () => {
  assert.deepEqual(encodeReply('short'), Buffer.from('short'))
  const long = 'é'.repeat(40000) // 80000 bytes
  const encoded = encodeReply(long)
  assert.ok(encoded.length <= MAX_PLAINTEXT_BYTES)
  const text = encoded.toString('utf8')
  assert.ok(!text.includes('\ufffd'))
  assert.match(text, /\[reply truncated: too long for one console message\]\n$/)
})

test('display formatting adds a missing newline and prints nothing for an empty reply', () => {
  assert.equal(formatReplyForDisplay(''), '')
  assert.equal(formatReplyForDisplay('40 reports'), '40 reports\n')
  assert.equal(formatReplyForDisplay('a\nb\n'), 'a\nb\n')
})

test('parseKey accepts exactly 32 bytes of canonical base64', () => {
  const key = Buffer.alloc(32, 0xab)
  assert.deepEqual(parseKey(key.toString('base64')), key)
  assert.deepEqual(parseKey(`  ${key.toString('base64')}\n`), key)
  assert.equal(parseKey(Buffer.alloc(31).toString('base64')), null)
  assert.equal(parseKey(Buffer.alloc(33).toString('base64')), null)
  assert.equal(parseKey('not base64 at all!!'), null)
  assert.equal(parseKey(''), null)
  assert.equal(parseKey(key.toString('base64').slice(0, -1)), null)
})

test('makeKey returns a setKey() line whose key parses', () => {
  const line = makeKey()
  const match = /^setKey\("([A-Za-z0-9+/=]{44})"\)$/.exec(line)
  assert.ok(match, line)
  assert.equal(parseKey(match[1]!)?.length, 32)
  assert.notEqual(makeKey(), line)
})

test('controlSocket addresses: IPv4, [IPv6]:port, bare IPv6, default port 5199', () => {
  assert.equal(DEFAULT_CONSOLE_PORT, 5199)
  assert.deepEqual(parseControlSocketAddress('127.0.0.1:4004'), { host: '127.0.0.1', port: 4004 })
  assert.deepEqual(parseControlSocketAddress('0.0.0.0'), { host: '0.0.0.0', port: 5199 })
  assert.deepEqual(parseControlSocketAddress('[::1]:4005'), { host: '::1', port: 4005 })
  assert.deepEqual(parseControlSocketAddress('[2001:db8::1]'), { host: '2001:db8::1', port: 5199 })
  assert.deepEqual(parseControlSocketAddress('::1'), { host: '::1', port: 5199 })
  assert.deepEqual(parseControlSocketAddress('fe80::1:2'), { host: 'fe80::1:2', port: 5199 })
})

test('controlSocket rejects hostnames and malformed ports with a message naming controlSocket', () => {
  for (const bad of ['localhost', 'localhost:5199', 'example.com', '1.2.3.4:99999', '1.2.3.4:abc', '[::1', '[::1]x', '', '1.2.3:5']) {
    assert.throws(() => parseControlSocketAddress(bad), (err: unknown) => {
      assert.ok(isTrackalertError(err, 'TA_ERR_CONFIG_INVALID'), bad)
      assert.match((err as Error).message, /controlSocket/)
      return true
    })
  }
})

test('console command list for completion', () => {
  for (const name of ['help', 'makeKey', 'stats', 'showACL', 'showCustomWebHooks', 'showPerfStats', 'showCommandStats', 'showCustomStats',
    'showCustomEndpoints', 'reloadGeoIPDBs', 'showVersion', 'testCrypto', 'shutdown', 'showBackgroundFuncs', 'reloadConfig', 'quit']) {
    assert.ok(consoleCommandNames.includes(name), name)
  }
  assert.ok(consoleCompletions.includes('stats()'))
  assert.ok(consoleCompletions.includes('quit'))
})

test('every console command has a one-line description for help()', () => {
  for (const command of consoleCommands) {
    assert.ok(command.description.length > 10 && !command.description.includes('\n'), command.name)
    assert.ok(consoleHelpText().split('\n').some((line) => line.startsWith(command.usage ?? command.call) && line.endsWith(command.description)), command.name)
  }
})

test('a reply with a line starting "Error: " is a failed command', () => {
  assert.equal(isErrorReply('Error: console:1: broken\n'), true)
  assert.equal(isErrorReply('printed first\nError: console:1: broken\n'), true)
  assert.equal(isErrorReply('Error: console:1: a message\nover two lines\n'), true)
  assert.equal(isErrorReply('3\n'), false)
  assert.equal(isErrorReply(''), false)
  assert.equal(isErrorReply('Errors: none\n'), false)
  assert.equal(isErrorReply('reloadConfig() successful\n'), false)
})
