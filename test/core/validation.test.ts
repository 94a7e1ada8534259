import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDaemon, request, type RunningDaemon } from '../helpers/daemon.ts'
import { jsonOf, reportBody } from '../helpers/http-client.ts'
import { LUA_DUMPER } from '../helpers/lua-dumper.ts'

/**
 * The report function appends every LoginTuple field to calls.log as `path=type:value` lines
 * (sorted, one record per call ending in `--`), so the test sees both that Lua ran and what it got.
 */
const dumper = (file: string): string => `
FILE = ${JSON.stringify(file)}
${LUA_DUMPER}
function report(lt) record("lt", lt) end
setReport(report)
`

// One daemon: the rejection tests run first, while calls.log must not exist yet.
let d: RunningDaemon
let callLog: string

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ta-core-'))
  callLog = join(dir, 'calls.log')
  d = await startDaemon({ dir, config: dumper(callLog) })
})
after(() => d?.stop())

/** The records written by the report function, each as a map of path → "type:value". */
async function records (file: string): Promise<Array<Map<string, string>>> {
  if (!existsSync(file)) return []
  const text = await readFile(file, 'utf8')
  return text.split('--\n').filter((r) => r !== '').map((r) => new Map(r.trimEnd().split('\n').map((line) => {
    const eq = line.indexOf('=')
    return [line.slice(0, eq), line.slice(eq + 1)]
  })))
}

/** [what, body (object or raw string), text the reason must contain] */
const BAD: Array<[string, unknown, string]> = [
  ...['login', 'remote', 'pwhash', 'success'].map((f): [string, unknown, string] => [`missing ${f}`, reportBody({ [f]: undefined }), `'${f}'`]),
  ['login number', reportBody({ login: 5 }), "'login'"],
  ['login null', reportBody({ login: null }), "'login'"],
  ['login array', reportBody({ login: ['alice'] }), "'login'"],
  ['login object', reportBody({ login: {} }), "'login'"],
  ['remote number', reportBody({ remote: 3221225985 }), "'remote'"],
  ['remote object', reportBody({ remote: { ip: '192.0.2.1' } }), "'remote'"],
  ['pwhash boolean', reportBody({ pwhash: true }), "'pwhash'"],
  ['pwhash number', reportBody({ pwhash: 1234 }), "'pwhash'"],
  ['success string', reportBody({ success: 'true' }), "'success'"],
  ['success number', reportBody({ success: 1 }), "'success'"],
  ['success null', reportBody({ success: null }), "'success'"],
  ['remote not an IP', reportBody({ remote: 'not-an-ip' }), "'remote'"],
  ['remote empty', reportBody({ remote: '' }), "'remote'"],
  ['remote octet out of range', reportBody({ remote: '192.0.2.300' }), "'remote'"],
  ['remote hostname', reportBody({ remote: 'localhost' }), "'remote'"],
  ['remote bad IPv6', reportBody({ remote: '2001:db8::g' }), "'remote'"],
  ['remote netmask', reportBody({ remote: '192.0.2.0/24' }), "'remote'"],
  ['t string', reportBody({ t: '1700000000' }), "'t'"],
  ['t boolean', reportBody({ t: true }), "'t'"],
  ['t object', reportBody({ t: {} }), "'t'"],
  ['policy_reject string', reportBody({ policy_reject: 'false' }), "'policy_reject'"],
  ['policy_reject number', reportBody({ policy_reject: 0 }), "'policy_reject'"],
  ['protocol number', reportBody({ protocol: 5 }), "'protocol'"],
  ['protocol boolean', reportBody({ protocol: true }), "'protocol'"],
  ['tls string', reportBody({ tls: 'true' }), "'tls'"],
  ['tls number', reportBody({ tls: 1 }), "'tls'"],
  ['device_id number', reportBody({ device_id: 7 }), "'device_id'"],
  ['device_id object', reportBody({ device_id: {} }), "'device_id'"],
  ['device_attrs string', reportBody({ device_attrs: 'x' }), "'device_attrs'"],
  ['device_attrs array', reportBody({ device_attrs: ['x'] }), "'device_attrs'"],
  ['device_attrs number value', reportBody({ device_attrs: { 'os.family': 1 } }), "device_attrs.os.family"],
  ['device_attrs array value', reportBody({ device_attrs: { 'os.family': ['Linux'] } }), 'device_attrs.os.family'],
  ['device_attrs null value', reportBody({ device_attrs: { 'os.family': null } }), 'device_attrs.os.family'],
  ['attrs string', reportBody({ attrs: 'x' }), "'attrs'"],
  ['attrs array', reportBody({ attrs: ['x'] }), "'attrs'"],
  ['attrs number value', reportBody({ attrs: { a: 1 } }), 'attrs.a'],
  ['attrs boolean value', reportBody({ attrs: { a: false } }), 'attrs.a'],
  ['attrs object value', reportBody({ attrs: { a: { b: 'c' } } }), 'attrs.a'],
  ['attrs null value', reportBody({ attrs: { a: null } }), 'attrs.a'],
  ['attrs array with a number', reportBody({ attrs: { a: ['x', 2] } }), 'attrs.a[1]'],
  ['attrs array with an array', reportBody({ attrs: { a: [['x']] } }), 'attrs.a[0]'],
  ['attrs array with an object', reportBody({ attrs: { ok: 'v', a: ['x', 'y', {}] } }), 'attrs.a[2]'],
  ['session_id number', reportBody({ session_id: 1 }), "'session_id'"],
  ['fail_type boolean', reportBody({ fail_type: false }), "'fail_type'"],
  ['fail_type array', reportBody({ fail_type: ['x'] }), "'fail_type'"],
  ['invalid JSON', '{"login": "alice",', 'Invalid JSON'],
  ['not JSON at all', 'login=alice', 'Invalid JSON'],
  ['empty body', '', 'Invalid JSON'],
  ['array body', JSON.stringify([reportBody()]), 'array'],
  ['empty array body', '[]', 'array'],
  ['string body', '"report"', 'string'],
  ['number body', '42', 'number'],
  ['null body', 'null', 'null']
]

