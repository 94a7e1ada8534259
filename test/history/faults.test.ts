import assert from 'node:assert/strict'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { request, startDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { scrape, sample } from '../integration/helpers.ts'
import { countRows, historyConfig, login, sendReport } from './helpers.ts'

/** Starts a daemon that must refuse to start; resolves with its exit code and output. */
async function failing (config: string, dir?: string): Promise<{ code: number | null, out: string }> {
  const d = await startDaemon({ config, waitFor: null, dir })
  return { code: await d.exited, out: d.output() }
}

test('bad setHistory options stop the daemon at start with file:line and the reason', async () => {
  const cases: Array<[string, RegExp]> = [
    ['setHistory{ backend = "mysql", path = "h.db" }', /backend must be "sqlite" or "postgres", got "mysql"/],
    ['setHistory{ backend = "sqlite" }', /backend "sqlite" needs path = "file.db"/],
    ['setHistory{ backend = "sqlite", path = "h.db", retention_days = -3 }', /retention_days must be a number above 0/],
    ['setHistory{ backend = "sqlite", path = "h.db", retension_days = 3 }', /unknown option 'retension_days'/],
    ['setHistory{ backend = "sqlite", path = "h.db", geoip = "City" }', /no GeoIP2 database named 'City' \(open it with newGeoIP2DB before setHistory\)/],
    ['setHistory("history.db")', /expected a table of options/]
  ]
  const results = await Promise.all(cases.map(([line]) => failing(`setNumWorkerThreads(1)\n${line}\n`)))
  results.forEach(({ code, out }, i) => {
    assert.notEqual(code, 0, cases[i]?.[0])
    // The helper writes two lines before the config: setHistory is on line 4.
    assert.match(out, /trackalert\.conf:4: setHistory/, out)
    assert.match(out, cases[i]?.[1] as RegExp, out)
  })
})

test('a corrupt or unopenable history file stops the daemon at start, naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ta-history-corrupt-'))
  await writeFile(join(dir, 'history.db'), 'this is not an SQLite database, just some text that is long enough to have a header'.repeat(100))
  const corrupt = await failing(historyConfig(), dir)
  assert.notEqual(corrupt.code, 0)
  assert.match(corrupt.out, new RegExp(`history database ${join(dir, 'history.db')}: file is not a database`), corrupt.out)

  const dir2 = await mkdtemp(join(tmpdir(), 'ta-history-unopenable-'))
  // A regular file where the database's folder should be: no user, root included, can create it.
  await writeFile(join(dir2, 'blocked'), '')
  const unopenable = await failing('setNumWorkerThreads(1)\nsetHistory{ backend = "sqlite", path = "blocked/history.db" }\n', dir2)
  assert.notEqual(unopenable.code, 0)
  assert.match(unopenable.out, new RegExp(`history database ${join(dir2, 'blocked', 'history.db')}: .*(open|directory)`, 'i'), unopenable.out)
})

for (const [how, extra] of [['', ''], [' (write_thread)', ', write_thread = true']]) {
test(`a full database drops history writes (counted, logged once per outage) while reports are still answered 200${how}`, async (t) => {
  // max_size_mb caps the file with PRAGMA max_page_count: SQLite then fails writes with SQLITE_FULL, as on a full disk.
  const d = await startDaemon({ config: historyConfig(`max_size_mb = 0.25, commit_interval_ms = 1${extra}`) })
  t.after(() => d.stop())
  const pad = 'x'.repeat(200)
  for (let i = 0; i < 600; i++) await sendReport(d, login({ login: `user-${i}-${pad}`, t: 5000 + i }))
  // Writes happen in a thread of each worker process: wait until every report was written or dropped.
  let metrics = await scrape(d)
  await eventually(async () => { metrics = await scrape(d); return sample(metrics, 'trackalert_history_queue_depth') === 0 }, 'the queues to drain')
  const dropped = sample(metrics, 'trackalert_history_dropped_total', { reason: 'write_failed' }) ?? 0
  const written = sample(metrics, 'trackalert_history_reports_written_total') ?? 0
  assert.ok(dropped > 0, 'some writes were refused')
  assert.ok(written > 0, 'writes before the cap were kept')
  // One scrape reads all three in the same event-loop turn: the last reports may still be queued.
  const queued = sample(metrics, 'trackalert_history_queue_depth') ?? 0
  assert.equal(dropped + written + queued, 600)
  const failingLines = d.output().split('\n').filter((l) => l.includes('history writes failing'))
  assert.equal(failingLines.length, 1, d.output())
  assert.match(failingLines[0] ?? '', /the database or its disk is full/)
  // Reads still work on what was kept.
  const res = await request(`${d.url}/command/history`, { body: { login: `user-0-${pad}` } })
  assert.equal(res.status, 200)
  assert.equal(res.body.reports.length, 1)
  await d.stop()
  const committedLater = queued > 0 ? countRows(d.dir) - written : 0
  assert.ok(committedLater >= 0 && committedLater <= queued)
  assert.ok(countRows(d.dir) >= written)
})
}
