import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { PASSWORD, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { LUA_READ_PID, postFresh, report } from '../integration/helpers.ts'
import { Receiver } from '../integration/receiver.ts'

/** GET /command/alerts on a connection of its own (node:cluster hands each to the next worker). */
function alertsFresh (d: RunningDaemon, query = ''): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${d.url}/command/alerts${query}`, {
      agent: false, headers: { authorization: 'Basic ' + Buffer.from(`u:${PASSWORD}`).toString('base64') }
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => {
        if (res.statusCode !== 200) { reject(new Error(`${res.statusCode ?? 0}: ${text}`)); return }
        resolve((JSON.parse(text) as { alerts: Array<Record<string, unknown>> }).alerts)
      })
    })
    req.on('error', reject)
    req.end()
  })
}

test('multi-process: alerts raised in the workers get unique ids and are listed from any worker', async (t) => {
  const d = await startDaemon({
    config: `
      setNumWorkerThreads(2)
      setReport(function (lt)
        ${LUA_READ_PID}
        raiseAlert{ type = "custom_x", login = lt.login, remote = lt.remote:tostring(), t = lt.t, evidence = { pid = pid } }
      end)
    `
  })
  t.after(() => d.stop())
  const n = 12
  for (let i = 0; i < n; i++) assert.equal((await postFresh(d, 'report', report(`user${i}`, { t: 1_700_000_000 + i }))).status, 200)
  await eventually(async () => (await alertsFresh(d)).length === n, `${n} alerts in the hub`)
  const listed = await alertsFresh(d)
  assert.deepEqual(listed.map((a) => a.id), Array.from({ length: n }, (_, i) => i + 1), 'ids unique, increasing, oldest first')
  assert.deepEqual(new Set(listed.map((a) => a.login)), new Set(Array.from({ length: n }, (_, i) => `user${i}`)))
  const raisedIn = new Set(listed.map((a) => (a.evidence as { pid: string }).pid))
  assert.equal(raisedIn.size, 2, 'both workers raised alerts')
  assert.equal(raisedIn.has(String(d.child.pid)), false, 'the primary serves no reports')
  // Every worker answers from the one hub.
  for (let i = 0; i < 4; i++) assert.deepEqual((await alertsFresh(d, '?since=10')).map((a) => a.id), [11, 12])
  assert.deepEqual((await alertsFresh(d, '?login=user3')).map((a) => a.id), [4])
})

test('an alert whose webhook receiver is down is delivered once it is up, across a reload', async (t) => {
  const rx = await new Receiver().start()
  t.after(() => rx.close())
  let up = false
  rx.behave = () => (up ? { status: 200 } : { status: 503 })
  const d = await startDaemon({
    config: `
      setNumWorkerThreads(2)
      setWebHookMaxAttempts(1000)
      addCustomWebHook("soc", { url = "${rx.url}/alerts" })
      setAlertRoute{ webhooks = { "soc" } }
      setReport(function (lt)
        raiseAlert{ type = "custom_x", login = lt.login, remote = lt.remote:tostring(), t = lt.t }
      end)
    `
  })
  t.after(() => d.stop())
  assert.equal((await postFresh(d, 'report', report('alice'))).status, 200)
  await eventually(() => rx.requests.length >= 2, 'the receiver refused the alert twice')
  d.child.kill('SIGHUP')
  await d.waitForOutput('configuration reloaded')
  const refusedBeforeUp = rx.requests.length
  up = true
  await eventually(() => rx.requests.length > refusedBeforeUp, 'a delivery after the receiver came back', 30_000)
  const delivered = JSON.parse(rx.requests[rx.requests.length - 1].body.toString()) as Record<string, unknown>
  assert.equal(delivered.id, 1)
  assert.equal(delivered.login, 'alice')
  // Every attempt carried the same alert: nothing was lost or duplicated by the reload.
  assert.deepEqual(new Set(rx.requests.map((r) => r.body.toString())).size, 1)
})
