import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent } from 'node:http'
import { startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { jsonOf, rawRequest, reportBody } from '../helpers/http-client.ts'
import { startHttpServer, type TestServer } from '../lualib/servers.ts'

const DELAY_MS = 250
const REPORTS = 50

let slow: TestServer
let daemon: RunningDaemon
let inFlight = 0
let peak = 0

before(async () => {
  // A backend that answers every request after 250 ms and records how many it held at once.
  slow = await startHttpServer((_req, _body, res) => {
    peak = Math.max(peak, ++inFlight)
    setTimeout(() => { inFlight--; res.end('ok') }, DELAY_MS)
  })
  daemon = await startDaemon({
    config: `
setNumWorkerThreads(1)
setNumLuaStates(1)
setLuaHttpOptions{ connections = 64, timeout = 10 }
addCustomStat("answered")
setReport(function(lt)
  local status = http.request{ url = "${slow.url}/check?login=" .. lt.login }
  if status == 200 then incCustomStat("answered") end
end)
`
  })
})
after(async () => { await daemon?.stop(); await slow?.close() })

test('one Lua state serves 50 reports that each wait 250 ms on HTTP concurrently, not one after another', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: REPORTS })
  const started = performance.now()
  try {
    const answers = await Promise.all(Array.from({ length: REPORTS }, (_, i) =>
      rawRequest(`${daemon.url}/command/report`, { agent, body: reportBody({ login: `wait${i}` }), timeoutMs: 30_000 })))
    for (const a of answers) assert.equal(a.status, 200)
  } finally {
    agent.destroy()
  }
  const elapsed = performance.now() - started
  // One after another this takes 50 × 250 ms = 12.5 s; suspended together, about one delay.
  assert.ok(elapsed < (REPORTS * DELAY_MS) / 4, `50 reports took ${Math.round(elapsed)} ms`)
  assert.ok(peak >= REPORTS / 2, `the backend saw at most ${peak} requests at once`)
  const stats = jsonOf(await rawRequest(`${daemon.url}/command/stats`))
  assert.equal(stats.customstats.answered, REPORTS)
})
