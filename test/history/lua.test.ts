import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { historyConfig, login, sendReport, THUNDERBIRD } from './helpers.ts'

/**
 * Each report asks whether its device and country are known for the login; the custom endpoint
 * "ask" runs one Lua expression and answers with its results JSON-encoded. A 10 s commit
 * interval keeps every report queued: answers must still include the earlier reports.
 */
const LUA = `
answers = {}
setReport(function (lt)
  local f = assert(history.facts(lt))
  local device = history.known(lt.login, "device", f.device)
  local country = history.known(lt.login, "country", f.country)
  answers[#answers + 1] = { facts = f, device = device, country = country }
end)
setCustomEndpoint("ask", function (args)
  local fn = assert(load("return " .. args.attrs.expr))
  local results = table.pack(fn())
  return true, { json = json.encode({ n = results.n, a = results[1], b = results[2] }) }
end)
`

async function ask (d: RunningDaemon, expr: string): Promise<{ n: number, a: unknown, b: unknown }> {
  const res = await request(`${d.url}/command/ask`, { body: { attrs: { expr } } })
  assert.equal(res.status, 200, res.text)
  assert.equal(res.body.success, true, res.text)
  return JSON.parse(res.body.r_attrs.json)
}

test('Lua reads the login history: facts, known values, totals, last success, recent reports, windows, top sources, frequencies', async (t) => {
  const d = await startDaemon({ config: historyConfig('commit_interval_ms = 10000', LUA) })
  t.after(() => d.stop())
  await sendReport(d, login({ t: 1000 }))
  await sendReport(d, login({ t: 1010, success: false }))
  await sendReport(d, login({ t: 1020, remote: '2a00:1450:4001::1', protocol: 'imap', device_id: THUNDERBIRD }))
  await sendReport(d, login({ login: 'eve', t: 1030, success: false }))

  const answers = (await ask(d, 'answers')).a as Array<Record<string, unknown>>
  assert.deepEqual(answers[0]?.facts, { prefix: '8.8.8.0/24', device: 'Chrome/Windows', country: 'US', city: 'Mountain View', lat: (answers[0]?.facts as { lat: number }).lat, lon: (answers[0]?.facts as { lon: number }).lon })
  assert.equal(answers[0]?.device, false, 'first report: the device is new')
  assert.equal(answers[0]?.country, false)
  // Read-your-writes: the first report is still queued (10 s interval) and the second sees it.
  assert.deepEqual(answers[1]?.device, { value: 'Chrome/Windows', first_seen: 1000, last_seen: 1000, successes: 1, failures: 0 })
  assert.deepEqual((answers[2]?.facts as { device: string }).device, 'imap:Thunderbird/Linux')
  assert.equal(answers[2]?.device, false)
  assert.equal(answers[2]?.country, false, 'DE is new for bob')

  assert.deepEqual((await ask(d, 'history.enabled()')).a, true)
  assert.deepEqual((await ask(d, 'history.totals("bob")')).a, { first_seen: 1000, last_seen: 1020, successes: 2, failures: 1 })
  assert.deepEqual((await ask(d, 'history.totals("nobody")')).a, false)
  const last = (await ask(d, 'history.lastSuccess("bob")')).a as Record<string, unknown>
  assert.deepEqual([last.t, last.remote, last.country, last.device], [1020, '2a00:1450:4001::1', 'DE', 'imap:Thunderbird/Linux'])
  assert.deepEqual((await ask(d, 'history.lastSuccess("eve")')).a, false)
  const recent = (await ask(d, 'history.recent("bob", 2)')).a as Array<Record<string, unknown>>
  assert.deepEqual(recent.map((r) => [r.t, r.success]), [[1020, true], [1010, false]])
  const profile = (await ask(d, 'history.profile("bob")')).a as Record<string, Array<{ value: string }>>
  assert.deepEqual(profile.countries?.map((c) => c.value).sort(), ['DE', 'US'])
  assert.deepEqual((await ask(d, 'history.loginWindow("bob", 15, 1021)')).a, { successes: 1, failures: 1, distinct_remotes: 2, distinct_failing_remotes: 1 })
  assert.deepEqual((await ask(d, 'history.source("ip", "8.8.8.8", 3600, 2000)')).a,
    { key: '8.8.8.8', attempts: 3, successes: 1, failures: 2, distinct_logins: 2, max_per_login: 2, failing_logins: 2, succeeding_logins: 1, max_failures_per_login: 1, first_seen: 1000, last_seen: 1030 })
  assert.deepEqual((await ask(d, 'history.source("prefix", "10.0.0.0/24", 3600, 2000)')).a,
    { key: '10.0.0.0/24', attempts: 0, successes: 0, failures: 0, distinct_logins: 0, max_per_login: 0, failing_logins: 0, succeeding_logins: 0, max_failures_per_login: 0, first_seen: 0, last_seen: 0 })
  const top = (await ask(d, 'history.top("prefix", 3600, "failures", 5, 2000)')).a as Array<{ key: string, failures: number }>
  assert.deepEqual(top.map((s) => [s.key, s.failures]), [['8.8.8.0/24', 2], ['2a00:1450:4001::/56', 0]])
  assert.deepEqual((await ask(d, 'history.frequency("country", "US")')).a, { logins: 2, successes: 1, failures: 2 })
  assert.deepEqual((await ask(d, 'history.frequency()')).a, { logins: 2, successes: 2, failures: 2 })
})

test('Lua history reads return nil and a message on bad arguments and when history is off; they never raise', async (t) => {
  const d = await startDaemon({ config: historyConfig('', LUA) })
  t.after(() => d.stop())
  const cases: Array<[string, string]> = [
    ['history.known("bob", "colour", "red")', "kind must be one of device, country, prefix, got 'colour'"],
    ['history.known("bob", "device")', 'value must be a string'],
    ['history.totals(42)', 'login must be a string'],
    ['history.recent("bob", 5000)', 'limit must be an integer from 0 to 1000'],
    ['history.loginWindow("bob", -5)', 'seconds must be a number of seconds above 0'],
    ['history.source("asn", "1", 60)', "scope must be one of ip, prefix, got 'asn'"],
    ['history.top("ip", 60, "loudest")', "order must be one of failures, attempts, distinct_logins, got 'loudest'"],
    ['history.facts({ remote = "not-an-ip" })', "remote 'not-an-ip' is not an IP address"],
    ['history.facts("bob")', 'history.facts: expected the report table (lt)']
  ]
  for (const [expr, message] of cases) {
    assert.deepEqual(await ask(d, expr), { n: 2, b: message }, expr)
  }

  const off = await startDaemon({ config: 'setNumWorkerThreads(1)\nsetNumLuaStates(1)\n' + LUA })
  t.after(() => off.stop())
  assert.deepEqual((await ask(off, 'history.enabled()')).a, false)
  for (const expr of ['history.known("bob", "device", "x")', 'history.totals("bob")', 'history.top("ip", 60, "failures")', 'history.facts({ remote = "192.0.2.1" })']) {
    assert.deepEqual(await ask(off, expr), { n: 2, b: 'login history is not enabled (setHistory in the configuration)' }, expr)
  }
  // The report function's assert(history.facts(lt)) raises without history: logged, and the report still gets its 200.
  await sendReport(off, login({}))
})
