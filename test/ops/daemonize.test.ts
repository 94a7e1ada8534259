import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isProcessAlive, stripDaemonFlag, readPidFile } from '../../src/ops/index.ts'
import { eventually } from '../helpers/poll.ts'
import { startFixture } from './helpers.ts'

interface DaemonState {
  port: number
  pid: number
  args: string[]
  childMarkerAtStart: string | undefined
  markerAfterReady: string | null
  signalled: boolean
}

/** A daemon started by a test must not outlive it, whatever the assertions did. */
function killLater (t: { after: (fn: () => void) => void }): { pid?: number } {
  const daemon: { pid?: number } = {}
  t.after(() => {
    const p = daemon.pid
    if (p !== undefined && isProcessAlive(p)) {
      try { process.kill(p, 'SIGKILL') } catch { /* already gone */ }
    }
  })
  return daemon
}

/** Gone, or a zombie nobody reaps (PID 1 in some containers does not). */
function isGone (pid: number): boolean {
  if (!isProcessAlive(pid)) return true
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}

test('stripDaemonFlag removes -d/--daemon only where getopt sees it as a flag', () => {
  assert.deepEqual(stripDaemonFlag(['-d', '-C', '/etc/t.conf']), ['-C', '/etc/t.conf'])
  assert.deepEqual(stripDaemonFlag(['--daemon', '-f', 'local0', '--pidfile', '/run/t.pid']), ['-f', 'local0', '--pidfile', '/run/t.pid'])
  assert.deepEqual(stripDaemonFlag(['-sd', '-dv']), ['-s', '-v'])
  // Values that merely look like -d are kept: separate, attached, and after grouped flags.
  assert.deepEqual(stripDaemonFlag(['-C', '-d', '--config', '-d', '-Cd', '-vCd']), ['-C', '-d', '--config', '-d', '-Cd', '-vCd'])
  assert.deepEqual(stripDaemonFlag(['-cd', '--config=-d', '--pidfile', '-d']), ['-cd', '--config=-d', '--pidfile', '-d'])
  assert.deepEqual(stripDaemonFlag(['-d', '--', '-d']), ['--', '-d'])
  assert.deepEqual(stripDaemonFlag(['--daemon=yes', '-', 'x']), ['-', 'x'])
})

test('-d: parent exits 0 after READY; the child serves, owns the pid file, and removes it on SIGTERM', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ta-ops-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const pidPath = join(dir, 'trackalert.pid')
  const logPath = join(dir, 'daemon.log')
  const daemon = killLater(t)

  const parent = startFixture('daemon', ['-sd', '--pidfile', pidPath, `--out=${dir}`, `--log=${logPath}`])
  const { code, stderr } = await parent.exited
  assert.equal(code, 0, stderr)
  assert.equal(stderr, '')

  // The parent exits on READY; the child writes state.json just after sending it.
  await eventually(() => existsSync(join(dir, 'state.json')), 'the daemon\'s state file')
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as DaemonState
  daemon.pid = state.pid
  assert.notEqual(state.pid, parent.child.pid)
  assert.deepEqual(state.args, ['-s', '--pidfile', pidPath, `--out=${dir}`, `--log=${logPath}`])
  assert.equal(state.childMarkerAtStart, '1')
  assert.equal(state.markerAfterReady, null, 'marker removed so the daemon\'s own children do not inherit it')
  assert.equal(state.signalled, true)

  assert.equal(readFileSync(pidPath, 'utf8'), `${state.pid}\n`)
  assert.equal(readPidFile(pidPath), state.pid)
  const res = await fetch(`http://127.0.0.1:${state.port}/`)
  assert.equal(await res.text(), String(state.pid))
  assert.match(readFileSync(logPath, 'utf8'), /hello from the daemon/)

  process.kill(state.pid, 'SIGTERM')
  await eventually(() => existsSync(join(dir, 'stopped')) && !existsSync(pidPath) && isGone(state.pid), 'daemon to stop')
})

test('a startup error in the child becomes the parent\'s non-zero exit and message', async () => {
  const parent = startFixture('daemon', ['-d', '--fail=cannot bind 127.0.0.1:8084: address in use'])
  const { code, stderr } = await parent.exited
  assert.equal(code, 1)
  assert.equal(stderr, 'trackalert: daemon failed to start: cannot bind 127.0.0.1:8084: address in use\n')
})

test('a child that dies before signalling readiness fails the parent with its exit status', async () => {
  const parent = startFixture('daemon', ['--daemon', '--crash'])
  const { code, stderr } = await parent.exited
  assert.equal(code, 1)
  assert.match(stderr, /daemon exited with code 3 before it was ready/)
})

test('a child that never reports is stopped after the timeout and the parent fails', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ta-ops-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const parent = startFixture('daemon', ['-d', '--hang', '--timeout=300'])
  const { code, stderr } = await parent.exited
  assert.equal(code, 1)
  assert.match(stderr, /did not report readiness within 300 ms; stopped it/)
})

test('a pid file naming a live process refuses the start; a stale one is replaced', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ta-ops-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const pidPath = join(dir, 'trackalert.pid')
  await writeFile(pidPath, `${process.pid}\n`)
  const refused = await startFixture('daemon', ['-d', '--pidfile', pidPath]).exited
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, new RegExp(`names running process ${process.pid}; is trackalert already running`))
  assert.equal(readPidFile(pidPath), process.pid, 'the other instance\'s pid file is left alone')

  // A pid far above any pid_max is certainly not running: the file is stale.
  await writeFile(pidPath, '99999999\n')
  const daemon = killLater(t)
  const started = await startFixture('daemon', ['-d', '--pidfile', pidPath, `--out=${dir}`]).exited
  assert.equal(started.code, 0, started.stderr)
  await eventually(() => existsSync(join(dir, 'state.json')), 'the daemon\'s state file')
  const daemonPid = (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as DaemonState).pid
  daemon.pid = daemonPid
  assert.equal(readPidFile(pidPath), daemonPid)
  process.kill(daemonPid, 'SIGTERM')
  await eventually(() => !existsSync(pidPath) && isGone(daemonPid), 'daemon to stop')
})

test('without -d the same program runs in the foreground and signalDaemonReady is a no-op', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ta-ops-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const fg = startFixture('daemon', ['-s', `--out=${dir}`])
  t.after(() => { fg.child.kill('SIGKILL') })
  await eventually(() => existsSync(join(dir, 'state.json')), 'foreground start')
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as DaemonState
  assert.equal(state.pid, fg.child.pid)
  assert.equal(state.signalled, false)
  assert.equal(state.childMarkerAtStart, undefined)
  fg.child.kill('SIGTERM')
  const { code } = await fg.exited
  assert.equal(code, 0)
})
