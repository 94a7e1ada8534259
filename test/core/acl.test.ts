import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { jsonOf, rawRequest, reportBody, type RawResponse } from '../helpers/http-client.ts'

// Every daemon also listens on [::1] to check IPv6 sources.
const V6 = 'addListener("[::1]:0", false, "", "", {})\n'

let byDefault: RunningDaemon
let only2: RunningDaemon
let only1: RunningDaemon

before(async () => {
  [byDefault, only2, only1] = await Promise.all([
    startDaemon({ config: V6 }),
    startDaemon({ config: V6 + 'setACL({"127.0.0.2/32"})\naddACL("127.0.0.3/32")\n' }),
    startDaemon({ config: V6 + 'setACL({"127.0.0.1/32"})\n' })
  ])
})
after(() => Promise.all([byDefault, only2, only1].map((d) => d?.stop())))

/** The URL of the [::1] listener (the second "listening" line). */
function v6url (d: RunningDaemon): string {
  const m = /listening for HTTP commands address="::1:(\d+)"/.exec(d.output())
  assert.ok(m !== null, d.output())
  return `http://[::1]:${m[1]}`
}

const from = (d: RunningDaemon, localAddress: string, path = '/command/stats'): Promise<RawResponse> =>
  rawRequest(d.url + path, { localAddress })

function assertDenied (res: RawResponse, ip: string): void {
  assert.equal(res.status, 401)
  assert.equal(res.headers['www-authenticate'], undefined)
  assert.deepEqual(jsonOf(res), { status: 'failure', reason: 'Source IP Address not in ACL', ip })
}

test('the default ACL admits all of loopback 127.0.0.0/8 and ::1', async () => {
  for (const src of ['127.0.0.1', '127.0.0.2', '127.1.2.3']) {
    assert.equal((await from(byDefault, src)).status, 200, src)
  }
  assert.equal((await rawRequest(`${v6url(byDefault)}/command/stats`)).status, 200)
})

test('setACL replaces the list: only 127.0.0.2 admitted, 127.0.0.1 denied', async () => {
  assert.equal((await from(only2, '127.0.0.2')).status, 200)
  assertDenied(await from(only2, '127.0.0.1'), '127.0.0.1')
})

test('setACL the other way round: a connection from 127.0.0.2 is denied', async () => {
  assert.equal((await from(only1, '127.0.0.1')).status, 200)
  assertDenied(await from(only1, '127.0.0.2'), '127.0.0.2')
})

test('addACL adds to the list set by setACL', async () => {
  assert.equal((await from(only2, '127.0.0.3')).status, 200)
  assertDenied(await from(only2, '127.0.0.4'), '127.0.0.4')
})

test('an IPv4-only ACL denies ::1', async () => {
  assertDenied(await rawRequest(`${v6url(only1)}/command/stats`), '::1')
})

test('the ACL applies before authentication and to the public probes and metrics', async () => {
  for (const path of ['/command/readyz', '/command/livez', '/?command=livez', '/metrics', '/command/nope']) {
    assertDenied(await rawRequest(only1.url + path, { localAddress: '127.0.0.2', auth: false }), '127.0.0.2')
  }
  assertDenied(await rawRequest(`${only1.url}/command/report`, { localAddress: '127.0.0.2', auth: 'wrong', body: reportBody() }), '127.0.0.2')
})

test('the verdict is per connection: a denied and an admitted source alternate correctly', async () => {
  for (let i = 0; i < 3; i++) {
    assert.equal((await from(only1, '127.0.0.1')).status, 200)
    assertDenied(await from(only1, '127.0.0.2'), '127.0.0.2')
  }
})
