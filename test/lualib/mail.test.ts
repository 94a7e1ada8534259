import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LuaLibrary } from '../../src/lualib/index.ts'
import { makeCert } from '../helpers/tls-cert.ts'
import { callBackground, callCustom, callReport, createHarness, run, type Harness } from './harness.ts'
import { freePort } from '../helpers/ports.ts'
import { startSmtp, type TestSmtp } from './smtp.ts'

let smtp: TestSmtp
let lib: LuaLibrary
let h: Harness

const relay = (port: number, extra = ''): string =>
  `setMailRelay{ host = "127.0.0.1", port = ${port}, from = "trackalert@example.com", timeout = 2, retry_delay = 0.01${extra} }`

before(async () => {
  smtp = await startSmtp()
  lib = new LuaLibrary({ random: () => 0.5 })
  h = await createHarness({
    modules: lib.modules,
    config: `
      ${relay(smtp.port)}
      setReport(function (lt)
        return sendMail{ to = lt.login .. "@example.com", subject = "New login from " .. lt.remote:tostring(), text = "Hello " .. lt.login }
      end)
      setCustomEndpoint("notify", function (args)
        local ok = sendMail{ to = { "sec@example.com", "ops@example.com" }, cc = "boss@example.com", subject = "Alert",
          text = "plain", html = "<b>" .. args.attrs.what .. "</b>", reply_to = "noreply@example.com", headers = { ["X-Policy"] = "new-country" } }
        return ok, {}
      end)
      setBackground("digest", function () sendMail{ to = "digest@example.com", from = "reports@example.com", subject = "Digest", text = "3 alerts" } end)
    `
  })
})

after(async () => {
  await lib.close(1000)
  await smtp.close()
  await h.close()
})

test('report-like call: sendMail returns at once and the relay receives the mail', async () => {
  const before = smtp.mails.length
  assert.deepEqual(await callReport(h, h.states[1], { login: 'alice', remote: '192.0.2.9' }), [true])
  await smtp.waitFor(before + 1)
  const mail = smtp.mails[before]
  assert.equal(mail.from, 'trackalert@example.com')
  assert.deepEqual(mail.to, ['alice@example.com'])
  assert.match(mail.raw, /^Subject: New login from 192\.0\.2\.9$/m)
  assert.match(mail.raw, /^To: alice@example\.com$/m)
  assert.match(mail.raw, /Hello alice/)
})

test('custom-like and background-like calls: lists, cc, html, reply-to, extra headers, own sender', async () => {
  const before = smtp.mails.length
  assert.deepEqual(await callCustom(h, h.states[2], 'notify', { what: 'DE -> BR' }), [true, {}])
  await callBackground(h, h.states[1], 'digest')
  await smtp.waitFor(before + 2)
  const notify = smtp.mails.find((m) => m.to.includes('sec@example.com'))
  assert.deepEqual(notify?.to.sort(), ['boss@example.com', 'ops@example.com', 'sec@example.com'])
  assert.match(notify?.raw ?? '', /^Reply-To: noreply@example\.com$/m)
  assert.match(notify?.raw ?? '', /^X-Policy: new-country$/m)
  assert.match(notify?.raw ?? '', /<b>DE -&gt; BR<\/b>|<b>DE -> BR<\/b>/)
  assert.equal(smtp.mails.find((m) => m.to.includes('digest@example.com'))?.from, 'reports@example.com')
})

test('temporary failures are retried; permanent ones are not', async () => {
  await lib.mail.whenIdle()
  const m0 = lib.metrics()
  smtp.rejectNext(1, 451)
  await run(h, h.states[1], 'sendMail{ to = "retry@example.com", subject = "r", text = "r" }')
  await lib.mail.whenIdle()
  assert.ok(smtp.mails.some((m) => m.to.includes('retry@example.com')))
  smtp.rejectNext(1, 550)
  await run(h, h.states[1], 'sendMail{ to = "bounce@example.com", subject = "b", text = "b" }')
  await lib.mail.whenIdle()
  assert.ok(!smtp.mails.some((m) => m.to.includes('bounce@example.com')))
  const m1 = lib.metrics()
  assert.equal(m1.mailRetries - m0.mailRetries, 1)
  assert.equal(m1.mailFailed - m0.mailFailed, 1)
  assert.equal(m1.mailSent - m0.mailSent, 1)
  assert.equal(m1.mailQueueSize, 0)
})

