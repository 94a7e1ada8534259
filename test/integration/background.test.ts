import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { request, startDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { consoleConfig, consoleExec, sample, scrape, writeClientConfig } from './helpers.ts'

const lines = async (file: string): Promise<string[]> => {
  try { return (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '') } catch { return [] }
}

test('interval functions run every second, errors are logged with file:line and the schedule goes on', async (t) => {
  const cons = consoleConfig()
  const d = await startDaemon({
    config: `${cons.lines}
      function tick()
        local f = io.open("ticks.txt", "a")
        f:write(os.time(), "\\n")
        f:close()
      end
      setBackground("tick", tick)
      intervalScheduleBackgroundFunc("00:00:01", "tick")
      function broken()
        error("background went wrong")
      end
      setBackground("broken", broken)
      intervalScheduleBackgroundFunc("00:00:01", "broken")
      setCustomEndpoint("dur", function (args) return true, { s = tostring(durationToSeconds(args.attrs.d)) } end)
    `
  })
  t.after(() => d.stop())
  const ticks = join(d.dir, 'ticks.txt')
  await eventually(async () => (await lines(ticks)).length >= 2, 'two runs of tick', 15_000)
  await eventually(async () => (sample(await scrape(d), 'trackalert_background_runs_total', { name: 'broken', result: 'error' }) ?? 0) >= 2, 'two failed runs', 15_000)

  // file:line of the error() call: the config has the listener lines first, then the console lines.
  const src = await readFile(d.configFile, 'utf8')
  const line = src.split('\n').findIndex((l) => l.includes('error("background went wrong")')) + 1
  assert.match(d.output(), new RegExp(`background function failed name="broken" error="[^"]*trackalert\\.conf:${line}: background went wrong`))

  const f = await scrape(d)
  assert.ok((sample(f, 'trackalert_background_runs_total', { name: 'tick', result: 'ok' }) ?? 0) >= 2)
  assert.equal(sample(f, 'trackalert_background_runs_total', { name: 'tick', result: 'error' }) ?? 0, 0)
  const errors = sample(f, 'trackalert_background_runs_total', { name: 'broken', result: 'error' })
  assert.equal(sample(f, 'trackalert_lua_errors_total', { function: 'broken' }), errors)

  const shown = (await consoleExec(await writeClientConfig(d, cons.key), 'showBackgroundFuncs()')).stdout
  assert.match(shown, /\nbroken\s+every 00:00:01\s+0\s+[1-9]\d*\s+0\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+error/)
  assert.match(shown, /\ntick\s+every 00:00:01\s+\d+\s+0\s+0\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+ok/)

  const dur = await request(`${d.url}/command/dur`, { body: { attrs: { d: '5:01' } } })
  assert.deepEqual(dur.body, { success: true, r_attrs: { s: '18060' } })
  const bad = await request(`${d.url}/command/dur`, { body: { attrs: { d: '1:99' } } })
  assert.equal(bad.status, 500)
  assert.match(bad.body.reason, /1:99/)
})

// A run still going at its next due time (skipped, counted in metrics and the console table) is
// timing logic: test/scheduler/skipped-run-metrics.test.ts checks it on a hand-driven clock.

for (const [what, config, named] of [
  ['an unknown function name', 'intervalScheduleBackgroundFunc("00:01:00", "nosuchfunc")', 'nosuchfunc'],
  ['a bad duration', 'setBackground("f", function () end)\nintervalScheduleBackgroundFunc("1:99", "f")', '1:99'],
  ['a bad cron expression', 'setBackground("f", function () end)\ncronScheduleBackgroundFunc("61 * * * *", "f")', '61 * * * *']
] as const) {
  test(`${what} in a schedule stops the start, naming it`, async () => {
    const d = await startDaemon({ config: config + '\n', waitFor: null })
    assert.equal(await d.exited, 1, d.output())
    assert.ok(d.output().includes(named), d.output())
    assert.match(d.output(), /trackalert\.conf:\d+/)
    assert.doesNotMatch(d.output(), /trackalert ready/)
  })
}
