import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { consoleConfig, consoleExec, report, sample, scrape, writeClientConfig } from './helpers.ts'
import { Receiver } from './receiver.ts'

const SECRET = 'hook-secret-123'

/** A report function that fires hook `name` once per `lt.attrs.n` (default 1) with the login in the body. */
const fireFromReport = (name: string): string => `
  function report(lt)
    local n = tonumber(lt.attrs.n or "1")
    for i = 1, n do
      runCustomWebHook("${name}", '{"login":"' .. lt.login .. '","i":' .. i .. '}')
    end
  end
  setReport(report)
`

const fire = async (d: RunningDaemon, login: string, n = 1): Promise<void> => {
  const res = await request(`${d.url}/command/report`, { body: report(login, { attrs: { n: String(n) } }) })
  assert.equal(res.status, 200, res.text)
}

test('deliveries carry the wforce headers and signature, retry 5xx with the same delivery id, and are counted', async (t) => {
  const rx = await new Receiver().start()
  t.after(() => rx.close())
  // First request of each event path: /alert/... gets 500 once, /reject always 400.
  const seen = new Set<string>()
  rx.behave = (req) => {
    if (req.url.startsWith('/reject')) return { status: 400 }
    const id = String(req.headers['x-wforce-delivery'])
    if (!seen.has(id)) { seen.add(id); return { status: 500 } }
    return { status: 200 }
  }
  const cons = consoleConfig()
  const alertUrl = `${rx.url}/alert/%{YYYY}/x`
  const d = await startDaemon({
    config: `${cons.lines}
      addCustomWebHook("alert", { url = "${alertUrl}", secret = "${SECRET}" })
      addCustomWebHook("reject", { url = "${rx.url}/reject" })
      function report(lt)
        runCustomWebHook(lt.login, '{"login":"' .. lt.login .. '"}')
      end
      setReport(report)
    `
  })
  t.after(() => d.stop())

  // Both hooks' outcomes are present at 0 before anything happens.
  let f = await scrape(d)
  for (const [id, url] of [['1', alertUrl], ['2', `${rx.url}/reject`]]) {
    for (const status of ['ok', 'error']) assert.equal(sample(f, 'trackalert_custom_webhook_events_total', { id, url, status }), 0)
  }

  await fire(d, 'alert')
  await fire(d, 'reject')
  await eventually(() => rx.requests.length >= 3, 'the retry and the rejected event')

  const year = String(new Date().getUTCFullYear())
  const alerts = rx.requests.filter((r) => r.url.startsWith('/alert'))
  assert.equal(alerts.length, 2)
  for (const r of alerts) {
    assert.equal(r.method, 'POST')
    assert.equal(r.url, `/alert/${year}/x`)
    assert.equal(r.body.toString(), '{"login":"alert"}')
    assert.equal(r.headers['content-type'], 'application/json')
    assert.equal(r.headers['x-wforce-event'], 'alert')
    assert.equal(r.headers['x-wforce-hookid'], '1')
    assert.equal(r.headers['x-wforce-signature'], createHmac('sha256', SECRET).update(r.body).digest('base64'))
    assert.match(String(r.headers['x-wforce-delivery']), /^\S{8,}$/)
  }
  assert.equal(alerts[0]?.headers['x-wforce-delivery'], alerts[1]?.headers['x-wforce-delivery'], 'a retry keeps its delivery id')
  const rejected = rx.requests.filter((r) => r.url === '/reject')
  assert.equal(rejected.length, 1, 'a 4xx is not retried')
  assert.equal(rejected[0]?.headers['x-wforce-hookid'], '2')
  assert.equal(rejected[0]?.headers['x-wforce-signature'], undefined, 'no secret, no signature')

  // Unknown hook names send nothing.
  await fire(d, 'nosuchhook')

  const client = await writeClientConfig(d, cons.key)
  await eventually(async () => /\n2\s+reject\s+0\s+1\s/.test((await consoleExec(client, 'showCustomWebHooks()')).stdout), 'the failure to be counted')
  const shown = (await consoleExec(client, 'showCustomWebHooks()')).stdout
  assert.match(shown, /^ID\s+Name\s+Successes\s+Failures\s+URL\n/)
  assert.match(shown, new RegExp(`\\n1\\s+alert\\s+1\\s+0\\s+${alertUrl.replace(/[%{}/.]/g, (c) => `\\${c}`)}\\n`))
  assert.match(shown, /\n2\s+reject\s+0\s+1\s+http:\/\/127\.0\.0\.1:\d+\/reject\n$/)

  f = await scrape(d)
  assert.equal(sample(f, 'trackalert_custom_webhook_events_total', { id: '1', url: alertUrl, status: 'ok' }), 1)
  assert.equal(sample(f, 'trackalert_custom_webhook_events_total', { id: '1', url: alertUrl, status: 'error' }), 0)
  assert.equal(sample(f, 'trackalert_custom_webhook_events_total', { id: '2', url: `${rx.url}/reject`, status: 'error' }), 1)
  assert.equal(rx.requests.length, 3)
  assert.match(d.output(), /Custom webhook delivery failed.*name="reject"/)
})

