import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isTrackalertError } from '../../src/errors.ts'
import { backoffDelay, isRetryableStatus, parseRetryAfter, RingQueue } from '../../src/outbound/index.ts'
import { DropLog } from '../../src/webhooks/drop-log.ts'
import {
  expandUrlDate, formatCustomWebHooks, KAFKA_CONTENT_TYPE, mergeWebhookSettings,
  defaultWebhookSettings, parseCustomHookConfig, sumWebhookStats, WebhookDispatcher
} from '../../src/webhooks/index.ts'
import { captureLogs, waitFor } from './helpers.ts'

function assertConfigError (fn: () => unknown, hookName: string, fragment: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isTrackalertError(err, 'TA_ERR_WEBHOOK_CONFIG'), `expected TA_ERR_WEBHOOK_CONFIG, got ${String(err)}`)
    assert.match((err as Error).message, new RegExp(hookName))
    assert.match((err as Error).message, new RegExp(fragment))
    return true
  })
}

test('parseCustomHookConfig applies defaults and reads every key', () => {
  const plain = parseCustomHookConfig('alerts', { url: 'http://example.com/hook' })
  assert.equal(plain.contentType, 'application/json')
  assert.equal(plain.kafka, false)
  assert.equal(plain.secret, undefined)

  const full = parseCustomHookConfig('siem', {
    url: 'https://example.com/%{YYYY}/%{MM}/%{dd}', secret: 's3cret', 'basic-auth': 'user:pa:ss', 'api-key': 'k-1', kafka: 'true'
  })
  assert.equal(full.secret, 's3cret')
  assert.equal(full.basicAuth, 'user:pa:ss')
  assert.equal(full.apiKey, 'k-1')
  assert.equal(full.kafka, true)
  assert.equal(full.contentType, KAFKA_CONTENT_TYPE)
  assert.equal(parseCustomHookConfig('x', { url: 'http://e.com', 'content-type': 'text/plain' }).contentType, 'text/plain')
})

test('parseCustomHookConfig rejects bad tables with an error naming the hook', () => {
  assertConfigError(() => parseCustomHookConfig('h1', {}), 'h1', 'missing mandatory configuration key "url"')
  assertConfigError(() => parseCustomHookConfig('h2', { url: 'http://e.com', colour: 'red' }), 'h2', 'unknown configuration key "colour"')
  assertConfigError(() => parseCustomHookConfig('h3', { url: 'not a url' }), 'h3', 'invalid url')
  assertConfigError(() => parseCustomHookConfig('h4', { url: 'ftp://e.com/x' }), 'h4', 'http or https')
  assertConfigError(() => parseCustomHookConfig('h5', { url: 'http://e.com', kafka: 'yes' }), 'h5', 'kafka')
  assertConfigError(() => parseCustomHookConfig('h6', { url: 'http://e.com', 'basic-auth': 'nocolon' }), 'h6', 'user:pass')
  assertConfigError(() => parseCustomHookConfig('h7', { url: 'http://e.com', 'api-key': 'a\r\nX-Evil: 1' }), 'h7', 'not allowed')
  assertConfigError(() => parseCustomHookConfig('h8', { url: 'http://u:p@e.com' }), 'h8', 'basic-auth')
})

test('num_conns is accepted with a deprecation warning', (t) => {
  const logs = captureLogs(t)
  parseCustomHookConfig('old', { url: 'http://e.com', num_conns: '5' })
  assert.ok(logs.some((l) => l.message.includes('num_conns') && l.fields?.name === 'old'))
})

test('addHook numbers hooks from 1 and rejects duplicates', () => {
  const d = new WebhookDispatcher()
  assert.equal(d.addHook('a', { url: 'http://e.com/a' }).id, 1)
  assert.equal(d.addHook('b', { url: 'http://e.com/b' }).id, 2)
  assertConfigError(() => d.addHook('a', { url: 'http://e.com/c' }), 'a', 'already defined')
})

test('date macros expand to the UTC date', () => {
  const t = Date.UTC(2024, 1, 9, 23, 59, 59)
  assert.equal(expandUrlDate('http://h/idx-%{YYYY}.%{MM}.%{dd}/_doc?x=%{MM}', t), 'http://h/idx-2024.02.09/_doc?x=02')
  assert.equal(expandUrlDate('http://h/%{HH}', t), 'http://h/%{HH}')
})

