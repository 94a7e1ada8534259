import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, request, type RunningDaemon } from '../helpers/daemon.ts'
import { jsonOf, rawRequest, reportBody } from '../helpers/http-client.ts'

const HOOKS = `
addCustomStat("failed")
addCustomStat("unused")
function report(lt)
  if not lt.success then incCustomStat("failed") end
end
setReport(report)
function echo(args)
  return true, { got = args.attrs.x or "" }
end
setCustomEndpoint("echo", echo)
`

let plain: RunningDaemon
// \`small\` also serves the exact-count stats test, which runs before anything else touches it.
let small: RunningDaemon

before(async () => {
  [plain, small] = await Promise.all([
    startDaemon({ config: HOOKS }),
    startDaemon({ config: 'setMaxRequestBodySize(100)\nsetMetricsNoPassword()\n' + HOOKS })
  ])
})
after(() => Promise.all([plain?.stop(), small?.stop()]))

const both = (name: string): string[] => [`/command/${name}`, `/?command=${name}`]

test('report is accepted on /command/report and on the legacy /?command=report', async () => {
  for (const path of both('report')) {
    const res = await request(plain.url + path, { body: reportBody() })
    assert.equal(res.status, 200, path)
    assert.deepEqual(jsonOf(res), { status: 'ok' })
  }
})

test('readyz and livez answer ok without a password, on both URL forms', async () => {
  for (const name of ['readyz', 'livez']) {
    for (const path of both(name)) {
      const res = await request(plain.url + path, { auth: false })
      assert.equal(res.status, 200, path)
      assert.deepEqual(jsonOf(res), { status: 'ok' })
    }
  }
})

test('custom endpoints answer on both URL forms', async () => {
  for (const path of both('echo')) {
    const res = await request(plain.url + path, { body: { attrs: { x: 'hello' } } })
    assert.equal(res.status, 200, path)
    assert.deepEqual(jsonOf(res), { success: true, r_attrs: { got: 'hello' } })
  }
})

test('stats has the upstream shape and exact counts after N reports', async () => {
  const N = 7
  for (let i = 0; i < N; i++) {
    const res = await request(`${small.url}/command/report`, { body: reportBody({ success: i % 2 === 0 }) })
    assert.equal(res.status, 200)
  }
  // One legacy-form report too: it counts as the same command.
  assert.equal((await request(`${small.url}/?command=report`, { body: reportBody({ success: false }) })).status, 200)
  await request(`${small.url}/command/echo`, { body: { attrs: {} } })
  const first = await request(`${small.url}/command/stats`)
  assert.equal(first.status, 200)
  const s = jsonOf(first)
  assert.deepEqual(Object.keys(s).sort(), ['commandstats', 'customstats', 'perfstats', 'reports', 'sys-msec', 'uptime', 'user-msec'])
  assert.equal(s.reports, N + 1)
  for (const k of ['user-msec', 'sys-msec', 'uptime']) assert.ok(Number.isInteger(s[k]) && s[k] >= 0, `${k}=${s[k]}`)
  assert.deepEqual(Object.keys(s.perfstats).sort(), [
    'WTR_0_1', 'WTR_100_1000', 'WTR_10_100', 'WTR_1_10', 'WTR_Slow',
    'WTW_0_1', 'WTW_100_1000', 'WTW_10_100', 'WTW_1_10', 'WTW_Slow'
  ])
  const sum = (prefix: string): number => Object.entries(s.perfstats as Record<string, number>)
    .filter(([k]) => k.startsWith(prefix)).reduce((a, [, v]) => a + v, 0)
  // Every Lua call (8 reports and one custom endpoint) lands in exactly one wait and one run bucket.
  assert.equal(sum('WTW_'), N + 2)
  assert.equal(sum('WTR_'), N + 2)
  assert.deepEqual(s.commandstats, { echo: 1, livez: 0, readyz: 0, report: N + 1, stats: 1 })
  // 4 of the 8 reports were failures: i = 1, 3, 5 and the legacy one.
  assert.deepEqual(s.customstats, { failed: 4, unused: 0 })
  const second = jsonOf(await request(`${small.url}/?command=stats`))
  assert.equal(second.commandstats.stats, 2)
  assert.equal(second.reports, N + 1)
})

