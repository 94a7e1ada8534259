import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startFixture, type FixtureProcess } from './helpers.ts'

function start (t: { after: (fn: () => void) => void }, mode: string): FixtureProcess {
  const proc = startFixture('signals', [mode])
  t.after(() => { if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL') })
  return proc
}

function lines (stdout: string, prefix: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith(prefix))
}

test('SIGHUP runs reload; SIGTERM runs shutdown, which exits 0', async (t) => {
  const p = start(t, 'normal')
  await p.waitForLine(/^ready$/)
  p.child.kill('SIGHUP')
  await p.waitForLine(/^reload-done 1$/)
  p.child.kill('SIGTERM')
  const { code, signal, stdout } = await p.exited
  assert.equal(signal, null)
  assert.equal(code, 0)
  assert.deepEqual(lines(stdout, 'shutdown'), ['shutdown SIGTERM'])
  assert.match(stdout, /drained/)
})

test('a second SIGINT during a slow shutdown forces exit 130', async (t) => {
  const p = start(t, 'slow-shutdown')
  await p.waitForLine(/^ready$/)
  p.child.kill('SIGINT')
  await p.waitForLine(/^shutdown SIGINT$/)
  p.child.kill('SIGINT')
  const { code, stdout } = await p.exited
  assert.equal(code, 130)
  assert.doesNotMatch(stdout, /drained/)
  assert.deepEqual(lines(stdout, 'shutdown'), ['shutdown SIGINT'], 'shutdown callback runs once')
})

test('a second SIGTERM forces exit 143', async (t) => {
  const p = start(t, 'slow-shutdown')
  await p.waitForLine(/^ready$/)
  p.child.kill('SIGTERM')
  await p.waitForLine(/^shutdown SIGTERM$/)
  p.child.kill('SIGTERM')
  assert.equal((await p.exited).code, 143)
})

test('a failing shutdown exits 1', async (t) => {
  const p = start(t, 'failing-shutdown')
  await p.waitForLine(/^ready$/)
  p.child.kill('SIGTERM')
  const { code, stdout } = await p.exited
  assert.equal(code, 1)
  assert.match(stdout, /shutdown failed error="drain failed"/)
})

test('SIGHUPs during a running reload coalesce into one follow-up reload', async (t) => {
  const p = start(t, 'slow-reload')
  await p.waitForLine(/^ready$/)
  p.child.kill('SIGHUP')
  await p.waitForLine(/^reload-start 1$/)
  // Each further SIGHUP is sent after the previous one was delivered, so both land inside reload 1.
  p.child.kill('SIGHUP')
  await p.waitForLines(/^hup$/, 2)
  p.child.kill('SIGHUP')
  await p.waitForLines(/^hup$/, 3)
  p.child.stdin?.write('go\n')
  await p.waitForLine(/^reload-start 2$/)
  p.child.stdin?.write('go\n')
  await p.waitForLine(/^reload-done 2$/)
  p.child.kill('SIGTERM')
  const { code, stdout } = await p.exited
  assert.equal(code, 0)
  assert.deepEqual(lines(stdout, 'reload-start'), ['reload-start 1', 'reload-start 2'])
})

test('a failed reload is logged and the process keeps serving', async (t) => {
  const p = start(t, 'failing-reload')
  await p.waitForLine(/^ready$/)
  p.child.kill('SIGHUP')
  await p.waitForLine(/reload failed error="bad config"/)
  p.child.kill('SIGHUP')
  await p.waitForLine(/^reload-done 2$/)
  p.child.kill('SIGTERM')
  assert.equal((await p.exited).code, 0)
})

test('without a reload callback SIGHUP is ignored instead of killing the process', async (t) => {
  const p = start(t, 'no-reload')
  await p.waitForLine(/^ready$/)
  p.child.kill('SIGHUP')
  await p.waitForLine(/SIGHUP ignored/)
  p.child.kill('SIGTERM')
  assert.equal((await p.exited).code, 0)
})

test('the returned function uninstalls the handlers: SIGTERM is fatal again', async (t) => {
  const p = start(t, 'uninstall')
  await p.waitForLine(/^ready$/)
  p.child.kill('SIGTERM')
  const { code, signal, stdout } = await p.exited
  assert.equal(code, null)
  assert.equal(signal, 'SIGTERM')
  assert.doesNotMatch(stdout, /shutdown/)
})
