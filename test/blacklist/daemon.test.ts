import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request, startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { eventually } from '../helpers/poll.ts'
import { freePort } from '../helpers/ports.ts'
import { consoleConfig, consoleExec, scrape, sample, writeClientConfig } from '../integration/helpers.ts'
import { FakeWforce } from './fake-wforce.ts'

const BLOCK_ENDPOINT = `
setCustomEndpoint("block", function(args)
  local ok, why = wforceBlacklist{ ip = args.attrs.ip, reason = "site policy" }
  return ok, { why = why }
end)
`

function blacklistConfig (urls: readonly string[], extra = ''): string {
  const list = urls.map((u) => `"${u}"`).join(', ')
  return `setWforceBlacklist{ url = { ${list} }, password = "wfpass", on = { "password_spray" },
  expire_secs = 900, never = { "192.0.2.0/24" }, refresh_secs = 0 ${extra} }\n${BLOCK_ENDPOINT}`
}

async function block (d: RunningDaemon, ip: string): Promise<unknown> {
  return (await request(`${d.url}/command/block`, { body: { attrs: { ip } } })).body
}

test('wforceBlacklist{} from Lua reaches every wforce instance; metrics and the console show it', async (t) => {
  const servers = [new FakeWforce(), new FakeWforce()]
  for (const s of servers) { await s.start(); t.after(() => s.stop()) }
  const { key, lines } = consoleConfig()
  const d = await startDaemon({ config: lines + blacklistConfig(servers.map((s) => s.url)) })
  t.after(() => d.stop('SIGTERM', 5000))

  assert.deepEqual(await block(d, '198.51.100.7'), { success: true, r_attrs: { why: 'queued for 2 wforce instance(s)' } })
  assert.deepEqual(await block(d, '192.0.2.9'), {
    success: false, r_attrs: { why: 'ip:192.0.2.9 is within the never-block network 192.0.2.0/24' }
  })
  assert.deepEqual(await block(d, '198.51.100.7'), { success: true, r_attrs: { why: 'ip:198.51.100.7 is already blocked' } })
  await eventually(() => servers.every((s) => s.entries.length === 1), 'the entry on both instances')
  for (const s of servers) assert.deepEqual(s.entries, [{ ip: '198.51.100.7', expire_secs: 900, reason: 'site policy' }])

  await eventually(async () => sample(await scrape(d), 'trackalert_wforce_blacklist_total', { result: 'added' }) === 2, 'added=2 in /metrics')
  const families = await scrape(d)
  assert.equal(sample(families, 'trackalert_wforce_blacklist_total', { result: 'skipped_never' }), 1)
  assert.equal(sample(families, 'trackalert_wforce_blacklist_total', { result: 'duplicate' }), 1)

  const client = await writeClientConfig(d, key)
  const shown = await consoleExec(client, 'showWforceBlacklist()')
  assert.equal(shown.code, 0, shown.stderr)
  assert.match(shown.stdout, /wforce blacklist: on/)
  for (const s of servers) assert.match(shown.stdout, new RegExp(`${s.url} +ok`))
  assert.match(shown.stdout, /added 2 +failed 0/)
  assert.match((await consoleExec(client, 'help()')).stdout, /showWforceBlacklist\(\) +the wforce blacklist/)
})

test('entries queued while wforce is down survive a reload and arrive once it is back; the outage is logged once', async (t) => {
  const port = await freePort()
  const server = new FakeWforce()
  t.after(() => server.stop())
  const d = await startDaemon({ config: blacklistConfig([`http://127.0.0.1:${port}`]) })
  t.after(() => d.stop('SIGTERM', 5000))
  assert.deepEqual(await block(d, '198.51.100.1'), { success: true, r_attrs: { why: 'queued for 1 wforce instance(s)' } })
  assert.deepEqual(await block(d, '198.51.100.2'), { success: true, r_attrs: { why: 'queued for 1 wforce instance(s)' } })
  await d.waitForOutput('wforce unreachable')
  d.child.kill('SIGHUP')
  await d.waitForOutput('configuration reloaded', 30_000)
  // The new configuration's process-wide memory still knows the queued entries.
  assert.deepEqual(await block(d, '198.51.100.1'), { success: true, r_attrs: { why: 'ip:198.51.100.1 is already blocked' } })
  await server.start(port)
  await eventually(() => server.entries.length === 2, 'both entries after the outage', 60_000)
  assert.deepEqual(server.keys().sort(), ['ip:198.51.100.1', 'ip:198.51.100.2'])
  await d.waitForOutput('wforce accepts blacklist requests again')
  assert.equal(d.output().split('wforce unreachable').length - 1, 1, 'one line for the outage')
})

test('a bad setWforceBlacklist table stops the daemon at startup with the reason', async () => {
  const d = await startDaemon({ config: 'setWforceBlacklist{ url = "http://127.0.0.1:8084", password = "x", on = { "password_spray" }, expires = 60 }\n', waitFor: null })
  const code = await d.exited
  assert.notEqual(code, 0)
  assert.match(d.output(), /setWforceBlacklist: unknown option "expires"/)
})

test('alerts accepted by the hub block their source: raiseAlert in a worker reaches wforce through the primary', async (t) => {
  const server = new FakeWforce()
  await server.start()
  t.after(() => server.stop())
  const d = await startDaemon({
    config: `${blacklistConfig([server.url])}
setCustomEndpoint("alert", function(args)
  raiseAlert{ type = args.attrs.type, severity = "high", remote = args.attrs.remote, evidence = { shared = args.attrs.shared == "yes" } }
  return true, {}
end)
`
  })
  t.after(() => d.stop('SIGTERM', 5000))
  const raise = (attrs: Record<string, string>): Promise<unknown> => request(`${d.url}/command/alert`, { body: { attrs } })
  await raise({ type: 'password_spray', remote: '198.51.100.0/24' })
  await raise({ type: 'password_spray', remote: '203.0.113.5', shared: 'yes' })
  await raise({ type: 'risky_thing', remote: '203.0.113.6' })
  await raise({ type: 'password_spray', remote: '203.0.113.7' })
  await eventually(() => server.entries.length === 2, 'two entries from alerts')
  assert.deepEqual(server.entries.map((e) => e.netmask ?? e.ip).sort(), ['198.51.100.0/24', '203.0.113.7'])
  assert.match(server.entries[0].reason, /^trackalert password_spray alert \d+$/)
  await eventually(async () => sample(await scrape(d), 'trackalert_wforce_blacklist_total', { result: 'skipped_shared' }) === 1, 'skipped_shared=1')
})