test('argument and configuration errors are Lua errors (pcall-able)', async () => {
  for (const [code, msg] of [
    ['sendMail{ subject = "x", text = "y" }', /test:1: sendMail: option 'to' is required/],
    ['sendMail{ to = "a@x", subject = "x" }', /give 'text' or 'html'/],
    ['sendMail{ to = "a@x", text = "x", bcc = {} }', /option 'bcc' must be an address or a list/],
    ['sendMail{ to = "a@x", text = "x", subjet = "typo" }', /unknown option 'subjet'/],
    ['sendMail("a@x")', /bad argument #1 to 'sendMail' \(table expected, got string\)/],
    ['setMailRelay{ host = "h", secure = true, starttls = true }', /secure = true already encrypts/],
    ['setMailRelay{ host = "h", password = "p" }', /'password' needs 'user'/],
    ['setMailRelay{ port = 25 }', /option 'host' is required/],
    ['setMailRelay{ host = "h", port = 70000 }', /out of range/]
  ] as const) {
    await assert.rejects(run(h, h.states[0], code), msg)
  }
  assert.deepEqual(await run(h, h.states[1], 'local ok, err = pcall(sendMail, { text = "x" }) return ok, err'),
    [false, "sendMail: option 'to' is required"])
  const bare = new LuaLibrary()
  const h2 = await createHarness({ modules: bare.modules, reportStates: 0, config: '' })
  try {
    await assert.rejects(run(h2, h2.states[0], 'sendMail{ to = "a@x", text = "x" }'), /no mail relay configured \(setMailRelay/)
    await run(h2, h2.states[0], 'setMailRelay{ host = "127.0.0.1" }')
    await assert.rejects(run(h2, h2.states[0], 'sendMail{ to = "a@x", text = "x" }'), /no sender: give 'from'/)
  } finally {
    await bare.close()
    await h2.close()
  }
})

test('a full queue drops new mail and counts it; close() drains what is queued', async () => {
  const held = await startSmtp()
  const lib2 = new LuaLibrary()
  const h2 = await createHarness({ modules: lib2.modules, reportStates: 0, config: relay(held.port, ', queue_size = 2, connections = 1') })
  try {
    held.hold()
    assert.deepEqual(await run(h2, h2.states[0], 'return sendMail{ to = "a@example.com", subject = "1", text = "1" }'), [true])
    assert.deepEqual(await run(h2, h2.states[0], 'return sendMail{ to = "b@example.com", subject = "2", text = "2" }'), [true])
    assert.deepEqual(await run(h2, h2.states[0], 'return sendMail{ to = "c@example.com", subject = "3", text = "3" }'), [false, 'mail queue full'])
    assert.equal(lib2.metrics().mailQueueSize, 2)
    const closing = lib2.close(5000)
    held.release()
    await closing
    assert.deepEqual(held.mails.map((m) => m.to[0]), ['a@example.com', 'b@example.com'])
    const m = lib2.metrics()
    assert.deepEqual([m.mailQueued, m.mailSent, m.mailDropped, m.mailQueueSize], [2, 2, 1, 0])
    assert.deepEqual(await run(h2, h2.states[0], 'return sendMail{ to = "late@example.com", text = "x" }'), [false, 'mail queue closed'])
  } finally {
    held.release()
    await lib2.close()
    await h2.close()
    await held.close()
  }
})

test('an unreachable relay: attempts run out, the mail counts as failed', async () => {
  const lib2 = new LuaLibrary({ random: () => 0 })
  const h2 = await createHarness({ modules: lib2.modules, reportStates: 0, config: relay(await freePort(), ', attempts = 2') })
  try {
    await run(h2, h2.states[0], 'sendMail{ to = "a@example.com", text = "x" }')
    await lib2.mail.whenIdle()
    const m = lib2.metrics()
    assert.deepEqual([m.mailRetries, m.mailFailed, m.mailSent], [1, 1, 0])
  } finally {
    await lib2.close()
    await h2.close()
  }
})

test('SMTP AUTH, and STARTTLS verified against the CA bundle of the outbound TLS settings', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lualib-tls-'))
  const cert = await makeCert(dir)
  const secure = await startSmtp({ users: { alice: 'pw' }, tls: { key: await readFile(cert.keyFile), cert: cert.cert } })
  const lib2 = new LuaLibrary({ tls: { verifyPeer: true, verifyHost: true, caBundleFile: cert.certFile } })
  const h2 = await createHarness({ modules: lib2.modules, reportStates: 0, config: relay(secure.port, ', starttls = true, user = "alice", password = "pw", attempts = 1') })
  const lib3 = new LuaLibrary()
  const h3 = await createHarness({ modules: lib3.modules, reportStates: 0, config: relay(secure.port, ', starttls = true, user = "alice", password = "bad", attempts = 1') })
  try {
    await run(h2, h2.states[0], 'sendMail{ to = "a@example.com", subject = "tls", text = "x" }')
    await secure.waitFor(1)
    assert.equal(secure.mails[0].user, 'alice')
    assert.equal(secure.mails[0].secure, true)
    // Default trust store: the self-signed relay is refused (and the password would be wrong anyway).
    await run(h3, h3.states[0], 'sendMail{ to = "b@example.com", text = "x" }')
    await lib3.mail.whenIdle()
    assert.equal(lib3.metrics().mailFailed, 1)
    assert.equal(secure.mails.length, 1)
  } finally {
    await lib2.close()
    await lib3.close()
    await h2.close()
    await h3.close()
    await secure.close()
    await rm(dir, { recursive: true, force: true })
  }
})
