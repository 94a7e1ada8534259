import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, request, type RunningDaemon } from '../helpers/daemon.ts'
import { jsonOf } from '../helpers/http-client.ts'

const CONFIG = `
setCustomEndpoint("yes", function(args) return true end)
setCustomEndpoint("no", function(args) return false end)
setCustomEndpoint("nothing", function(args) end)
setCustomEndpoint("strings", function(args) return true, { a = "x", b = "" } end)
setCustomEndpoint("numbers", function(args) return false, { int = 42, float = 1.5, neg = -7 } end)
setCustomEndpoint("notatable", function(args) return true, "just a string" end)
setCustomEndpoint("echo", function(args)
  local out = {}
  for k, v in pairs(args.attrs) do out["s." .. k] = v end
  for k, v in pairs(args.attrs_mv) do out["m." .. k] = table.concat(v, "|") .. "#" .. #v end
  return true, out
end)
setCustomEndpoint("with.dots-and_dash", function(args) return true, { ok = "1" } end)
`

let d: RunningDaemon

before(async () => { d = await startDaemon({ config: CONFIG }) })
after(() => d?.stop())

const call = async (name: string, body: unknown): Promise<{ status: number, body: any }> => { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await request(`${d.url}/command/${name}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: res.status, body: jsonOf(res) }
}

test('the boolean result becomes "success"; no second result gives empty r_attrs', async () => {
  assert.deepEqual(await call('yes', { attrs: {} }), { status: 200, body: { success: true, r_attrs: {} } })
  assert.deepEqual(await call('no', { attrs: {} }), { status: 200, body: { success: false, r_attrs: {} } })
  assert.deepEqual(await call('nothing', { attrs: {} }), { status: 200, body: { success: false, r_attrs: {} } })
  assert.deepEqual(await call('notatable', { attrs: {} }), { status: 200, body: { success: true, r_attrs: {} } })
})

test('string r_attrs are returned as they are', async () => {
  assert.deepEqual(await call('strings', { attrs: {} }), { status: 200, body: { success: true, r_attrs: { a: 'x', b: '' } } })
})

test('numeric r_attrs values are returned as strings, as upstream does', async () => {
  assert.deepEqual(await call('numbers', { attrs: {} }), { status: 200, body: { success: false, r_attrs: { int: '42', float: '1.5', neg: '-7' } } })
})

test('attrs arrive split into attrs (strings) and attrs_mv (arrays)', async () => {
  const res = await call('echo', { attrs: { login: 'alice', groups: ['a', 'b'], none: [] } })
  assert.deepEqual(res, { status: 200, body: { success: true, r_attrs: { 's.login': 'alice', 'm.groups': 'a|b#2', 'm.none': '#0' } } })
  // No attrs at all is the same as empty attrs.
  assert.deepEqual(await call('echo', {}), { status: 200, body: { success: true, r_attrs: {} } })
})

test('endpoint names may contain dots, dashes and underscores', async () => {
  assert.deepEqual(await call('with.dots-and_dash', {}), { status: 200, body: { success: true, r_attrs: { ok: '1' } } })
  const legacy = await request(`${d.url}/?command=with.dots-and_dash`, { body: {} })
  assert.equal(legacy.status, 200)
})

test('bad input is 400 with success false and a reason', async () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['invalid JSON', '{"attrs": ', /^Invalid JSON/],
    ['empty body', '', /^Invalid JSON/],
    ['array body', '[]', /object/],
    ['string body', '"x"', /object/],
    ['null body', 'null', /object/],
    ['attrs is a string', { attrs: 'x' }, /'attrs'/],
    ['attrs is an array', { attrs: ['x'] }, /'attrs'/],
    ['attrs value is a number', { attrs: { n: 1 } }, /attrs\.n/],
    ['attrs array holds a number', { attrs: { g: ['a', 1] } }, /attrs\.g\[1\]/]
  ]
  for (const [what, body, reason] of cases) {
    const res = await call('yes', body)
    assert.equal(res.status, 400, what)
    assert.deepEqual(Object.keys(res.body).sort(), ['reason', 'success'], what)
    assert.equal(res.body.success, false, what)
    assert.match(res.body.reason, reason, what)
  }
})

test('custom endpoint calls are counted in commandstats under their name', async () => {
  const before = jsonOf(await request(`${d.url}/command/stats`)).commandstats
  await call('yes', {})
  await call('yes', {})
  await request(`${d.url}/?command=no`, { body: {} })
  const after = jsonOf(await request(`${d.url}/command/stats`)).commandstats
  assert.equal(after.yes, before.yes + 2)
  assert.equal(after.no, before.no + 1)
  assert.ok('with.dots-and_dash' in after)
})
