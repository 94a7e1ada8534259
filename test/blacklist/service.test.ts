import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { type Alert } from '../../src/alerts/types.ts'
import { parseWforceBlacklistConfig, WforceBlacklist, type WforceBlacklistConfig } from '../../src/blacklist/index.ts'
import { defaultTlsSettings } from '../../src/outbound/index.ts'
import { eventually } from '../helpers/poll.ts'
import { captureLogs } from '../webhooks/helpers.ts'
import { FakeWforce } from './fake-wforce.ts'

let nextId = 1
function alert (type: string, remote: string | null, extra: Partial<Alert> = {}): Alert {
  return { id: nextId++, type, severity: 'high', login: null, remote, t: 1_700_000_000, evidence: {}, suppressed: 0, ...extra }
}

async function wforce (t: TestContext, password = 'wfpass'): Promise<FakeWforce> {
  const server = new FakeWforce(password)
  await server.start()
  t.after(() => server.stop())
  return server
}

interface Setup { blacklist: WforceBlacklist, clock: { ms: number } }

function makeBlacklist (t: TestContext, options: Record<string, unknown>): Setup & { config: WforceBlacklistConfig } {
  const clock = { ms: 1_700_000_000_000 }
  const blacklist = new WforceBlacklist({ now: () => clock.ms, retryBaseDelayMs: 20, retryMaxDelayMs: 100 })
  const config = parseWforceBlacklistConfig({ on: ['password_spray', 'credential_stuffing'], refresh_secs: 0, ...options })
  blacklist.activate(config, defaultTlsSettings())
  t.after(() => blacklist.drain(1000))
  return { blacklist, clock, config }
}

const settled = (b: WforceBlacklist): Promise<void> => b.delivery.whenIdle()

test('an IP-level alert of a listed type adds the IP, a prefix adds the netmask, each with expiry and a reason naming the alert', async (t) => {
  const server = await wforce(t)
  const { blacklist } = makeBlacklist(t, { url: server.url, password: 'wfpass', expire_secs: 600 })
  await blacklist.refresh()
  const spray = alert('password_spray', '198.51.100.7')
  const stuffing = alert('credential_stuffing', '203.0.113.0/24')
  blacklist.onAlert(spray)
  blacklist.onAlert(stuffing)
  blacklist.onAlert(alert('impossible_travel', '198.51.100.8'))
  await eventually(() => server.entries.length === 2, 'two entries')
  await settled(blacklist)
  assert.deepEqual(server.entries, [
    { ip: '198.51.100.7', expire_secs: 600, reason: `trackalert password_spray alert ${spray.id}` },
    { netmask: '203.0.113.0/24', expire_secs: 600, reason: `trackalert credential_stuffing alert ${stuffing.id}` }
  ])
  assert.equal(blacklist.figures().added, 2)
  assert.equal(blacklist.figures().decisions.queued, 2)
})

test('login-level alerts block the login only when on_login lists their type', async (t) => {
  const server = await wforce(t)
  const { blacklist } = makeBlacklist(t, { url: server.url, password: 'wfpass', on_login: ['account_takeover'] })
  blacklist.onAlert(alert('password_spray', '198.51.100.7', { login: 'alice' }))
  blacklist.onAlert(alert('account_takeover', '198.51.100.9', { login: 'bob' }))
  await eventually(() => server.entries.length === 1, 'one entry')
  await settled(blacklist)
  assert.deepEqual(server.entries.map((e) => [e.login, e.ip]), [['bob', undefined]])
})

test('safety: never-block networks, shared sources and entries wforce already holds are not sent', async (t) => {
  const server = await wforce(t)
  server.entries.push({ ip: '192.0.2.200', expire_secs: 3600, reason: 'added by hand' })
  const logs = captureLogs(t)
  const { blacklist } = makeBlacklist(t, { url: server.url, password: 'wfpass', never: ['198.51.100.0/24', '2001:db8::/32'] })
  await blacklist.refresh()
  blacklist.onAlert(alert('password_spray', '198.51.100.7'))
  // A prefix that overlaps a never-block network is never blocked either.
  blacklist.onAlert(alert('password_spray', '198.51.0.0/16'))
  blacklist.onAlert(alert('password_spray', '2001:db8::5'))
  blacklist.onAlert(alert('password_spray', '203.0.113.9', { evidence: { shared: true } }))
  blacklist.onAlert(alert('password_spray', '192.0.2.200'))
  blacklist.onAlert(alert('password_spray', '192.0.2.201'))
  blacklist.onAlert(alert('credential_stuffing', '192.0.2.201'))
  await settled(blacklist)
  assert.deepEqual(server.entries.map((e) => e.ip), ['192.0.2.200', '192.0.2.201'])
  const d = blacklist.figures().decisions
  assert.deepEqual([d.skipped_never, d.skipped_shared, d.duplicate, d.queued], [3, 1, 2, 1])
  assert.ok(logs.some((l) => l.message === 'wforce blacklist entry skipped' && String(l.fields?.reason).includes('never-block network 198.51.100.0/24')))
})

