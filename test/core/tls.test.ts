import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDaemon, type RunningDaemon } from '../helpers/daemon.ts'
import { jsonOf, rawRequest, reportBody } from '../helpers/http-client.ts'
import { makeCert, type TestCert } from '../helpers/tls-cert.ts'

let cert: TestCert
let dir: string
let d: RunningDaemon
let missing: Promise<{ code: number | null, out: string }>

const q = (s: string): string => JSON.stringify(s)
const listener = (c: TestCert, opts: string): string => `addListener("127.0.0.1:0", true, ${q(c.certFile)}, ${q(c.keyFile)}, ${opts})\n`

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ta-core-tls-'))
  cert = await makeCert(dir)
  const missingCert = { ...cert, certFile: join(dir, 'no-such-cert.pem') }
  // The start-up that must fail runs alongside the good daemon.
  missing = startDaemon({ bare: true, config: listener(missingCert, '{}'), waitFor: null })
    .then(async (m) => ({ code: await m.exited, out: m.output() }))
  missing.catch(() => {})
  // Two TLS listeners (TLSv1.3 minimum first, then no minimum); bad listener arguments are caught
  // with pcall and logged, so one daemon checks them all.
  d = await startDaemon({
    bare: true,
    config: listener(cert, '{min_protocol="TLSv1.3"}') + listener(cert, '{}') + `setWebserverPassword("testpw")
setReport(function(lt) end)
for _, args in ipairs({
  { "key", ${q(cert.certFile)}, ${q(join(dir, 'no-such-key.pem'))}, {} },
  { "protocol", ${q(cert.certFile)}, ${q(cert.keyFile)}, { min_protocol = "SSLv3" } },
  { "nocert", "", ${q(cert.keyFile)}, {} }
}) do
  local ok, err = pcall(addListener, "127.0.0.1:0", true, args[2], args[3], args[4])
  if not ok then infoLog("listener refused", { case = args[1], err = err }) end
end
`
  })
})
after(async () => {
  await d?.stop()
  await missing
})

/** Ports of the TLS listeners, in config order. */
function ports (): number[] {
  return [...d.output().matchAll(/listening for HTTP commands address="127\.0\.0\.1:(\d+)" tls="true"/g)].map((m) => Number(m[1]))
}
const https = (port: number, path: string): string => `https://127.0.0.1:${port}${path}`

test('the TLS listener serves the REST API over HTTPS', async () => {
  const [tls13] = ports()
  const res = await rawRequest(https(tls13, '/command/report'), { ca: cert.cert, body: reportBody() })
  assert.equal(res.status, 200)
  assert.deepEqual(jsonOf(res), { status: 'ok' })
  const stats = await rawRequest(https(tls13, '/?command=stats'), { ca: cert.cert })
  assert.equal(jsonOf(stats).reports, 1)
  const denied = await rawRequest(https(tls13, '/command/stats'), { ca: cert.cert, auth: false })
  assert.equal(denied.status, 401)
})

test('min_protocol TLSv1.3 refuses a client limited to TLSv1.2', async () => {
  const [tls13, any] = ports()
  await assert.rejects(rawRequest(https(tls13, '/command/livez'), { ca: cert.cert, maxVersion: 'TLSv1.2', auth: false }),
    (err: NodeJS.ErrnoException) => /protocol|version|alert|ECONNRESET/i.test(`${err.code ?? ''} ${err.message}`))
  // Without min_protocol the same client gets through.
  const ok = await rawRequest(https(any, '/command/livez'), { ca: cert.cert, maxVersion: 'TLSv1.2', auth: false })
  assert.equal(ok.status, 200)
})

test('a client that does not trust the certificate is refused; plain HTTP gets no answer', async () => {
  const [tls13] = ports()
  await assert.rejects(rawRequest(https(tls13, '/command/livez'), { auth: false }), /self[- ]signed|certificate/i)
  await assert.rejects(rawRequest(`http://127.0.0.1:${tls13}/command/livez`, { auth: false, timeoutMs: 3000 }))
})

test('a missing certificate file stops start-up with a message naming the file', async () => {
  const r = await missing
  assert.notEqual(r.code, 0)
  assert.ok(r.out.includes(join(dir, 'no-such-cert.pem')), r.out)
  assert.match(r.out, /addListener/)
  assert.doesNotMatch(r.out, /trackalert ready/)
})

test('a missing key, an empty certificate path and an unknown min_protocol are refused by addListener', () => {
  const refused = (c: string): string => d.output().split('\n').find((l) => l.includes('listener refused') && l.includes(`case="${c}"`)) ?? ''
  assert.match(refused('key'), /addListener: TLS key file '.*no-such-key\.pem' not found/)
  assert.match(refused('protocol'), /addListener: unknown min_protocol 'SSLv3'/)
  assert.match(refused('nocert'), /addListener: TLS certificate file '' not found/)
  assert.equal(ports().length, 2)
})
