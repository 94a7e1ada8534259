import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AlertCollector } from '../../eval/replay/alerts.ts'
import { evalConfig, refusedFunction } from '../../eval/replay/daemon.ts'
import { runEval } from '../../eval/run.ts'
import { readSettings } from '../../eval/settings.ts'
import { fixtureMmdb } from './geo-fixture.ts'

test('npm run eval, tiny preset: the stream goes through the real daemon and results are written', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'trackalert-eval-test-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const geoDb = join(dir, 'cities.mmdb')
  await writeFile(geoDb, fixtureMmdb())
  const out = join(dir, 'results')
  const lines: string[] = []
  const settings = readSettings(['--preset', 'tiny', '--seed', '3', '--geo-db', geoDb, '--out', out, '--geo-samples', '500'], {})
  const files = await runEval(settings, (l) => lines.push(l))
  assert.deepEqual((await readdir(out)).sort(), [files.json, files.md].map((f) => f.slice(out.length + 1)).sort())
  assert.match(files.json, /-seed3\.json$/)
  const json = JSON.parse(await readFile(files.json, 'utf8'))
  assert.equal(json.generator.users, 40)
  assert.ok(json.replay.sent > 100, `sent ${json.replay.sent}`)
  assert.equal(json.replay.refused, 0, JSON.stringify(json.replay.refusals))
  assert.equal(json.replay.daemonExitCode, 0)
  assert.equal(json.score.policies.length, 9)
  assert.ok(json.labels.length >= 9)
  // Whatever the daemon supports, the results say it: a missing feature or route is a note, not silence.
  if (!json.replay.features.policies) assert.ok(json.replay.notes.some((n: string) => /enablePolicies/.test(n)))
  if (json.alerts.length === 0) assert.ok(json.replay.notes.some((n: string) => /alerts/.test(n)) || json.replay.features.policies)
  const md = await readFile(files.md, 'utf8')
  assert.match(md, /\| policy \| alerts \| false \| precision \|/)
  assert.match(md, /40 users × 2 days \(tiny preset\)/)
  assert.ok(lines.some((l) => /^replayed \d+ reports/.test(l)))
})

test('the alert collector pages with since=<last id> and reads each alert once', async () => {
  // A stand-in for the issue-17 route that today's daemon does not have: pages of two, oldest first.
  const all = Array.from({ length: 5 }, (_, i) => ({ id: i + 1, type: 'new_device', login: `u${i}`, remote: '192.0.2.1', t: 100 + i }))
  const asked: string[] = []
  const server = createServer((req, res) => {
    asked.push(req.url ?? '')
    const since = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('since'))
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ alerts: all.filter((a) => a.id > since).slice(0, 2) }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const c = new AlertCollector(`http://127.0.0.1:${(server.address() as { port: number }).port}`, 'pw')
    await c.poll()
    all.push({ id: 6, type: 'new_country', login: 'u6', remote: '192.0.2.9', t: 200 })
    await c.poll()
    await c.close()
    assert.deepEqual(c.alerts.map((a) => a.id), [1, 2, 3, 4, 5, 6])
    assert.equal(c.unavailable, null)
    assert.deepEqual(asked, ['/command/alerts?since=0', '/command/alerts?since=2', '/command/alerts?since=4', '/command/alerts?since=5', '/command/alerts?since=5', '/command/alerts?since=6'])
  } finally {
    server.close()
  }
})

test('bad settings are refused with the usage', () => {
  assert.throws(() => readSettings(['--preset', 'huge'], {}), /unknown preset 'huge'/)
  assert.throws(() => readSettings(['--users', '0'], {}), /users must be an integer ≥ 1/)
  assert.throws(() => readSettings(['--bogus', '1'], {}), /unknown or incomplete argument '--bogus'/)
  assert.deepEqual([readSettings([], { EVAL_SEED: '8' }).seed, readSettings([], {}).users], [8, 2000])
})

test('the replay config asks for history and policies, and names what a build refused', () => {
  const full = evalConfig({ history: true, policies: true }, '/data/cities.mmdb')
  assert.match(full, /^newGeoIP2DB\("EvalCity", "\/data\/cities\.mmdb"\)$/m)
  assert.match(full, /^setHistory\{ backend = "sqlite", path = "history\.db", geoip = "EvalCity" \}$/m)
  assert.match(full, /^enablePolicies\(\)$/m)
  const bare = evalConfig({ history: false, policies: false })
  assert.doesNotMatch(bare, /^(setHistory|enablePolicies|newGeoIP2DB)/m)
  assert.equal(refusedFunction("trackalert.conf:5: attempt to call a nil value (global 'enablePolicies')"), 'enablePolicies')
  assert.equal(refusedFunction('trackalert.conf:4: setHistory: unknown option "x"'), null)
})
