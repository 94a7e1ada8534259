import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent } from 'node:http'
import { startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { jsonOf, rawRequest, reportBody, type RawResponse } from '../helpers/http-client.ts'

const CONFIG = `
addCustomStat("seen")
addCustomStat("failed")
function report(lt)
  incCustomStat("seen")
  if not lt.success then incCustomStat("failed") end
  local s = 0
  for i = 1, 200 do s = s + #lt.login end
end
setReport(report)
setCustomEndpoint("echo", function(args) return true, { n = args.attrs.n } end)
`

let six: RunningDaemon
let two: RunningDaemon

before(async () => {
  [six, two] = await Promise.all([
    startDaemon({ config: CONFIG }),
    startDaemon({ config: 'setNumLuaStates(2)\n' + CONFIG })
  ])
})
after(() => Promise.all([six?.stop(), two?.stop()]))

/** Sends `total` reports over `connections` keep-alive connections, each connection one request at a time. */
async function flood (d: RunningDaemon, total: number, connections: number): Promise<{ results: RawResponse[], sockets: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const sockets = new Set<unknown>()
  agent.on('free', (socket) => sockets.add(socket))
  let next = 0
  const results: RawResponse[] = []
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++
      results[i] = await rawRequest(`${d.url}/command/report`, { agent, body: reportBody({ login: `user${i}`, success: i % 5 !== 0 }) })
    }
  }
  try {
    await Promise.all(Array.from({ length: connections }, worker))
  } finally {
    agent.destroy()
  }
  return { results, sockets: sockets.size }
}

async function checkFlood (d: RunningDaemon): Promise<void> {
  const { results, sockets } = await flood(d, 500, 50)
  assert.equal(results.length, 500)
  const bad = results.filter((r) => r.status !== 200 || r.text !== '{"status":"ok"}')
  assert.equal(bad.length, 0, `failed: ${JSON.stringify(bad.slice(0, 3))}`)
  // Keep-alive: far fewer connections than requests.
  assert.ok(sockets <= 50, `${sockets} connections`)
  const stats = jsonOf(await rawRequest(`${d.url}/command/stats`))
  assert.equal(stats.reports, 500)
  assert.equal(stats.commandstats.report, 500)
  assert.equal(stats.customstats.seen, 500)
  assert.equal(stats.customstats.failed, 100)
  const waits = Object.entries(stats.perfstats as Record<string, number>).filter(([k]) => k.startsWith('WTW_')).reduce((a, [, v]) => a + v, 0)
  assert.equal(waits, 500)
}

test('500 concurrent reports over 50 keep-alive connections on 6 states all succeed and are all counted', async () => {
  await checkFlood(six)
  assert.match(six.output(), /trackalert ready luaStates="6"/)
})

test('with setNumLuaStates(2) the same load still succeeds', async () => {
  await checkFlood(two)
  assert.match(two.output(), /trackalert ready luaStates="2"/)
})

test('reports, custom endpoint calls and stats interleave without mixing up answers', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 20 })
  try {
    const calls = Array.from({ length: 120 }, (_, i) => {
      if (i % 3 === 0) return rawRequest(`${two.url}/command/echo`, { agent, body: { attrs: { n: String(i) } } }).then((r) => [i, r] as const)
      if (i % 3 === 1) return rawRequest(`${two.url}/command/report`, { agent, body: reportBody({ login: `mix${i}` }) }).then((r) => [i, r] as const)
      return rawRequest(`${two.url}/command/stats`, { agent }).then((r) => [i, r] as const)
    })
    for (const [i, r] of await Promise.all(calls)) {
      assert.equal(r.status, 200, `call ${i}`)
      const body = jsonOf(r)
      if (i % 3 === 0) assert.deepEqual(body, { success: true, r_attrs: { n: String(i) } })
      else if (i % 3 === 1) assert.deepEqual(body, { status: 'ok' })
      else assert.equal(typeof body.reports, 'number')
    }
  } finally {
    agent.destroy()
  }
})
