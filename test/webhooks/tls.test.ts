import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, test, type TestContext } from 'node:test'
import { isTrackalertError } from '../../src/errors.ts'
import { buildTlsConnectOptions, type OutboundTlsSettings } from '../../src/outbound/index.ts'
import { captureLogs, makeCerts, makeDispatcher, removeDir, startReceiver, tlsServerOptions, waitFor, type TestCerts } from './helpers.ts'

let certs: TestCerts
before(async () => { certs = await makeCerts() })
after(() => removeDir(certs.dir))

/** Sends one event over HTTPS with the given client TLS settings; resolves to its final outcome and error text. */
async function deliverOnce (t: TestContext, server: { cert: string, key: string, requestCert?: boolean }, tls: Partial<OutboundTlsSettings>):
Promise<{ ok: boolean, error: string, clientCN: string | undefined }> {
  const logs = captureLogs(t)
  const extra = server.requestCert === true ? { requestCert: true, rejectUnauthorized: true, ca: await readFile(certs.caCert) } : {}
  const rx = await startReceiver(t, () => 200, await tlsServerOptions(server.cert, server.key, extra))
  const { dispatcher, recorded } = makeDispatcher(t, {
    settings: { maxAttempts: 1, tls: { verifyPeer: true, verifyHost: true, ...tls } }
  })
  dispatcher.addHook('secure', { url: rx.url + '/hook' })
  dispatcher.run('secure', '{}')
  await waitFor(() => recorded.results.length === 1)
  const failed = logs.find((l) => l.message === 'Custom webhook delivery failed')
  return { ok: recorded.results[0].ok, error: String(failed?.fields?.error ?? ''), clientCN: rx.requests[0]?.clientCN }
}

test('an unknown CA is rejected by default', async (t) => {
  const r = await deliverOnce(t, { cert: certs.serverCert, key: certs.serverKey }, {})
  assert.equal(r.ok, false)
  assert.match(r.error, /certificate/i)
})

test('a self-signed certificate is rejected unless peer verification is disabled', async (t) => {
  const rejected = await deliverOnce(t, { cert: certs.selfCert, key: certs.selfKey }, {})
  assert.equal(rejected.ok, false)
  assert.match(rejected.error, /self.signed|SELF_SIGNED/i)
  const accepted = await deliverOnce(t, { cert: certs.selfCert, key: certs.selfKey }, { verifyPeer: false })
  assert.equal(accepted.ok, true)
})

test('setCurlCABundleFile makes a private CA trusted', async (t) => {
  const r = await deliverOnce(t, { cert: certs.serverCert, key: certs.serverKey }, { caBundleFile: certs.caCert })
  assert.equal(r.ok, true, r.error)
})

test('a certificate for another name fails unless host verification is disabled', async (t) => {
  const rejected = await deliverOnce(t, { cert: certs.otherCert, key: certs.otherKey }, { caBundleFile: certs.caCert })
  assert.equal(rejected.ok, false)
  assert.match(rejected.error, /ALTNAME|does not match|not in the cert/i)
  const accepted = await deliverOnce(t, { cert: certs.otherCert, key: certs.otherKey }, { caBundleFile: certs.caCert, verifyHost: false })
  assert.equal(accepted.ok, true, accepted.error)
})

test('disabling host verification still checks the chain', async (t) => {
  const r = await deliverOnce(t, { cert: certs.otherCert, key: certs.otherKey }, { verifyHost: false })
  assert.equal(r.ok, false)
})

test('a server requiring client certificates gets the configured one', async (t) => {
  const server = { cert: certs.serverCert, key: certs.serverKey, requestCert: true }
  const without = await deliverOnce(t, server, { caBundleFile: certs.caCert })
  assert.equal(without.ok, false)
  const withCert = await deliverOnce(t, server, { caBundleFile: certs.caCert, clientCertFile: certs.clientCert, clientKeyFile: certs.clientKey })
  assert.equal(withCert.ok, true, withCert.error)
  assert.equal(withCert.clientCN, 'webhook-client')
})

test('missing TLS files are startup errors', (t) => {
  const { dispatcher } = makeDispatcher(t, { settings: { tls: { verifyPeer: true, verifyHost: true, caBundleFile: certs.dir + '/missing.pem' } } })
  assert.throws(() => dispatcher.start(), (err: unknown) => isTrackalertError(err, 'TA_ERR_CONFIG_INVALID') && /missing\.pem/.test((err as Error).message))
  assert.throws(() => buildTlsConnectOptions({ verifyPeer: true, verifyHost: true, clientCertFile: certs.clientCert }), /together/)
  const opts = buildTlsConnectOptions({ verifyPeer: false, verifyHost: false, caBundleFile: certs.caCert })
  assert.equal(opts.rejectUnauthorized, false)
  assert.equal(typeof opts.checkServerIdentity, 'function')
  assert.ok(Buffer.isBuffer(opts.ca))
})
