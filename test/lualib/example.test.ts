import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { cp, mkdtemp, readFile, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LuaLibrary } from '../../src/lualib/index.ts'
import { berlin, london, mountainView } from '../geoip/fixtures.ts'
import { writeMmdb } from '../geoip/mmdb-writer.ts'
import { startFakeEs, type FakeEs } from './fake-es.ts'
import { callCustom, callReport, createHarness, repoRoot, type Harness } from './harness.ts'
import { startSmtp, type TestSmtp } from './smtp.ts'

const NOW = 1_700_000_000
const DAY = 86400
const cwd = process.cwd()

let dir: string
let es: FakeEs
let smtp: TestSmtp
let lib: LuaLibrary
let h: Harness

before(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'lualib-example-')))
  await cp(join(repoRoot(), 'examples', 'new-country'), dir, { recursive: true })
  await writeMmdb(join(dir, 'city.mmdb'), [
    { network: '192.0.2.0/24', data: mountainView }, // US
    { network: '198.51.100.0/24', data: london }, // GB
    { network: '198.51.100.128/25', data: berlin } // DE
  ], { ipVersion: 6, databaseType: 'GeoLite2-City' })
  es = await startFakeEs({
    logins: [
      { login: 'alice@example.com', country: 'DE', t: NOW - 2 * DAY },
      { login: 'alice@example.com', country: 'DE', t: NOW - 10 * DAY },
      { login: 'alice@example.com', country: 'GB', t: NOW - 30 * DAY },
      { login: 'alice@example.com', country: 'US', t: NOW - 200 * DAY }, // older than 90 days: forgotten
      { login: 'bob', country: 'US', t: NOW - DAY }
    ]
  })
  smtp = await startSmtp()
  // os.getenv in Lua sees the environment of the process when the WebAssembly module first loads.
  process.env.TA_GEOIP_CITY = join(dir, 'city.mmdb')
  process.env.TA_ES_URL = es.url
  process.env.TA_SMTP_PORT = String(smtp.port)
  process.chdir(dir)
  lib = new LuaLibrary()
  h = await createHarness({ dir, modules: lib.modules, config: await readFile(join(dir, 'trackalert.conf'), 'utf8') })
})

after(async () => {
  process.chdir(cwd)
  await lib.close(1000)
  await smtp.close()
  await es.close()
  await rm(dir, { recursive: true, force: true })
})

const report = (login: string, remote: string, extra: Record<string, unknown> = {}): Promise<unknown> =>
  callReport(h, h.states[1], { login, remote, t: NOW, success: true, ...extra })

test('a login from a known country sends nothing', async () => {
  await report('alice@example.com', '198.51.100.200') // DE
  await report('alice@example.com', '198.51.100.7') // GB
  const search = es.requests.at(-1)?.body as { query: { bool: { filter: unknown[] } } }
  assert.deepEqual(search.query.bool.filter, [{ term: { login: 'alice@example.com' } }, { range: { t: { gte: NOW - 90 * DAY } } }])
  await lib.mail.whenIdle()
  assert.equal(smtp.mails.length, 0)
})

test('a login from a new country mails the user, naming the address, the country and the known ones', async () => {
  await report('alice@example.com', '192.0.2.44') // US: only seen 200 days ago
  await smtp.waitFor(1)
  const mail = smtp.mails[0]
  assert.deepEqual(mail.to, ['alice@example.com'])
  assert.equal(mail.from, 'security@example.com')
  assert.match(mail.raw, /^Subject: New sign-in to your account from US$/m)
  assert.match(mail.raw, /used from 192\.0\.2\.44 \(US\)/)
  assert.match(mail.raw, /recently \(DE, GB\)/)
  assert.match(mail.raw, /Time: 2023-11-14 22:13:20 UTC/)
})

test('no alert for failed logins, users without history, unknown addresses or when ES is down', async () => {
  await report('alice@example.com', '192.0.2.44', { success: false })
  await report('carol@example.com', '192.0.2.44')
  await report('alice@example.com', '10.1.2.3')
  const requests = es.requests.length
  await es.close()
  await report('alice@example.com', '192.0.2.45') // fails open: logged and counted, no error to the caller
  await lib.mail.whenIdle()
  assert.equal(smtp.mails.length, 1)
  assert.equal(es.requests.length, requests)
})

test('the custom endpoint answers from the same aggregation (and reports ES trouble)', async () => {
  es = await startFakeEs({ logins: [{ login: 'bob', country: 'US', t: Math.floor(Date.now() / 1000) - DAY }] })
  // The config's URL points at the closed server: reconfigure the shared client as the config state would.
  lib.es.configure({ url: es.url, timeoutMs: 2000 })
  assert.deepEqual(await callCustom(h, h.states[2], 'knownCountries', { login: 'bob' }), [true, { countries: 'US' }])
  assert.deepEqual(await callCustom(h, h.states[2], 'knownCountries', {}), [false, { error: 'attrs.login is required' }])
})