test('settings validation', () => {
  const s = mergeWebhookSettings(defaultWebhookSettings(), { numThreads: 2, tls: { verifyPeer: false, verifyHost: true } })
  assert.equal(s.numThreads, 2)
  assert.equal(s.queueSize, 50000)
  assert.equal(s.maxAttempts, 3)
  assert.equal(s.tls.verifyPeer, false)
  assert.throws(() => mergeWebhookSettings(s, { queueSize: 0 }), /queueSize/)
  assert.throws(() => mergeWebhookSettings(s, { timeoutMs: -1 }), /timeoutMs/)
  const d = new WebhookDispatcher()
  d.configure({ connsPerThread: 3 })
  d.start()
  assert.throws(() => d.configure({ connsPerThread: 4 }), (err: unknown) => isTrackalertError(err, 'TA_ERR_CONFIG_INVALID'))
  return d.close()
})

test('retry policy: statuses, backoff bounds, Retry-After', () => {
  for (const s of [500, 502, 503, 408, 429, 302]) assert.equal(isRetryableStatus(s), true, String(s))
  for (const s of [400, 401, 403, 404, 413, 422]) assert.equal(isRetryableStatus(s), false, String(s))
  assert.equal(backoffDelay(1, 100, 1000, () => 0), 50)
  assert.equal(backoffDelay(1, 100, 1000, () => 1), 100)
  assert.equal(backoffDelay(3, 100, 1000, () => 1), 400)
  assert.equal(backoffDelay(10, 100, 1000, () => 1), 1000)
  assert.equal(parseRetryAfter('3'), 3000)
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT'), undefined)
  assert.equal(parseRetryAfter(undefined), undefined)
})

test('RingQueue keeps FIFO order across growth and wrap-around', () => {
  const q = new RingQueue<number>(4)
  let next = 0
  let expected = 0
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 7; i++) q.push(next++)
    for (let i = 0; i < 5; i++) assert.equal(q.shift(), expected++)
  }
  assert.equal(q.length, 100)
  assert.deepEqual(q.drainAll(), Array.from({ length: 100 }, (_v, i) => expected + i))
  assert.equal(q.shift(), undefined)
})

test('DropLog writes at most one line per interval with the count since the last line', async (t) => {
  const logs = captureLogs(t)
  const drops = new DropLog(Date.now, 50)
  for (let i = 0; i < 5; i++) drops.record('hookA', 'queue full')
  drops.record('hookB', 'queue full')
  const lines = (): Array<{ name: unknown, dropped: unknown }> =>
    logs.filter((l) => l.message === 'Custom webhook events dropped').map((l) => ({ name: l.fields?.name, dropped: l.fields?.dropped }))
  assert.deepEqual(lines(), [{ name: 'hookA', dropped: 1 }, { name: 'hookB', dropped: 1 }])
  await waitFor(() => lines().length === 3)
  assert.deepEqual(lines()[2], { name: 'hookA', dropped: 4 })
  drops.record('hookA', 'queue full')
  drops.flush()
  assert.equal(lines().reduce((n, l) => n + (l.name === 'hookA' ? Number(l.dropped) : 0), 0), 6)
})

test('showCustomWebHooks uses the upstream column layout', () => {
  const out = formatCustomWebHooks([
    { id: 1, name: 'mycustomhook', url: 'http://localhost:8080/webhook/regression', successes: 10, failures: 0, drops: 0 },
    { id: 12, name: 'a-very-long-hook-name-beyond-twenty', url: 'https://x/y', successes: 123456, failures: 7, drops: 1 }
  ])
  assert.equal(out,
    'ID        Name                 Successes Failures  URL\n' +
    '1         mycustomhook         10        0         http://localhost:8080/webhook/regression\n' +
    '12        a-very-long-hook-nam 123456    7         https://x/y\n')
  const summed = sumWebhookStats([
    [{ id: 1, name: 'a', url: 'u', successes: 1, failures: 2, drops: 3 }],
    [{ id: 1, name: 'a', url: 'u', successes: 10, failures: 20, drops: 30 }]
  ])
  assert.deepEqual(summed, [{ id: 1, name: 'a', url: 'u', successes: 11, failures: 22, drops: 33 }])
})
