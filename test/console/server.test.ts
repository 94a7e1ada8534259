import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { LogLevel } from '../../src/log/index.ts'
import {
  cipherFor, ConsoleClient, ConsoleClientError, ConsoleServer, encodeFrame, mergeNonce, incrementNonce, randomNonce,
  runConsoleClient, type CipherVariant
} from '../../src/console/index.ts'
import { eventually } from '../helpers/poll.ts'
import { freePort } from '../helpers/ports.ts'
import { captureLogs, RawPeer, TextSink } from './helpers.ts'

const key = Buffer.alloc(32, 0x42)
const capture = captureLogs()
let server: ConsoleServer
let port: number
const executed: string[] = []

before(async () => {
  server = new ConsoleServer({
    key,
    execute: async (line) => {
      executed.push(line)
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (line === 'boom()') throw new Error('lua exploded')
      if (line === 'big()') return 'x'.repeat(70000)
      return `ran: ${line}`
    }
  })
  port = (await server.listen('127.0.0.1', 0)).port
})

after(async () => {
  await server.close()
  await server.close() // idempotent
  capture.restore()
})

function warningsFor (peer: RawPeer): string[] {
  const local = `127.0.0.1:${peer.localPort}`
  return capture.logs.filter((log) => log.level === LogLevel.warning && log.fields?.peer === local).map((log) => log.message)
}

async function oneShot (command: string, variant: CipherVariant = 'libsodium', clientKey = key): Promise<{ code: number, out: string, err: string }> {
  const out = new TextSink()
  const err = new TextSink()
  const code = await runConsoleClient({ host: '127.0.0.1', port, key: clientKey, variant, command, output: out, errorOutput: err })
  return { code, out: out.text, err: err.text }
}

for (const variant of ['libsodium', 'openssl'] as const) {
  test(`client and server over loopback (${variant})`, async () => {
    const client = new ConsoleClient()
    await client.connect('127.0.0.1', port, key, variant)
    try {
      assert.equal(await client.run('showVersion()'), 'ran: showVersion()')
      assert.equal(await client.run('stats()'), 'ran: stats()')
      assert.equal(await client.run(''), '', 'an empty command gets an empty reply')
      assert.equal(await client.run('boom()'), 'Error: lua exploded')
      assert.equal(await client.run('naïve → ünïcödé'), 'ran: naïve → ünïcödé')
      const big = await client.run('big()')
      assert.ok(big.length < 65536 && big.endsWith('[reply truncated: too long for one console message]\n'))
      assert.equal(await client.run('after big'), 'ran: after big', 'the stream stays in sync after a truncated reply')
    } finally {
      client.close()
    }
  })
}

test('runConsoleClient -e prints the reply and exits 0; an empty reply prints nothing', async () => {
  assert.deepEqual(await oneShot('showVersion()'), { code: 0, out: 'ran: showVersion()\n', err: '' })
  assert.deepEqual(await oneShot('   ', 'openssl'), { code: 0, out: '', err: '' })
})

test('20 consoles at once, both variants', async () => {
  const runs = Array.from({ length: 20 }, (_, i) => oneShot(`cmd${i}()`, i % 2 === 0 ? 'libsodium' : 'openssl'))
  const results = await Promise.all(runs)
  results.forEach((result, i) => { assert.deepEqual(result, { code: 0, out: `ran: cmd${i}()\n`, err: '' }) })
  await eventually(() => server.connectionCount === 0, 'all consoles to be closed')
})

test('wrong key: the client exits non-zero with a clear message, the server drops only that connection', async () => {
  const before = executed.length
  const result = await oneShot('shutdown()', 'libsodium', Buffer.alloc(32, 0x24))
  assert.equal(result.code, 1)
  assert.equal(result.out, '')
  assert.match(result.err, /wrong key or protocol variant/)
  assert.equal(executed.length, before, 'nothing was executed')
  assert.ok(capture.logs.some((log) => log.level === LogLevel.warning && /could not decrypt/.test(log.message)))
  assert.equal((await oneShot('still alive?')).out, 'ran: still alive?\n')
})

test('the server cannot be reached: non-zero exit and a message on stderr', async () => {
  const port = await freePort()
  const err = new TextSink()
  const code = await runConsoleClient({ host: '127.0.0.1', port, key, command: 'stats()', output: new TextSink(), errorOutput: err })
  assert.equal(code, 1)
  assert.match(err.text, /cannot reach the trackalert console at 127\.0\.0\.1:\d+: ECONNREFUSED/)
})

test('garbage bytes: the connection is dropped and logged, other consoles keep working', async () => {
  const peer = await RawPeer.open(port)
  peer.write(Buffer.alloc(24, 0x55)) // a plausible nonce...
  await peer.read(24)
  peer.write(Buffer.concat([Buffer.from([0x00, 0x30]), Buffer.alloc(0x30, 0xee)])) // ...then a frame that fails authentication
  await peer.waitClosed()
  await eventually(() => warningsFor(peer).some((m) => /could not decrypt/.test(m)), 'a warning naming the peer')

  const http = await RawPeer.open(port)
  http.write(Buffer.from('GET / HTTP/1.1\r\nHost: console\r\n\r\n'))
  http.socket.end()
  await http.waitClosed()
  assert.equal((await oneShot('after garbage')).out, 'ran: after garbage\n')
})

