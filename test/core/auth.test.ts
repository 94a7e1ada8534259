import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { basicAuth, jsonOf, rawRequest, reportBody, type RawResponse } from '../helpers/http-client.ts'

const PW = 'pa:ss:word'
const LISTEN = 'addListener("127.0.0.1:0", false, "", "", {})\n'

let colon: RunningDaemon
let nopw: RunningDaemon

before(async () => {
  [colon, nopw] = await Promise.all([
    startDaemon({ bare: true, config: LISTEN + `setWebserverPassword("${PW}")\n` }),
    startDaemon({ bare: true, config: LISTEN })
  ])
})
after(() => Promise.all([colon?.stop(), nopw?.stop()]))

const stats = (d: RunningDaemon, header: string | null): Promise<RawResponse> =>
  rawRequest(`${d.url}/command/stats`, { auth: header === null ? false : { header } })

function assertUnauthorized (res: RawResponse, what: string): void {
  assert.equal(res.status, 401, what)
  assert.equal(res.headers['www-authenticate'], 'Basic realm="wforce"', what)
  assert.deepEqual(jsonOf(res), { status: 'failure', reason: 'Unauthorized' })
}

test('the password is everything after the first colon, so it may contain colons; the user is ignored', async () => {
  for (const user of ['user', '', 'admin', 'wforce']) {
    const res = await stats(colon, basicAuth(PW, user))
    assert.equal(res.status, 200, `user "${user}"`)
  }
  // The scheme name is case-insensitive.
  assert.equal((await stats(colon, 'basic ' + Buffer.from(`x:${PW}`).toString('base64'))).status, 200)
  const report = await rawRequest(`${colon.url}/command/report`, { auth: PW, body: reportBody() })
  assert.equal(report.status, 200)
})

test('a wrong, partial or missing password is 401 with WWW-Authenticate', async () => {
  const bad: Array<[string, string | null]> = [
    ['no header', null],
    ['empty password', basicAuth('')],
    ['only the part before the colon', basicAuth('pa')],
    ['split differently', 'Basic ' + Buffer.from(`user:pa:ss:word:`).toString('base64')],
    ['user holds part of it', 'Basic ' + Buffer.from('pa:ss:word').toString('base64')],
    ['no colon at all', 'Basic ' + Buffer.from('pa-ss-word').toString('base64')],
    ['trailing space', basicAuth(PW + ' ')],
    ['other scheme', `Bearer ${PW}`],
    ['scheme only', 'Basic'],
    ['garbage base64', 'Basic !!!!']
  ]
  for (const [what, header] of bad) assertUnauthorized(await stats(colon, header), what)
  assertUnauthorized(await rawRequest(`${colon.url}/command/report`, { auth: 'wrong', body: reportBody() }), 'report')
  assertUnauthorized(await rawRequest(`${colon.url}/?command=report`, { auth: false, body: reportBody() }), 'legacy report')
})

test('the cached-header fast path still rejects a different header', async () => {
  const good = basicAuth(PW)
  assert.equal((await stats(colon, good)).status, 200)
  // Same length as the cached header, one character different.
  const sameLength = good.slice(0, -2) + (good.at(-2) === 'A' ? 'B' : 'A') + good.at(-1)
  assert.equal(sameLength.length, good.length)
  assertUnauthorized(await stats(colon, sameLength), 'same-length header')
  assertUnauthorized(await stats(colon, basicAuth('pa:ss:wore')), 'one letter off')
  assert.equal((await stats(colon, good)).status, 200)
  // A different header with the right password replaces the cache; the old one still works after.
  assert.equal((await stats(colon, basicAuth(PW, 'someone-else'))).status, 200)
  assert.equal((await stats(colon, good)).status, 200)
  assertUnauthorized(await stats(colon, basicAuth('nope')), 'after re-caching')
})

test('readyz and livez need no password; every other command does', async () => {
  for (const name of ['readyz', 'livez']) {
    assert.equal((await rawRequest(`${colon.url}/command/${name}`, { auth: false })).status, 200, name)
    // A wrong password is not held against the public probes either.
    assert.equal((await rawRequest(`${colon.url}/?command=${name}`, { auth: 'wrong' })).status, 200, name)
  }
  assertUnauthorized(await rawRequest(`${colon.url}/metrics`, { auth: false }), 'metrics')
})

test('without setWebserverPassword() no password is accepted', async () => {
  for (const header of [null, basicAuth(''), basicAuth('testpw')]) assertUnauthorized(await stats(nopw, header), String(header))
  assert.equal((await rawRequest(`${nopw.url}/command/livez`, { auth: false })).status, 200)
})
