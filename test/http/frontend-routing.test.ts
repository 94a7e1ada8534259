import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { commandName } from '../../src/http/server.ts'
import { parseNetmask, type Netmask } from '../../src/net/index.ts'
import { PASSWORD } from '../helpers/daemon.ts'
import { rawRequest, reportBody } from '../helpers/http-client.ts'
import { startFrontend, type FrontendUnderTest } from './harness.ts'

const CONFIG = `
setNumLuaStates(1)
local last = ""
setReport(function(lt) last = lt.login end)
setCustomEndpoint("last", function(args) return true, { login = last } end)
`

let f: FrontendUnderTest

before(async () => { f = await startFrontend(CONFIG) })
after(() => f?.close())

const both = (name: string): string[] => [`/command/${name}`, `/?command=${name}`]

test('commandName: /command/NAME and the legacy /?command=NAME, anything else names nothing', () => {
  assert.equal(commandName('/command/report'), 'report')
  assert.equal(commandName('/command/with.dots?x=1'), 'with.dots')
  assert.equal(commandName('/?command=stats'), 'stats')
  assert.equal(commandName('/?x=1&command=stats'), 'stats')
  assert.equal(commandName('/other?command=stats'), '')
  assert.equal(commandName('/'), '')
  assert.equal(commandName('/?x=1'), '')
})

test('a report on either URL form reaches the report function; a custom endpoint answers with its results', async () => {
  for (const [i, path] of both('report').entries()) {
    const res = await rawRequest(f.url + path, { body: reportBody({ login: `user${i}` }) })
    assert.equal(res.status, 200, path)
    assert.deepEqual(res.body, { status: 'ok' })
    assert.equal(res.headers['content-type'], 'application/json')
    assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.text)))
    const last = await rawRequest(`${f.url}/command/last`, { body: { attrs: {} } })
    assert.deepEqual(last.body, { success: true, r_attrs: { login: `user${i}` } })
  }
})

test('livez and readyz need no password; readyz says 503 until the app is ready', async () => {
  for (const path of [...both('livez'), ...both('readyz')]) {
    assert.deepEqual((await rawRequest(f.url + path, { auth: false })).body, { status: 'ok' }, path)
  }
  f.ready = false
  try {
    const res = await rawRequest(`${f.url}/command/readyz`, { auth: false })
    assert.equal(res.status, 503)
    assert.deepEqual(res.body, { status: 'failure', reason: 'Not ready' })
  } finally {
    f.ready = true
  }
})

test('a command that does not exist is 404 with the password, 401 without', async () => {
  const before = await f.refused('not_found')
  const res = await rawRequest(`${f.url}/command/nosuch`, { body: {} })
  assert.equal(res.status, 404)
  assert.deepEqual(res.body, { status: 'failure', reason: 'Not found' })
  assert.equal((await rawRequest(`${f.url}/nothing/here`)).status, 404)
  assert.equal(await f.refused('not_found'), before + 2)
  assert.equal((await rawRequest(`${f.url}/command/nosuch`, { body: {}, auth: false })).status, 401)
})

test('the wrong method is 405 with Allow; HEAD counts as GET', async () => {
  const post = await rawRequest(`${f.url}/command/stats`, { body: {} })
  assert.equal(post.status, 405)
  assert.equal(post.headers.allow, 'GET')
  assert.deepEqual(post.body, { status: 'failure', reason: 'Method POST not allowed' })
  const get = await rawRequest(`${f.url}/command/report`)
  assert.equal(get.status, 405)
  assert.equal(get.headers.allow, 'POST')
  const head = await rawRequest(`${f.url}/command/livez`, { method: 'HEAD', auth: false })
  assert.equal(head.status, 200)
  assert.equal(head.text, '')
})

test('Basic auth: missing, wrong or non-Basic credentials are 401 with a challenge, each counted', async () => {
  const before = await f.refused('auth')
  for (const auth of [false, 'wrong', { header: `Bearer ${PASSWORD}` }, { header: 'Basic !!!' }] as const) {
    const res = await rawRequest(`${f.url}/command/stats`, { auth })
    assert.equal(res.status, 401, JSON.stringify(auth))
    assert.equal(res.headers['www-authenticate'], 'Basic realm="wforce"')
    assert.deepEqual(res.body, { status: 'failure', reason: 'Unauthorized' })
  }
  assert.equal(await f.refused('auth'), before + 4)
  // Upstream ignores the user name; the password is everything after the first ':'.
  assert.equal((await rawRequest(`${f.url}/command/stats`, { auth: { header: 'Basic ' + Buffer.from(`:${PASSWORD}`).toString('base64') } })).status, 200)
})

test('a password change applies to the next request; /metrics opens with setMetricsNoPassword', async () => {
  const settings = f.loaded.gen.settings
  settings.webserverPassword = 'changed'
  try {
    assert.equal((await rawRequest(`${f.url}/command/stats`)).status, 401)
    assert.equal((await rawRequest(`${f.url}/command/stats`, { auth: 'changed' })).status, 200)
  } finally {
    settings.webserverPassword = PASSWORD
  }
  assert.equal((await rawRequest(`${f.url}/metrics`, { auth: false })).status, 401)
  settings.metricsNoPassword = true
  try {
    const res = await rawRequest(`${f.url}/metrics?x=1`, { auth: false })
    assert.equal(res.status, 200)
    assert.match(res.text, /^trackalert_reports_total/m)
  } finally {
    settings.metricsNoPassword = false
  }
})

test('the ACL is checked before anything else, public routes included, and changes apply at once', async () => {
  const settings = f.loaded.gen.settings
  const saved = settings.acl
  const before = await f.refused('acl')
  settings.acl = [parseNetmask('127.0.0.2/32') as Netmask]
  try {
    const refused = await rawRequest(`${f.url}/command/livez`, { auth: false })
    assert.equal(refused.status, 401)
    assert.deepEqual(refused.body, { status: 'failure', reason: 'Source IP Address not in ACL', ip: '127.0.0.1' })
    assert.equal((await rawRequest(`${f.url}/command/livez`, { auth: false, localAddress: '127.0.0.2' })).status, 200)
    assert.equal(await f.refused('acl'), before + 1)
  } finally {
    settings.acl = saved
  }
  assert.equal((await rawRequest(`${f.url}/command/livez`, { auth: false })).status, 200)
})