test('a truncated frame closes that connection with a warning; others are unaffected', async () => {
  const busy = new ConsoleClient()
  await busy.connect('127.0.0.1', port, key, 'openssl')
  const peer = await RawPeer.open(port)
  const ours = randomNonce(24)
  peer.write(ours)
  const theirs = await peer.read(24)
  const writing = mergeNonce(theirs, ours)
  const frame = encodeFrame(cipherFor('libsodium').seal(Buffer.from('stats()'), writing, key))
  peer.write(frame.subarray(0, 10))
  peer.socket.end()
  await peer.waitClosed()
  await eventually(() => warningsFor(peer).some((m) => /truncated frame/.test(m)), 'a truncated-frame warning')
  assert.equal(await busy.run('still here'), 'ran: still here')
  busy.close()
})

test('frames larger than the configured limit are refused as soon as the length arrives', async () => {
  const small = new ConsoleServer({ key, execute: async (line) => line, maxFrameBytes: 64 })
  const { port: smallPort } = await small.listen('127.0.0.1', 0)
  try {
    const peer = await RawPeer.open(smallPort)
    peer.write(randomNonce(24))
    await peer.read(24)
    peer.write(Buffer.from([0x03, 0xe8])) // announces 1000 bytes
    await peer.waitClosed()
    await eventually(() => warningsFor(peer).some((m) => /exceeds the 64-byte limit/.test(m)), 'an oversize warning')
  } finally {
    await small.close()
  }
})

test('wire format by hand, upstream style: byte-at-a-time nonce, pipelined frames, counters advancing', async () => {
  for (const variant of ['libsodium', 'openssl'] as const) {
    const cipher = cipherFor(variant)
    const peer = await RawPeer.open(port)
    const ours = randomNonce(cipher.nonceBytes)
    for (const byte of ours) peer.write(Buffer.from([byte]))
    const theirs = await peer.read(cipher.nonceBytes)
    const writing = mergeNonce(theirs, ours) // client side: writingNonce.merge(theirs, ours)
    const reading = mergeNonce(ours, theirs)
    const frames: Buffer[] = []
    for (const command of ['first()', 'second()', '']) {
      frames.push(encodeFrame(cipher.seal(Buffer.from(command), writing, key)))
      incrementNonce(writing)
    }
    peer.write(Buffer.concat(frames))
    for (const expected of ['ran: first()', 'ran: second()', '']) {
      const box = await peer.readFrame()
      assert.equal(cipher.open(box, reading, key)?.toString(), expected, `${variant}: ${expected}`)
      incrementNonce(reading)
    }
    peer.destroy()
  }
})

test('our client against an upstream-style server written by hand (openssl build)', async () => {
  const cipher = cipherFor('openssl')
  const fake = createServer((socket) => {
    const peer = RawPeer.wrap(socket)
    void (async () => {
      const theirs = await peer.read(12)
      const ours = randomNonce(12)
      peer.write(ours)
      const reading = mergeNonce(ours, theirs) // server side: readingNonce.merge(ours, theirs)
      const writing = mergeNonce(theirs, ours)
      for (;;) {
        const command = cipher.open(await peer.readFrame(), reading, key)
        incrementNonce(reading)
        const reply = `upstream says ${command?.toString()}`
        peer.write(encodeFrame(cipher.seal(Buffer.from(reply), writing, key)))
        incrementNonce(writing)
      }
    })().catch(() => { socket.destroy() })
  })
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve))
  const fakePort = (fake.address() as { port: number }).port
  try {
    const client = new ConsoleClient()
    await client.connect('127.0.0.1', fakePort, key, 'openssl')
    assert.equal(await client.run('a'), 'upstream says a')
    assert.equal(await client.run('b'), 'upstream says b')
    client.close()
  } finally {
    await new Promise<void>((resolve) => fake.close(() => resolve()))
  }
})

test('mismatched variants fail with a clear message instead of hanging', async () => {
  const sodiumOnly = new ConsoleServer({ key, execute: async (line) => line, variants: ['libsodium'] })
  const opensslOnly = new ConsoleServer({ key, execute: async (line) => line, variants: ['openssl'] })
  const a = await sodiumOnly.listen('127.0.0.1', 0)
  const b = await opensslOnly.listen('127.0.0.1', 0)
  try {
    const cases: Array<[number, CipherVariant]> = [[a.port, 'openssl'], [b.port, 'libsodium']]
    for (const [targetPort, variant] of cases) {
      const client = new ConsoleClient()
      await assert.rejects(client.connect('127.0.0.1', targetPort, key, variant, { handshakeTimeoutMs: 400 }), (err: unknown) => {
        assert.ok(err instanceof ConsoleClientError)
        assert.equal(err.kind, 'rejected')
        assert.match(err.message, /wrong key or protocol variant/)
        return true
      })
      client.close()
    }
  } finally {
    await sodiumOnly.close()
    await opensslOnly.close()
  }
})

test('close() drops open consoles and stops listening', async () => {
  const temp = new ConsoleServer({ key, execute: async (line) => line })
  const { port: tempPort } = await temp.listen('127.0.0.1', 0)
  const client = new ConsoleClient()
  await client.connect('127.0.0.1', tempPort, key)
  assert.equal(await client.run('x'), 'x')
  await temp.close()
  await eventually(() => !client.connected, 'the client to notice the close')
  await assert.rejects(client.run('y'), ConsoleClientError)
  client.close()
  const err = new TextSink()
  assert.equal(await runConsoleClient({ host: '127.0.0.1', port: tempPort, key, command: 'x', output: new TextSink(), errorOutput: err }), 1)
})
