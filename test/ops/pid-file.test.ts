import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isTrackalertError } from '../../src/errors.ts'
import { acquirePidFile, readPidFile, isProcessAlive } from '../../src/ops/index.ts'

async function tempDir (t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ta-ops-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

test('writes "<pid>\\n" without leaving a temp file, and release() removes it once', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'ta.pid')
  const handle = acquirePidFile(path, 4321)
  assert.equal(readFileSync(path, 'utf8'), '4321\n')
  assert.deepEqual(readdirSync(dir), ['ta.pid'])
  handle.release()
  assert.equal(existsSync(path), false)
  handle.release()
})

test('release() leaves a pid file that another process has since taken over', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'ta.pid')
  const handle = acquirePidFile(path, 4321)
  writeFileSync(path, '5555\n')
  handle.release()
  assert.equal(readPidFile(path), 5555)
})

test('refuses a pid file naming a live process; replaces stale or garbage ones', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'ta.pid')
  writeFileSync(path, `${process.pid}\n`)
  assert.throws(() => acquirePidFile(path, 4321), (err: unknown) => {
    assert.ok(isTrackalertError(err, 'TA_ERR_LISTEN'))
    assert.match((err as Error).message, new RegExp(`running process ${process.pid}`))
    return true
  })
  // Our own pid in the file (e.g. written before a re-exec) is not a conflict.
  acquirePidFile(path).release()

  for (const stale of ['99999999\n', 'not a pid\n', '', '-5']) {
    writeFileSync(path, stale)
    const handle = acquirePidFile(path, 4321)
    assert.equal(readPidFile(path), 4321, JSON.stringify(stale))
    handle.release()
  }
})

test('an unwritable location is a TA_ERR_CONFIG_INVALID naming the path', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'missing-dir', 'ta.pid')
  assert.throws(() => acquirePidFile(path), (err: unknown) => {
    assert.ok(isTrackalertError(err, 'TA_ERR_CONFIG_INVALID'))
    assert.match((err as Error).message, /missing-dir/)
    return true
  })
})

test('isProcessAlive', () => {
  assert.equal(isProcessAlive(process.pid), true)
  assert.equal(isProcessAlive(99999999), false)
})
