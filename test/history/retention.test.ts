import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { parseHistoryOptions } from '../../src/history/options.ts'
import { HistoryService } from '../../src/history/service.ts'
import { parseIP } from '../../src/net/index.ts'

const DAY = 86_400

async function openService (clock: () => number, extra: Record<string, unknown> = {}): Promise<HistoryService> {
  const dir = await mkdtemp(join(tmpdir(), 'ta-history-retention-'))
  const options = parseHistoryOptions({ backend: 'sqlite', path: 'history.db', retention_days: 30, geoip: false, ...extra })
  const service = await HistoryService.open(options, { configFile: join(dir, 'trackalert.conf'), registry: new Registry(), clock, prunes: false })
  service.configure(options, () => undefined)
  return service
}

function record (service: HistoryService, login: string, t: number, remote = '192.0.2.7'): void {
  const ip = parseIP(remote)
  if (ip === null) throw new Error(remote)
  service.record({ t, login, success: true, failType: '', protocol: 'http', remote: ip, remoteText: remote, deviceAttrs: { 'browser.family': 'Firefox', 'os.family': 'Linux' } })
}

test('retention removes reports and idle profiles older than retention_days before the newest event time', async (t) => {
  const now = 1_800_000_000
  const service = await openService(() => now)
  t.after(() => service.close())
  record(service, 'old', now - 40 * DAY)
  record(service, 'both', now - 35 * DAY)
  record(service, 'both', now - 29 * DAY)
  record(service, 'new', now - 1 * DAY)
  assert.equal(await service.pruneNow() > 0, true)
  const reader = service.reader
  assert.equal(reader.totals('old'), null, 'a profile idle for longer than the retention is forgotten')
  assert.deepEqual((reader.recentReports('both', 10) as Array<{ t: number }>).map((r) => r.t), [now - 29 * DAY])
  // The profile keeps its counts since first seen while the login stays active.
  assert.equal((reader.totals('both') as { successes: number }).successes, 2)
  assert.equal((reader.recentReports('new', 10) as unknown[]).length, 1)
  assert.deepEqual(reader.globalTotals(), { logins: 2, successes: 3, failures: 0 })
  assert.equal(await service.pruneNow(), 0, 'nothing left to prune')
})

test('retention counts back from the newest event time, never from a time later than the clock', async (t) => {
  const wall = 1_800_000_000
  // A replay of last year's reports: the wall clock is far ahead, yet nothing recent to the replay is pruned.
  const replay = await openService(() => wall)
  t.after(() => replay.close())
  const yearAgo = wall - 365 * DAY
  record(replay, 'replayed', yearAgo - 10 * DAY)
  record(replay, 'replayed', yearAgo)
  await replay.pruneNow()
  assert.equal((replay.reader.recentReports('replayed', 10) as unknown[]).length, 2)

  // A client sends one report with a bogus far-future t: the clock caps the reference.
  const bogus = await openService(() => wall)
  t.after(() => bogus.close())
  record(bogus, 'recent', wall - 5 * DAY)
  record(bogus, 'future', wall + 1000 * DAY)
  await bogus.pruneNow()
  assert.equal((bogus.reader.recentReports('recent', 10) as unknown[]).length, 1)
})

test('a full queue drops reports and counts them; reads of their login see queued reports without a commit', async (t) => {
  const service = await openService(() => 0, { queue_limit: 3, commit_interval_ms: 10_000 })
  t.after(() => service.close())
  for (let i = 0; i < 5; i++) record(service, 'q', 1000 + i)
  assert.equal(service.writer.depth, 3)
  assert.equal((service.reader.recentReports('q', 10) as unknown[]).length, 3)
  assert.equal(service.writer.depth, 3, 'the read merged the queue in; nothing was committed')
  await service.writer.commitNow()
  assert.equal(service.writer.depth, 0)
  assert.equal((service.reader.recentReports('q', 10) as unknown[]).length, 3, 'the same three once committed')
})