test('/metrics needs the password unless setMetricsNoPassword() was called', async () => {
  const denied = await request(`${plain.url}/metrics`, { auth: false })
  assert.equal(denied.status, 401)
  assert.deepEqual(jsonOf(denied), { status: 'failure', reason: 'Unauthorized' })
  const ok = await request(`${plain.url}/metrics`)
  assert.equal(ok.status, 200)
  assert.match(ok.headers.get('content-type') ?? '', /^text\/plain/)
  assert.match(ok.text, /^trackalert_commands_total\{cmd="report"\} \d+$/m)
  const open = await request(`${small.url}/metrics`, { auth: false })
  assert.equal(open.status, 200)
  assert.match(open.text, /trackalert_reports_total/)
})

test('an unknown command is 404 Not found, in every URL form', async () => {
  for (const path of ['/command/nope', '/?command=nope', '/', '/command/', '/nothing/here', '/?other=1']) {
    const res = await request(plain.url + path)
    assert.equal(res.status, 404, path)
    assert.deepEqual(jsonOf(res), { status: 'failure', reason: 'Not found' })
  }
  const post = await request(`${plain.url}/command/nope`, { body: {} })
  assert.equal(post.status, 404)
})

test('a wrong method is 405 with an Allow header', async () => {
  const cases: Array<[string, string, string]> = [
    ['GET', '/command/report', 'POST'],
    ['PUT', '/?command=report', 'POST'],
    ['POST', '/command/stats', 'GET'],
    ['DELETE', '/command/livez', 'GET'],
    ['GET', '/command/echo', 'POST'],
    ['POST', '/metrics', 'GET']
  ]
  for (const [method, path, allow] of cases) {
    const res = await request(plain.url + path, { method, ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }) })
    assert.equal(res.status, 405, `${method} ${path}`)
    assert.equal(res.headers.get('allow'), allow)
    const body = jsonOf(res)
    assert.equal(body.status, 'failure')
    assert.match(body.reason, new RegExp(method))
  }
})

test('HEAD on a GET command answers the headers only', async () => {
  const res = await rawRequest(`${plain.url}/command/livez`, { method: 'HEAD', auth: false })
  assert.equal(res.status, 200)
  assert.equal(res.headers['content-type'], 'application/json')
  assert.equal(res.text, '')
})

/** A valid report body serialised to exactly `size` bytes (padding in an attribute). */
function reportOfSize (size: number): string {
  const base = JSON.stringify(reportBody({ attrs: { pad: '' } }))
  const text = JSON.stringify(reportBody({ attrs: { pad: 'x'.repeat(size - base.length) } }))
  assert.equal(text.length, size)
  return text
}

test('setMaxRequestBodySize(100): 100 bytes pass, 101 bytes are 413', async () => {
  const ok = await rawRequest(`${small.url}/command/report`, { body: reportOfSize(100) })
  assert.equal(ok.status, 200)
  const big = await rawRequest(`${small.url}/command/report`, { body: reportOfSize(101) })
  assert.equal(big.status, 413)
  assert.deepEqual(jsonOf(big), { status: 'failure', reason: 'Request body too large' })
  // Without a Content-Length the limit is enforced while reading.
  const chunked = await rawRequest(`${small.url}/command/report`, { body: reportOfSize(150), headers: { 'transfer-encoding': 'chunked' } })
  assert.equal(chunked.status, 413)
  const custom = await rawRequest(`${small.url}/command/echo`, { body: JSON.stringify({ attrs: { x: 'y'.repeat(200) } }) })
  assert.equal(custom.status, 413)
})

test('the default body limit is 64 KiB', async () => {
  const ok = await rawRequest(`${plain.url}/command/report`, { body: reportOfSize(64 * 1024) })
  assert.equal(ok.status, 200)
  const big = await rawRequest(`${plain.url}/command/report`, { body: reportOfSize(64 * 1024 + 1) })
  assert.equal(big.status, 413)
  assert.equal(jsonOf(big).reason, 'Request body too large')
})

test('failure reasons containing quotes and backslashes are valid JSON', async () => {
  const res = await request(`${plain.url}/command/report`, { body: reportBody({ remote: 'a"b\\c' }) })
  assert.equal(res.status, 400)
  const body = jsonOf(res)
  assert.equal(body.status, 'failure')
  assert.ok(body.reason.includes('a"b\\c'), body.reason)
  const bad = await request(`${plain.url}/command/report`, { body: '{"login": "x"' })
  assert.equal(bad.status, 400)
  assert.match(jsonOf(bad).reason, /^Invalid JSON/)
})
