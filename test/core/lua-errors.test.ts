import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { startDaemon, request, type RunningDaemon } from '../helpers/daemon.ts'
import { jsonOf, reportBody } from '../helpers/http-client.ts'

const CONFIG = `
addCustomStat("ran")
function report(lt)
  if lt.login == "boom" then
    error("kaboom " .. lt.login) -- MARK:error
  elseif lt.login == "nil-index" then
    local missing = nil
    return missing.field -- MARK:index
  elseif lt.login == "host-error" then
    newCA("not an address") -- MARK:host
  elseif lt.login == "table-error" then
    error({ code = 42 })
  end
  incCustomStat("ran")
end
setReport(report)

function failing(args)
  if args.attrs.how == "host" then
    return newNetmask("nope") -- MARK:custom-host
  end
  error("custom went wrong") -- MARK:custom
end
setCustomEndpoint("failing", failing)
`

let d: RunningDaemon
let lines: Map<string, number>

before(async () => {
  d = await startDaemon({ config: CONFIG })
  const text = await readFile(d.configFile, 'utf8')
  lines = new Map()
  text.split('\n').forEach((line, i) => {
    const m = /-- MARK:(\S+)/.exec(line)
    if (m !== null) lines.set(m[1], i + 1)
  })
})
after(() => d?.stop())

const at = (mark: string): string => `${d.configFile}:${lines.get(mark) ?? 0}:`

async function luaErrors (fn: string): Promise<number> {
  const text = (await request(`${d.url}/metrics`)).text
  const m = new RegExp(`^trackalert_lua_errors_total\\{function="${fn}"\\} (\\d+)$`, 'm').exec(text)
  return m === null ? 0 : Number(m[1])
}

test('a report function that raises still answers 200 ok; the log names file:line and has a traceback', async () => {
  const before = await luaErrors('report')
  const res = await request(`${d.url}/command/report`, { body: reportBody({ login: 'boom' }) })
  assert.equal(res.status, 200)
  assert.deepEqual(jsonOf(res), { status: 'ok' })
  await d.waitForOutput('kaboom boom')
  const line = d.output().split('\n').find((l) => l.includes('kaboom boom')) ?? ''
  assert.match(line, /^err /)
  assert.ok(line.includes(`${at('error')} kaboom boom`), line)
  assert.match(line, /function="report"/)
  assert.match(line, /traceback="stack traceback:/)
  assert.ok(line.split('traceback=')[1].includes(at('error')), `traceback should name ${at('error')}: ${line}`)
  assert.equal(await luaErrors('report'), before + 1)
})

test('runtime errors and host-function errors name the line in the config', async () => {
  const before = await luaErrors('report')
  for (const [login, mark, text] of [['nil-index', 'index', 'attempt to index'], ['host-error', 'host', 'newCA']] as const) {
    const res = await request(`${d.url}/command/report`, { body: reportBody({ login }) })
    assert.equal(res.status, 200)
    await d.waitForOutput(new RegExp(`${at(mark).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} [^"]*${text}`))
  }
  assert.equal(await luaErrors('report'), before + 2)
})

test('an error object that is not a string is still reported', async () => {
  const before = await luaErrors('report')
  const res = await request(`${d.url}/command/report`, { body: reportBody({ login: 'table-error' }) })
  assert.equal(res.status, 200)
  assert.equal(await luaErrors('report'), before + 1)
})

test('the state that raised keeps working for the next reports', async () => {
  // Six states by default: enough failing reports that every state has raised at least once is not
  // guaranteed, so fail a dozen, then check a dozen good ones all run.
  for (let i = 0; i < 12; i++) await request(`${d.url}/command/report`, { body: reportBody({ login: 'boom' }) })
  const ranBefore = jsonOf(await request(`${d.url}/command/stats`)).customstats.ran
  for (let i = 0; i < 12; i++) {
    assert.equal((await request(`${d.url}/command/report`, { body: reportBody({ login: `ok${i}` }) })).status, 200)
  }
  assert.equal(jsonOf(await request(`${d.url}/command/stats`)).customstats.ran, ranBefore + 12)
})

test('a custom endpoint that raises answers 500 with success false and file:line in the reason', async () => {
  const before = await luaErrors('failing')
  const res = await request(`${d.url}/command/failing`, { body: { attrs: {} } })
  assert.equal(res.status, 500)
  const body = jsonOf(res)
  assert.deepEqual(Object.keys(body).sort(), ['reason', 'success'])
  assert.equal(body.success, false)
  assert.equal(body.reason, `${at('custom')} custom went wrong`)
  const host = jsonOf(await request(`${d.url}/?command=failing`, { body: { attrs: { how: 'host' } } }))
  assert.ok(host.reason.startsWith(at('custom-host')), host.reason)
  assert.match(host.reason, /newNetmask/)
  assert.equal(await luaErrors('failing'), before + 2)
})
