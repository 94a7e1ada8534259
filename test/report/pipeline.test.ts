import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { LogLevel, logger, type LogFields, type LogLevelValue } from '../../src/log/index.ts'
import { CustomArgs } from '../../src/report/lua-args.ts'
import { body } from './body.ts'
import { counter, loadConfig, records, submit, type LoadedConfig } from './load-config.ts'

// The report pipeline in-process on real Lua states loaded by the daemon's own loader: validation,
// event time, device enrichment, the LoginTuple table Lua receives, and the outcome and counters.
const REPORT = `
setNumLuaStates(2)
setReport(function (lt)
  if lt.login == "boom" then error("report went wrong") end
  record("lt", lt)
end)
setCustomEndpoint("echo", function (args) record("args", args) return true, {} end)
`
let now = 1_767_268_800.25
let loaded: LoadedConfig
const logged: Array<{ level: LogLevelValue, message: string, fields: LogFields | undefined }> = []
before(async () => {
  logger.setSinks([{ write: (level, message, fields) => { logged.push({ level, message, fields }) } }])
  loaded = await loadConfig(REPORT, () => now)
})
after(async () => { await loaded.close() })

/** Submits and returns what the report function recorded for this one report (or undefined). */
async function seen (input: unknown): Promise<{ rejection: string | null, lt: Map<string, string> | undefined }> {
  const before = (await records(loaded.recordFile)).length
  const rejection = await submit(loaded.gen, input)
  return { rejection, lt: (await records(loaded.recordFile))[before] }
}

test('an accepted report reaches Lua as a LoginTuple with every field typed as upstream', async () => {
  const { rejection, lt } = await seen(body({
    login: 'bob', remote: '2001:DB8::7', success: false, t: 1700000000.25, policy_reject: true, protocol: 'imap', tls: true,
    device_id: 'ua/1.0', device_attrs: { 'os.family': 'Linux' }, session_id: 's-1', fail_type: 'credentials',
    attrs: { email: 'bob@example.com', groups: ['a', 'b'] }
  }))
  assert.equal(rejection, null)
  assert.deepEqual(Object.fromEntries(lt ?? []), {
    'lt.attrs.email': 'string:bob@example.com',
    'lt.attrs_mv.groups.1': 'string:a',
    'lt.attrs_mv.groups.2': 'string:b',
    'lt.device_attrs.os.family': 'string:Linux',
    'lt.device_id': 'string:ua/1.0',
    'lt.fail_type': 'string:credentials',
    'lt.login': 'string:bob',
    'lt.policy_reject': 'boolean:true',
    'lt.protocol': 'string:imap',
    'lt.pwhash': 'string:abcd',
    'lt.remote': 'ComboAddress:2001:db8::7',
    'lt.session_id': 'string:s-1',
    'lt.success': 'boolean:false',
    'lt.t': 'float:1700000000.25',
    'lt.tls': 'boolean:true'
  })
})

test('without t, the event time is the injected clock\'s now, read for each report', async () => {
  now = 1_767_268_800.25
  assert.equal((await seen(body())).lt?.get('lt.t'), 'float:1767268800.25')
  now = 1_767_268_861.5
  assert.equal((await seen(body())).lt?.get('lt.t'), 'float:1767268861.5')
  assert.match((await seen(body({ t: 0 }))).lt?.get('lt.t') ?? '', /^(float|integer):0$/, 'a sent t wins, even 0')
})

test('a refused report gets its reason, is counted by field and never reaches Lua', async () => {
  const accepted = loaded.stats.reports
  const cases: Array<[unknown, string, string]> = [
    [[], 'body', 'Request body must be a JSON object, got array'],
    [body({ login: undefined }), 'login', "Missing required field 'login'"],
    [body({ remote: 'not-an-ip' }), 'remote', "Field 'remote' is not a valid IPv4 or IPv6 address: 'not-an-ip'"],
    [body({ t: 'soon' }), 't', "Field 't' must be a number, got string"]
  ]
  for (const [input, field, reason] of cases) {
    const before = await counter(loaded.stats, 'trackalert_report_rejected_total', { reason: field })
    assert.deepEqual(await seen(input), { rejection: reason, lt: undefined })
    assert.equal(await counter(loaded.stats, 'trackalert_report_rejected_total', { reason: field }), before + 1, field)
  }
  assert.equal(loaded.stats.reports, accepted, 'refused reports are not counted as reports')
})

test('accepted reports are counted; a Lua error is logged and counted but the report still completes', async () => {
  const reports = loaded.stats.reports
  const errors = await counter(loaded.stats, 'trackalert_lua_errors_total', { function: 'report' })
  assert.deepEqual(await seen(body({ login: 'boom' })), { rejection: null, lt: undefined })
  assert.equal(loaded.stats.reports, reports + 1)
  assert.equal(await counter(loaded.stats, 'trackalert_lua_errors_total', { function: 'report' }), errors + 1)
  assert.ok(logged.some((l) => l.level <= LogLevel.err && /report went wrong/.test(JSON.stringify(l.fields))), 'the Lua error is logged')
  // The state that raised the error serves the next report normally.
  assert.equal((await seen(body({ login: 'after' }))).lt?.get('lt.login'), 'string:after')
})

test('device_attrs are filled from device_id and protocol only when the client sent none', async () => {
  const ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'
  const parsed = (await seen(body({ device_id: ua, protocol: 'http' }))).lt
  assert.equal(parsed?.get('lt.device_attrs.browser.family'), 'string:Firefox')
  assert.equal(parsed?.get('lt.device_attrs.os.family'), 'string:Linux')
  const sent = (await seen(body({ device_id: ua, protocol: 'http', device_attrs: { mine: 'yes' } }))).lt
  assert.deepEqual([...(sent ?? [])].filter(([k]) => k.startsWith('lt.device_attrs')), [['lt.device_attrs.mine', 'string:yes']])
  assert.equal((await seen(body({ device_id: ua }))).lt?.get('lt.device_attrs'), 'table:{}', 'no protocol: nothing to parse with')
})

test('custom endpoint arguments reach Lua as { attrs, attrs_mv }', async () => {
  const args = new CustomArgs(loaded.gen.lua)
  args.attrs = { login: 'alice', 'key with space': 'v' }
  args.attrsMv = { ips: ['192.0.2.1', '192.0.2.2'] }
  const before = (await records(loaded.recordFile)).length
  await loaded.gen.dispatcher.runAsync('custom', 'echo', args)
  assert.deepEqual(Object.fromEntries((await records(loaded.recordFile))[before] ?? []), {
    'args.attrs.key with space': 'string:v',
    'args.attrs.login': 'string:alice',
    'args.attrs_mv.ips.1': 'string:192.0.2.1',
    'args.attrs_mv.ips.2': 'string:192.0.2.2'
  })
})

test('without a report function, valid reports are accepted and counted without running Lua', async (t) => {
  const bare = await loadConfig('')
  t.after(() => bare.close())
  assert.equal(bare.gen.pipeline.hasReport, false)
  assert.equal(await submit(bare.gen, body()), null)
  assert.equal(await submit(bare.gen, body({ success: 1 })), "Field 'success' must be a boolean, got number")
  assert.equal(bare.stats.reports, 1)
  assert.deepEqual(await records(bare.recordFile), [])
})
