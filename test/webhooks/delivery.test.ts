import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import { captureLogs, makeDispatcher, startReceiver, waitFor } from './helpers.ts'

test('a delivery carries every upstream header and a signature over the exact body', async (t) => {
  const rx = await startReceiver(t)
  const { dispatcher, recorded } = makeDispatcher(t)
  dispatcher.addHook('first', { url: `${rx.url}/unused` })
  dispatcher.addHook('alert', { url: `${rx.url}/hook?src=ta`, secret: 'verysecretcode' })
  const data = '{"login":"bob","msg":"new device ✓"}'
  assert.equal(dispatcher.run('alert', data), true)
  assert.equal(dispatcher.run('alert', data), true)
  await waitFor(() => recorded.results.length === 2)

  assert.equal(rx.requests.length, 2)
  const [a, b] = rx.requests
  assert.equal(a.method, 'POST')
  assert.equal(a.url, '/hook?src=ta')
  assert.equal(a.body.toString('utf8'), data)
  assert.equal(a.headers['content-type'], 'application/json')
  assert.equal(a.headers['x-wforce-event'], 'alert')
  assert.equal(a.headers['x-wforce-hookid'], '2')
  const expected = createHmac('sha256', 'verysecretcode').update(a.body).digest('base64')
  assert.equal(a.headers['x-wforce-signature'], expected)
  assert.equal(typeof a.headers['x-wforce-delivery'], 'string')
  assert.notEqual(a.headers['x-wforce-delivery'], b.headers['x-wforce-delivery'])
  assert.equal(a.headers.authorization, undefined)
  assert.equal(a.headers['x-api-key'], undefined)

  assert.deepEqual(recorded.results, [{ name: 'alert', ok: true }, { name: 'alert', ok: true }])
  assert.equal(recorded.attempts.length, 2)
  assert.ok(recorded.attempts.every((x) => x.ok && x.seconds >= 0))
  assert.deepEqual(dispatcher.stats().find((s) => s.name === 'alert'), {
    id: 2, name: 'alert', url: `${rx.url}/hook?src=ta`, successes: 2, failures: 0, drops: 0
  })
  assert.match(dispatcher.showCustomWebHooks(), /^2 {9}alert {16}2 {9}0 {9}http:\/\/127\.0\.0\.1:\d+\/hook\?src=ta$/m)
})

test('no signature header without a secret; basic-auth, api-key and content-type are sent', async (t) => {
  const rx = await startReceiver(t)
  const { dispatcher, recorded } = makeDispatcher(t)
  dispatcher.addHook('auth', { url: rx.url + '/a', 'basic-auth': 'wforce:sup:er', 'api-key': 'key-123', 'content-type': 'text/plain' })
  dispatcher.run('auth', 'plain text alert')
  await waitFor(() => recorded.results.length === 1)
  const h = rx.requests[0].headers
  assert.equal(h['x-wforce-signature'], undefined)
  assert.equal(h.authorization, 'Basic ' + Buffer.from('wforce:sup:er').toString('base64'))
  assert.equal(h['x-api-key'], 'key-123')
  assert.equal(h['content-type'], 'text/plain')
  assert.equal(rx.requests[0].body.toString(), 'plain text alert')
})

test('date macros in the url expand to the UTC date at send time', async (t) => {
  const rx = await startReceiver(t)
  const fixed = Date.UTC(2023, 11, 31, 23, 30)
  const { dispatcher, recorded } = makeDispatcher(t, { now: () => fixed })
  dispatcher.addHook('daily', { url: `${rx.url}/logs-%{YYYY}.%{MM}.%{dd}/_doc` })
  dispatcher.run('daily', '{}')
  await waitFor(() => recorded.results.length === 1)
  assert.equal(rx.requests[0].url, '/logs-2023.12.31/_doc')
})

test('kafka hooks wrap the JSON body in records and sign the wrapped bytes', async (t) => {
  const rx = await startReceiver(t)
  const { dispatcher, recorded } = makeDispatcher(t)
  dispatcher.addHook('kafka', { url: rx.url + '/topics/alerts', kafka: 'true', secret: 'k' })
  dispatcher.run('kafka', '{ "login": "eve", "n": [1, 2] }')
  await waitFor(() => recorded.results.length === 1)
  const req = rx.requests[0]
  assert.equal(req.headers['content-type'], 'application/vnd.kafka.json.v2+json')
  assert.deepEqual(JSON.parse(req.body.toString()), { records: [{ value: { login: 'eve', n: [1, 2] } }] })
  assert.equal(req.headers['x-wforce-signature'], createHmac('sha256', 'k').update(req.body).digest('base64'))
})

test('a kafka body that is not JSON fails that delivery without a request or retry', async (t) => {
  const logs = captureLogs(t)
  const rx = await startReceiver(t)
  const { dispatcher, recorded } = makeDispatcher(t)
  dispatcher.addHook('kafka', { url: rx.url, kafka: 'true' })
  assert.equal(dispatcher.run('kafka', 'not json'), true)
  dispatcher.run('kafka', '{"ok":true}')
  await waitFor(() => recorded.results.length === 2)
  assert.equal(rx.requests.length, 1)
  assert.deepEqual(recorded.results.map((r) => r.ok).sort(), [false, true])
  const stats = dispatcher.stats()[0]
  assert.equal(stats.failures, 1)
  assert.equal(stats.successes, 1)
  const line = logs.find((l) => l.message === 'Custom webhook delivery failed')
  assert.ok(line)
  assert.equal(line.fields?.name, 'kafka')
  assert.match(String(line.fields?.error), /not valid JSON.*not retried/)
})

test('running an unknown hook logs an error and queues nothing', (t) => {
  const logs = captureLogs(t)
  const { dispatcher } = makeDispatcher(t)
  assert.equal(dispatcher.run('nope', '{}'), false)
  assert.equal(dispatcher.queueSize(), 0)
  assert.ok(logs.some((l) => l.level === 3 && l.fields?.name === 'nope'))
})