test('the per-minute cap skips entries beyond it until the minute has passed', async (t) => {
  const server = await wforce(t)
  const { blacklist, clock } = makeBlacklist(t, { url: server.url, password: 'wfpass', max_per_minute: 2 })
  for (const last of [1, 2, 3]) blacklist.onAlert(alert('password_spray', `198.51.100.${last}`))
  assert.equal(blacklist.figures().decisions.skipped_cap, 1)
  clock.ms += 60_001
  blacklist.onAlert(alert('password_spray', '198.51.100.3'))
  await eventually(() => server.entries.length === 3, 'three entries')
  assert.deepEqual(server.entries.map((e) => e.ip), ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
})

test('dry run logs and counts what it would block and sends nothing', async (t) => {
  const server = await wforce(t)
  const logs = captureLogs(t)
  const { blacklist } = makeBlacklist(t, { url: server.url, password: 'wfpass', dry_run: true })
  blacklist.onAlert(alert('password_spray', '198.51.100.7'))
  blacklist.onAlert(alert('password_spray', '198.51.100.7'))
  await settled(blacklist)
  assert.equal(server.adds.length, 0)
  assert.equal(blacklist.figures().decisions.dry_run, 1)
  assert.equal(blacklist.figures().decisions.duplicate, 1)
  assert.ok(logs.some((l) => l.message === 'wforce blacklist dry run: would add' && l.fields?.ip === '198.51.100.7'))
  assert.match(blacklist.showText(), /DRY RUN/)
})

test('several wforce instances each get the entry; one that already holds it is skipped', async (t) => {
  const [a, b] = [await wforce(t), await wforce(t)]
  b.entries.push({ netmask: '203.0.113.0/24', expire_secs: 3600, reason: 'by hand' })
  const { blacklist } = makeBlacklist(t, { url: [a.url, b.url], password: 'wfpass' })
  await blacklist.refresh()
  blacklist.onAlert(alert('password_spray', '198.51.100.7'))
  blacklist.onAlert(alert('credential_stuffing', '203.0.113.0/24'))
  await settled(blacklist)
  assert.deepEqual(a.keys(), ['ip:198.51.100.7', 'netmask:203.0.113.0/24'])
  assert.deepEqual(b.keys(), ['netmask:203.0.113.0/24', 'ip:198.51.100.7'])
  assert.equal(blacklist.figures().added, 3)
})

test('an outage: entries wait and are delivered once wforce is back; logged once per outage', async (t) => {
  const server = await wforce(t)
  const logs = captureLogs(t)
  const { blacklist } = makeBlacklist(t, { url: server.url, password: 'wfpass' })
  await server.stop()
  for (const last of [1, 2, 3]) blacklist.onAlert(alert('password_spray', `198.51.100.${last}`))
  await eventually(() => blacklist.delivery.counts.retries >= 6, 'several failed attempts')
  await server.start()
  await eventually(() => server.entries.length === 3, 'the queued entries after the outage')
  const down = logs.filter((l) => l.message.startsWith('wforce unreachable'))
  assert.equal(down.length, 1, 'one line for the outage')
  assert.ok(logs.some((l) => l.message === 'wforce accepts blacklist requests again'))
  assert.equal(blacklist.figures().outages, 1)
  assert.equal(blacklist.figures().failed, 0)
})

test('a wrong password is refused by wforce: not retried, counted as failed, logged once', async (t) => {
  const server = await wforce(t)
  const logs = captureLogs(t)
  const { blacklist } = makeBlacklist(t, { url: server.url, password: 'wrong' })
  blacklist.onAlert(alert('password_spray', '198.51.100.1'))
  blacklist.onAlert(alert('password_spray', '198.51.100.2'))
  await settled(blacklist)
  assert.equal(server.entries.length, 0)
  assert.equal(blacklist.figures().failed, 2)
  assert.equal(logs.filter((l) => l.message.startsWith('wforce refuses blacklist requests')).length, 1)
  // Not delivered, so not remembered: the next alert for the source tries again.
  blacklist.onAlert(alert('password_spray', '198.51.100.1'))
  assert.equal(blacklist.figures().decisions.queued, 3)
})

test('Lua-style requests: validated, same safety rules, any listed type not needed', async (t) => {
  const server = await wforce(t)
  const { blacklist } = makeBlacklist(t, { url: server.url, password: 'wfpass', never: ['192.0.2.0/24'] })
  assert.deepEqual(blacklist.request({ login: 'mallory', expire_secs: 60, reason: 'site policy' }), { ok: true, decision: 'queued', reason: 'queued for 1 wforce instance(s)' })
  assert.equal(blacklist.request({ ip: '192.0.2.9' }).decision, 'skipped_never')
  assert.equal(blacklist.request({ login: 'mallory' }).decision, 'duplicate')
  assert.throws(() => blacklist.request({ ip: '192.0.2.9', netmask: '192.0.2.0/24' }), /mutually exclusive/)
  assert.throws(() => blacklist.request({ ip: 'not-an-ip' }), /not an IP address/)
  assert.throws(() => blacklist.request({ ip: '198.51.100.1', expire_secs: 0 }), /expire_secs/)
  await settled(blacklist)
  assert.deepEqual(server.entries, [{ login: 'mallory', expire_secs: 60, reason: 'site policy' }])
})

test('bad setWforceBlacklist tables are refused with a message naming the problem', () => {
  const base = { url: 'http://127.0.0.1:8084', password: 'x', on: ['password_spray'] }
  assert.throws(() => parseWforceBlacklistConfig({ ...base, url: 'ftp://x' }), /must use http or https/)
  assert.throws(() => parseWforceBlacklistConfig({ ...base, password: undefined }), /"password"/)
  assert.throws(() => parseWforceBlacklistConfig({ ...base, on: [] }), /nothing would ever be blocked/)
  assert.throws(() => parseWforceBlacklistConfig({ ...base, never: ['10.0.0.0/33'] }), /not an IP address or CIDR network/)
  assert.throws(() => parseWforceBlacklistConfig({ ...base, expire: 5 }), /unknown option "expire"/)
  assert.throws(() => parseWforceBlacklistConfig({ ...base, max_per_minute: 0 }), /positive integer/)
  assert.deepEqual(parseWforceBlacklistConfig({ ...base, url: ['http://a:1/', 'http://b:2/wf/'] }).urls, ['http://a:1', 'http://b:2/wf'])
})
