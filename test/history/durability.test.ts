import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { countRows, history, historyConfig, login, sendReport } from './helpers.ts'

/** Sends `n` reports, `parallel` at a time, with logins `${prefix}-${i}`. */
async function flood (d: RunningDaemon, prefix: string, n: number, parallel: number, onBatch?: (i: number) => void): Promise<void> {
  for (let i = 0; i < n; i += parallel) {
    onBatch?.(i)
    await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, (_, j) => sendReport(d, login({ login: `${prefix}-${i + j}`, t: 10_000 + i + j }))))
  }
}

test('SIGKILL loses at most the reports of the last commit interval', async () => {
  const d = await startDaemon({ config: historyConfig('commit_interval_ms = 5') })
  for (let i = 0; i < 100; i++) await sendReport(d, login({ t: 20_000 + i }))
  // Every report acknowledged so far reaches the disk by the next commit (read alongside: WAL).
  await eventually(() => countRows(d.dir) === 100, 'the first 100 reports committed')
  // These are acknowledged and then the process dies at once: they may or may not have committed.
  await Promise.all(Array.from({ length: 10 }, (_, i) => sendReport(d, login({ t: 30_000 + i }))))
  d.child.kill('SIGKILL')
  await d.exited
  const stored = countRows(d.dir)
  assert.ok(stored >= 100 && stored <= 110, `stored ${stored}`)
  assert.equal(countRows(d.dir, 'SELECT count(*) FROM reports WHERE t < 30000000'), 100)
})

test('reloads while reports stream in lose no queued report', async (t) => {
  const d = await startDaemon({ config: historyConfig('commit_interval_ms = 50') })
  t.after(() => d.stop())
  let reloads = 0
  await flood(d, 'reload', 400, 20, (i) => {
    if (i % 80 === 0) { d.child.kill('SIGHUP'); reloads++ }
  })
  await d.waitForOutput(/configuration reloaded/)
  assert.ok(reloads >= 4)
  assert.equal(await d.stop(), 0)
  assert.equal(countRows(d.dir), 400)
  assert.equal(countRows(d.dir, 'SELECT count(*) FROM logins'), 400)
})

test('two worker processes write one SQLite file: every report is recorded once', async (t) => {
  const d = await startDaemon({ config: historyConfig('', 'setNumWorkerThreads(2)\n').replace('setNumWorkerThreads(1)\n', '') })
  t.after(() => d.stop())
  await flood(d, 'worker', 600, 30)
  // Another worker's queued reports show up once it commits: within a few commit intervals.
  const res = await history(d, { login: 'worker-599' })
  assert.equal(res.status, 200)
  assert.equal(await d.stop(), 0)
  assert.equal(countRows(d.dir), 600)
  assert.equal(countRows(d.dir, 'SELECT count(DISTINCT login) FROM reports'), 600)
  assert.equal(countRows(d.dir, "SELECT logins FROM global_features WHERE kind = 0 AND value = ''"), 600)
  assert.doesNotMatch(d.output(), /history writes failing/)
})
