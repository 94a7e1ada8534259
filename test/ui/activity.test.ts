import assert from 'node:assert/strict'
import { test } from 'node:test'
import { request, startDaemon } from '../helpers/daemon.ts'
import { historyConfig, login, sendReport } from '../history/helpers.ts'

test('GET /command/activity: reports per time bucket for everything, an address, a network or a login', async (t) => {
  const d = await startDaemon({ config: historyConfig() })
  t.after(() => d.stop())
  const T = 1_700_000_000
  await sendReport(d, login({ login: 'bob', t: T + 5 }))
  await sendReport(d, login({ login: 'bob', t: T + 59.5, success: false }))
  await sendReport(d, login({ login: 'eve', t: T + 60, success: false }))
  await sendReport(d, login({ login: 'eve', t: T + 200, remote: '8.8.4.4' }))
  await sendReport(d, login({ login: 'eve', t: T + 400 }))
  const get = async (query: string): Promise<Record<string, unknown>> => {
    const res = await request(`${d.url}/command/activity?${query}`)
    assert.equal(res.status, 200, res.text)
    return res.body
  }
  assert.deepEqual(await get(`seconds=300&step=60&until=${T + 300}`), {
    scope: 'all',
    key: null,
    since: T,
    until: T + 300,
    step: 60,
    buckets: [
      { t: T, successes: 1, failures: 1, distinct_logins: 1 },
      { t: T + 60, successes: 0, failures: 1, distinct_logins: 1 },
      { t: T + 180, successes: 1, failures: 0, distinct_logins: 1 }
    ]
  })
  assert.deepEqual((await get(`scope=ip&key=8.8.8.8&seconds=600&step=600&until=${T + 600}`)).buckets,
    [{ t: T, successes: 2, failures: 2, distinct_logins: 2 }])
  assert.deepEqual((await get(`scope=prefix&key=8.8.4.0/24&seconds=600&step=100&until=${T + 600}`)).buckets,
    [{ t: T + 200, successes: 1, failures: 0, distinct_logins: 1 }])
  assert.deepEqual((await get(`scope=login&key=eve&seconds=600&step=300&until=${T + 600}`)).buckets,
    [{ t: T, successes: 1, failures: 1, distinct_logins: 1 }, { t: T + 300, successes: 1, failures: 0, distinct_logins: 1 }])
  const now = await get('')
  assert.equal(now.step, 60)
  assert.equal((now.until as number) - (now.since as number), 86_400)
  assert.ok(Math.abs((now.until as number) - Date.now() / 1000) < 60, 'until defaults to now')

  for (const [query, reason] of [
    ['scope=ip', "'key' is required with scope ip"],
    ['scope=everything', "'scope' must be all, ip, prefix or login, got 'everything'"],
    ['key=bob', "'key' is not taken with scope all"],
    ['seconds=86400&step=1', "'seconds' / 'step' must be at most 1440 buckets, got 86400"],
    ['step=0', "'step' must be between 1 and 7776000, got 0"],
    ['seconds=-1', "'seconds' must be a whole number of seconds, got '-1'"],
    ['limit=5', "unknown parameter 'limit' (known: scope, key, seconds, step, until)"],
    ['step=60&step=120', "parameter 'step' given more than once"]
  ]) {
    const res = await request(`${d.url}/command/activity?${query}`)
    assert.equal(res.status, 400, query)
    assert.deepEqual(res.body, { status: 'failure', reason }, query)
  }
  assert.equal((await request(`${d.url}/command/activity`, { auth: false })).status, 401)

  const off = await startDaemon({ config: 'setNumWorkerThreads(1)\n' })
  t.after(() => off.stop())
  const res = await request(`${off.url}/command/activity`)
  assert.equal(res.status, 409)
  assert.deepEqual(res.body, { status: 'failure', reason: 'Login history is not enabled (setHistory in the configuration)' })
})
