import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startDaemon } from '../helpers/daemon.ts'
import { burst } from '../helpers/http-client.ts'
import { luaBusyWait } from '../integration/helpers.ts'
import { countRows, historyConfig, login } from './helpers.ts'

test('a report shed by setMaxQueueWaitMs (503) is not recorded; every report answered 200 is', async (t) => {
  // One state, 40 ms of CPU per report, a 50 ms queue bound: ten at once cannot all be served.
  const d = await startDaemon({ config: historyConfig('', `setReport(function (lt) ${luaBusyWait(40)} end)\nsetMaxQueueWaitMs(50)\n`) })
  t.after(() => d.stop())
  const responses = await burst(d, '/command/report', login({ t: 50_000 }), 10)
  const served = responses.filter((r) => r.status === 200).length
  const shed = responses.filter((r) => r.status === 503).length
  assert.equal(served + shed, 10, String(responses.map((r) => r.status)))
  assert.ok(served >= 1 && shed >= 1, String(responses.map((r) => r.status)))
  // A graceful stop commits what is queued: the file then holds exactly the accepted reports.
  assert.equal(await d.stop(), 0)
  assert.equal(countRows(d.dir), served)
})