test('every malformed report is 400 with a reason naming the field, and Lua never runs', async () => {
  for (const [what, body] of BAD) {
    const res = await request(`${d.url}/command/report`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })
    assert.equal(res.status, 400, `${what}: ${res.text}`)
  }
  // Checked only once every request has been answered: the report function runs before the answer.
  assert.equal(existsSync(callLog), false, 'the report function ran for a rejected report')
  const stats = jsonOf(await request(`${d.url}/command/stats`))
  assert.equal(stats.reports, 0)
  // A good report proves the report function does write when it runs.
  assert.equal((await request(`${d.url}/command/report`, { body: reportBody() })).status, 200)
  assert.equal((await records(callLog)).length, 1)
})

test('rejection reasons name the offending field', async () => {
  for (const [what, body, expected] of BAD) {
    const res = await request(`${d.url}/?command=report`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })
    const json = jsonOf(res)
    assert.equal(json.status, 'failure', what)
    assert.equal(typeof json.reason, 'string')
    assert.ok(json.reason.includes(expected), `${what}: reason ${JSON.stringify(json.reason)} should mention ${expected}`)
  }
})

test('rejections are counted by field in trackalert_report_rejected_total', async () => {
  const metrics = (await request(`${d.url}/metrics`)).text
  const count = (reason: string): number => Number(new RegExp(`^trackalert_report_rejected_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0)
  // Both earlier tests sent every bad body once.
  assert.equal(count('login'), 2 * 5)
  assert.equal(count('success'), 2 * 4)
  assert.ok(count('attrs') >= 2 * 9, metrics)
})

/** Sends one good report and returns what Lua saw. */
async function seen (body: Record<string, unknown>): Promise<Map<string, string>> {
  const before = (await records(callLog)).length
  const res = await request(`${d.url}/command/report`, { body })
  assert.equal(res.status, 200, res.text)
  const all = await records(callLog)
  assert.equal(all.length, before + 1)
  return all[all.length - 1]
}

test('every LoginTuple field reaches Lua with the right type', async () => {
  const lt = await seen({
    login: 'bob', remote: '198.51.100.23', pwhash: 'f00d', success: false, t: 1700000000.25, policy_reject: true,
    protocol: 'imap', tls: true, device_id: 'ua/1.0', device_attrs: { 'os.family': 'Linux', 'browser.family': 'Firefox' },
    session_id: 'sess-1', fail_type: 'credentials', attrs: { k: 'v', groups: ['admin', 'staff'], empty: [] },
    type: 'wforce_report'
  })
  assert.deepEqual(Object.fromEntries(lt), {
    'lt.attrs.k': 'string:v',
    'lt.attrs_mv.empty': 'table:{}',
    'lt.attrs_mv.groups.1': 'string:admin',
    'lt.attrs_mv.groups.2': 'string:staff',
    'lt.device_attrs.browser.family': 'string:Firefox',
    'lt.device_attrs.os.family': 'string:Linux',
    'lt.device_id': 'string:ua/1.0',
    'lt.fail_type': 'string:credentials',
    'lt.login': 'string:bob',
    'lt.policy_reject': 'boolean:true',
    'lt.protocol': 'string:imap',
    'lt.pwhash': 'string:f00d',
    'lt.remote': 'ComboAddress:198.51.100.23',
    'lt.session_id': 'string:sess-1',
    'lt.success': 'boolean:false',
    'lt.t': 'float:1700000000.25',
    'lt.tls': 'boolean:true'
  })
})

test('optional fields default to empty strings, false and empty tables', async () => {
  const start = Date.now() / 1000
  const lt = await seen(reportBody({ login: 'carol' }))
  const end = Date.now() / 1000
  const t = lt.get('lt.t') ?? ''
  assert.match(t, /^(float|integer):/)
  const tv = Number(t.slice(t.indexOf(':') + 1))
  assert.ok(tv >= Math.floor(start) - 1 && tv <= end + 1, `lt.t ${tv} not in [${start}, ${end}]`)
  lt.delete('lt.t')
  assert.deepEqual(Object.fromEntries(lt), {
    'lt.attrs': 'table:{}',
    'lt.attrs_mv': 'table:{}',
    'lt.device_attrs': 'table:{}',
    'lt.device_id': 'string:',
    'lt.fail_type': 'string:',
    'lt.login': 'string:carol',
    'lt.policy_reject': 'boolean:false',
    'lt.protocol': 'string:',
    'lt.pwhash': 'string:abcd',
    'lt.remote': 'ComboAddress:192.0.2.1',
    'lt.session_id': 'string:',
    'lt.success': 'boolean:true',
    'lt.tls': 'boolean:false'
  })
})

test('lt.t is taken from the body as sent, integers included', async () => {
  // Integral times may arrive as Lua integers or floats; the value is what counts.
  assert.match((await seen(reportBody({ t: 1234567890 }))).get('lt.t') ?? '', /^(float|integer):1234567890$/)
  assert.match((await seen(reportBody({ t: 0 }))).get('lt.t') ?? '', /^(float|integer):0$/)
  assert.equal((await seen(reportBody({ t: 1795537046.032435 }))).get('lt.t'), 'float:1795537046.0324349')
})

test('IPv4-mapped remotes become IPv4 in Lua; IPv6 is canonicalised', async () => {
  const cases: Array<[string, string]> = [
    ['::ffff:192.0.2.9', '192.0.2.9'],
    ['::FFFF:198.51.100.1', '198.51.100.1'],
    ['::ffff:c000:20a', '192.0.2.10'],
    ['2001:DB8:0:0::1', '2001:db8::1'],
    ['::1', '::1']
  ]
  for (const [remote, expected] of cases) {
    assert.equal((await seen(reportBody({ remote }))).get('lt.remote'), `ComboAddress:${expected}`, remote)
  }
})

test('string attrs go to lt.attrs and arrays to lt.attrs_mv, never both', async () => {
  const lt = await seen(reportBody({ attrs: { one: 'x', many: ['a', 'b', 'c'], single: ['only'] } }))
  assert.equal(lt.get('lt.attrs.one'), 'string:x')
  assert.equal(lt.get('lt.attrs.many'), undefined)
  assert.equal(lt.get('lt.attrs.single'), undefined)
  assert.equal(lt.get('lt.attrs_mv.many.3'), 'string:c')
  assert.equal(lt.get('lt.attrs_mv.single.1'), 'string:only')
  assert.equal(lt.get('lt.attrs_mv.one'), undefined)
})

test('unicode and special characters survive into Lua', async () => {
  const lt = await seen(reportBody({ login: 'zoë@例え.jp', attrs: { 'key with "quotes"': 'tab\there' } }))
  assert.equal(lt.get('lt.login'), 'string:zoë@例え.jp')
  assert.equal(lt.get('lt.attrs.key with "quotes"'), 'string:tab\there')
})
