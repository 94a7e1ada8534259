import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { burst, reportBody, type RawResponse } from '../helpers/http-client.ts'
import { luaBusyWait, sample, scrape } from '../integration/helpers.ts'

/** One process, one state; every report and the custom endpoint take 40 ms of CPU. */
const SLOW = `setNumWorkerThreads(1)
setNumLuaStates(1)
setReport(function (lt) ${luaBusyWait(40)} end)
setCustomEndpoint("slow", function (args) ${luaBusyWait(40)} return true, {} end)
`

let bounded: RunningDaemon
let unbounded: RunningDaemon

before(async () => {
  [bounded, unbounded] = await Promise.all([
    startDaemon({ config: SLOW + 'setMaxQueueWaitMs(50)\n' }),
    startDaemon({ config: SLOW })
  ])
})
after(async () => { await Promise.all([bounded?.stop(), unbounded?.stop()]) })

const statuses = (responses: readonly RawResponse[]): number[] => responses.map((r) => r.status)

test('reports that wait past setMaxQueueWaitMs are answered 503 with Retry-After, counted and logged once', async () => {
  const responses = await burst(bounded, '/command/report', reportBody(), 10)
  const shed = responses.filter((r) => r.status === 503)
  const served = responses.filter((r) => r.status === 200)
  assert.equal(shed.length + served.length, 10, String(statuses(responses)))
  // 40 ms each, one at a time: the first runs, and ten cannot all start within 50 ms of arriving.
  assert.ok(served.length >= 1 && shed.length >= 1, String(statuses(responses)))
  for (const r of shed) {
    assert.equal(r.headers['retry-after'], '1')
    assert.deepEqual(r.body, { status: 'failure', reason: 'Overloaded, retry later' })
  }
  const families = await scrape(bounded)
  assert.equal(sample(families, 'trackalert_requests_shed_total', { function: 'report' }), shed.length)
  assert.equal(sample(families, 'trackalert_http_refused_total', { reason: 'overloaded' }), shed.length)
  await bounded.waitForOutput('refused request reason="overloaded"')
  // Rate-limited like every refusal: one line now, the rest counted into a later line.
  const lines = bounded.output().split('\n').filter((l) => l.includes('reason="overloaded"'))
  assert.equal(lines.length, 1, lines.join('\n'))
  assert.match(lines[0] as string, /detail="waited in the queue past setMaxQueueWaitMs"/)
})

test('custom endpoint calls past the bound get 503 with Retry-After in the custom-endpoint answer shape', async () => {
  const before = sample(await scrape(bounded), 'trackalert_requests_shed_total', { function: 'slow' }) ?? 0
  const responses = await burst(bounded, '/command/slow', { attrs: {} }, 10)
  const shed = responses.filter((r) => r.status === 503)
  assert.equal(shed.length + responses.filter((r) => r.status === 200).length, 10, String(statuses(responses)))
  assert.ok(shed.length >= 1, String(statuses(responses)))
  for (const r of shed) {
    assert.equal(r.headers['retry-after'], '1')
    assert.deepEqual(r.body, { success: false, reason: 'Overloaded, retry later' })
  }
  assert.equal(sample(await scrape(bounded), 'trackalert_requests_shed_total', { function: 'slow' }), before + shed.length)
})

test('without setMaxQueueWaitMs every request waits its turn and is served', async () => {
  const responses = await burst(unbounded, '/command/report', reportBody(), 10)
  assert.deepEqual(statuses(responses), Array(10).fill(200))
  assert.equal(sample(await scrape(unbounded), 'trackalert_requests_shed_total', { function: 'report' }), undefined)
})
