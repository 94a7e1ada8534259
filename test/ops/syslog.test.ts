import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LogLevel, Logger, type LogLevelValue } from '../../src/log/index.ts'
import { isTrackalertError } from '../../src/errors.ts'
import { SyslogSink, parseFacility, facilityNames, SYSLOG_SOCKET_ENV } from '../../src/ops/index.ts'
import { bindReceiver } from './helpers.ts'

test('parseFacility maps every standard name, case-insensitively', () => {
  const expected: Record<string, number> = {
    kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11
  }
  for (let i = 0; i < 8; i++) expected[`local${i}`] = 16 + i
  assert.deepEqual([...facilityNames].sort(), Object.keys(expected).sort())
  for (const [name, code] of Object.entries(expected)) {
    assert.equal(parseFacility(name), code, name)
    assert.equal(parseFacility(name.toUpperCase()), code, name.toUpperCase())
  }
  assert.equal(parseFacility('Local3'), 19)
})

test('parseFacility rejects unknown names with TA_ERR_CONFIG_INVALID naming the facility', () => {
  for (const bad of ['local8', 'daemons', '', 'security']) {
    assert.throws(() => parseFacility(bad), (err: unknown) => {
      assert.ok(isTrackalertError(err, 'TA_ERR_CONFIG_INVALID'))
      assert.match((err as Error).message, new RegExp(`"${bad}"`))
      return true
    })
  }
  assert.throws(() => new SyslogSink({ facility: 'nope' }), /"nope"/)
  assert.throws(() => new SyslogSink({ facility: 12 }), /facility code 12/)
})

test('delivers <PRI>trackalert[pid]: message key="value" with PRI = facility*8 + severity', async (t) => {
  const receiver = await bindReceiver()
  const sink = new SyslogSink({ socketPath: receiver.path, facility: 'local4' })
  t.after(async () => { sink.close(); await receiver.close() })

  const cases: Array<[number, string]> = [[LogLevel.err, 'boom'], [LogLevel.info, 'hello'], [LogLevel.debug, 'details']]
  for (const [level, message] of cases) {
    sink.write(level as LogLevelValue, message, { ip: '192.0.2.1', user: 'a "quoted" name' }, new Date())
    const got = await receiver.next()
    assert.equal(got, `<${20 * 8 + level}>trackalert[${process.pid}]: ${message} ip="192.0.2.1" user="a \\"quoted\\" name"`)
  }
  assert.equal(sink.dropped, 0)
})

test('works as a Logger sink and honours the logger threshold; default facility is daemon', async (t) => {
  const receiver = await bindReceiver()
  const sink = new SyslogSink({ socketPath: receiver.path, tag: 'ta-test', pid: 4242 })
  t.after(async () => { sink.close(); await receiver.close() })
  const log = new Logger()
  log.setSinks([sink])
  log.setLevel(LogLevel.notice)
  log.info('not sent')
  log.warn('sent', { n: 1 })
  assert.equal(await receiver.next(), `<${3 * 8 + 4}>ta-test[4242]: sent n="1"`)
  await assert.rejects(receiver.next(100), /no datagram/)
})

test('socket path comes from the option, then TRACKALERT_SYSLOG_SOCKET, then /dev/log', async (t) => {
  const receiver = await bindReceiver()
  const sink = new SyslogSink({ env: { [SYSLOG_SOCKET_ENV]: receiver.path } })
  t.after(async () => { sink.close(); await receiver.close() })
  assert.equal(sink.socketPath, receiver.path)
  sink.write(LogLevel.notice, 'via env', undefined, new Date())
  assert.equal(await receiver.next(), `<29>trackalert[${process.pid}]: via env`)
  assert.equal(new SyslogSink({ env: {} }).socketPath, '/dev/log')
  assert.equal(new SyslogSink({ env: { [SYSLOG_SOCKET_ENV]: receiver.path }, socketPath: '/x' }).socketPath, '/x')
})

test('a missing socket drops messages, reports once per outage, and recovers when the socket appears', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ta-ops-'))
  const path = join(dir, 'log')
  const reports: string[] = []
  const sink = new SyslogSink({ socketPath: path, report: (text) => reports.push(text) })
  t.after(async () => { sink.close(); await rm(dir, { recursive: true, force: true }) })
  for (let i = 0; i < 5; i++) sink.write(LogLevel.err, 'lost', undefined, new Date())
  assert.equal(sink.dropped, 5)
  assert.equal(reports.length, 1)
  assert.match(reports[0] as string, /log unavailable \(ENOENT\)/)

  // syslogd comes back: the same sink delivers again without being recreated.
  const receiver = await bindReceiver(path)
  sink.write(LogLevel.err, 'kept', undefined, new Date())
  assert.equal(await receiver.next(), `<27>trackalert[${process.pid}]: kept`)
  await receiver.close()

  // It goes away again (socket file left behind, nobody reading): a new outage is reported once more.
  sink.write(LogLevel.err, 'lost again', undefined, new Date())
  sink.write(LogLevel.err, 'lost again', undefined, new Date())
  assert.equal(sink.dropped, 7)
  assert.equal(reports.length, 2)
  assert.match(reports[1] as string, /ECONNREFUSED/)
})

test('long messages are truncated and writes after close() are dropped without throwing', async (t) => {
  const receiver = await bindReceiver()
  const sink = new SyslogSink({ socketPath: receiver.path, maxMessageBytes: 64 })
  t.after(() => receiver.close())
  sink.write(LogLevel.info, 'x'.repeat(500), undefined, new Date())
  const got = await receiver.next()
  assert.equal(Buffer.byteLength(got), 64)
  assert.ok(got.startsWith('<30>trackalert['))
  sink.close()
  sink.write(LogLevel.info, 'after close', undefined, new Date())
  assert.equal(sink.dropped, 1)
  await assert.rejects(receiver.next(100), /no datagram/)
})