test('SIGTERM drains queued events to a slow receiver before exiting 0', async (t) => {
  const rx = await new Receiver().start()
  t.after(() => rx.close())
  rx.behave = () => ({ status: 200, delayMs: 300 })
  const d = await startDaemon({
    config: `
      setNumWebHookThreads(1)
      setNumWebHookConnsPerThread(1)
      addCustomWebHook("slow", { url = "${rx.url}/slow" })
      ${fireFromReport('slow')}
    `
  })
  t.after(() => d.stop())
  const N = 5
  await fire(d, 'drain', N)
  assert.ok(rx.requests.length < N, 'still queued when the signal arrives')
  const code = await d.stop('SIGTERM')
  assert.equal(code, 0, d.output())
  assert.equal(rx.requests.length, N, 'every queued event was delivered before exit')
  assert.deepEqual(rx.requests.map((r) => JSON.parse(r.body.toString()).i).sort(), [1, 2, 3, 4, 5])
  assert.doesNotMatch(d.output(), /abandoned/)
})

test('a full queue drops events and counts them in trackalert_webhook_dropped_total', async (t) => {
  const rx = await new Receiver().start()
  t.after(() => rx.close())
  rx.behave = () => 'stall'
  const d = await startDaemon({
    config: `
      setNumWebHookThreads(1)
      setNumWebHookConnsPerThread(1)
      setWebHookQueueSize(1)
      setWebHookTimeoutSecs(30)
      setWebHookDrainTimeoutSecs(1)
      addCustomWebHook("stalled", { url = "${rx.url}/stalled" })
      ${fireFromReport('stalled')}
    `
  })
  t.after(() => d.stop())
  await fire(d, 'first')
  await eventually(() => rx.requests.length === 1, 'the first event to be in flight')
  // One waits in the queue (size 1); the other four are dropped.
  await fire(d, 'more', 5)
  const f = await scrape(d)
  assert.equal(sample(f, 'trackalert_webhook_dropped_total', { name: 'stalled' }), 4)
  assert.equal(sample(f, 'trackalert_webhook_queue_size'), 1)
  await eventually(() => /Custom webhook events dropped.*name="stalled"/.test(d.output()), 'the drop log line')
  rx.release()
})

test('a custom webhook without url stops the start with an error naming the hook', async () => {
  const d = await startDaemon({ config: 'addCustomWebHook("nourl-hook", { secret = "x" })\n', waitFor: null })
  const code = await d.exited
  assert.notEqual(code, 0)
  assert.match(d.output(), /nourl-hook/)
  assert.match(d.output(), /url/)
  assert.doesNotMatch(d.output(), /trackalert ready/)
})
